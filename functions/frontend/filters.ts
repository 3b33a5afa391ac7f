import type { Request } from 'express';
import { DateTime, IANAZone } from 'luxon';
import { AppError } from '../../lib/errors.js';
import type { Cursor, ResultsFilter, ResultsRepository } from '../../lib/db/results-repo.js';
import { IMAGE_STATUSES, type ImageStatus } from '../../lib/db/schema.js';
import { parseDoor } from '../../lib/submission-metadata.js';

/** The filter form as the viewer filled it in: what the URL carries, and the form shows again. */
export interface FilterForm {
  /** A name typed (or picked from the list); matched whole, or as part of one name. */
  person: string;
  personId: number | undefined;
  unknown: boolean;
  door: string;
  status: string;
  /** `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM`, in `tz`. */
  from: string;
  to: string;
  tz: string;
}

export interface ResolvedQuery {
  form: FilterForm;
  filter: ResultsFilter;
  cursor: Cursor;
  /** True when any filter is set (the empty state then offers to clear them). */
  filtered: boolean;
  /** Set when the person typed matches nobody, or several people. */
  personProblem?: { text: string; candidates: Array<{ id: number; name: string }> };
}

/** The viewer's zone: ?tz=, else the cookie the page's script sets, else UTC. */
export function zoneOf(req: Request): string {
  const fromQuery = typeof req.query.tz === 'string' ? req.query.tz : undefined;
  if (fromQuery !== undefined && fromQuery !== '') {
    if (!IANAZone.isValidZone(fromQuery))
      throw new AppError(
        'INVALID_REQUEST',
        `"${fromQuery}" is not a time zone (e.g. Europe/Berlin)`,
      );
    return fromQuery;
  }
  const cookie = /(?:^|;\s*)tz=([^;]+)/.exec(req.get('cookie') ?? '')?.[1];
  const zone = cookie ? decodeURIComponent(cookie) : undefined;
  return zone && IANAZone.isValidZone(zone) ? zone : 'UTC';
}

const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '');

function positiveInt(value: unknown, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number <= 0)
    throw new AppError('INVALID_REQUEST', `${name} must be a positive integer`);
  return number;
}

/** Reads the results filters from a query string (`?person=&unknown=1&door=&status=&from=&to=&tz=`). */
export function readFilterForm(req: Request): FilterForm {
  const query = req.query as Record<string, unknown>;
  const status = text(query.status).toUpperCase();
  if (status !== '' && !IMAGE_STATUSES.includes(status as ImageStatus))
    throw new AppError('INVALID_REQUEST', `status must be one of ${IMAGE_STATUSES.join(', ')}`);
  const door = text(query.door);
  if (door !== '') parseDoor(door);
  return {
    person: text(query.person),
    personId: positiveInt(query.personId, 'personId'),
    unknown: ['1', 'true', 'on'].includes(text(query.unknown)),
    door,
    status,
    from: text(query.from),
    to: text(query.to),
    tz: zoneOf(req),
  };
}

/** ?before= or ?after=: the keyset cursor. */
export function readCursor(req: Request): Cursor {
  const before = positiveInt(req.query.before, 'before');
  const after = positiveInt(req.query.after, 'after');
  if (before !== undefined && after !== undefined)
    throw new AppError('INVALID_REQUEST', 'give before or after, not both');
  if (before !== undefined) return { before };
  if (after !== undefined) return { after };
  return undefined;
}

/**
 * A date (`2026-11-25`) or a time (`2026-11-25T14:00`) in the viewer's zone, as an instant. A
 * date alone means the start of that day for `from` and the end of that day for `to`.
 */
export function parseLocalTime(value: string, zone: string, edge: 'from' | 'to'): Date | undefined {
  if (value === '') return undefined;
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  if (!dateOnly && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value))
    throw new AppError(
      'INVALID_REQUEST',
      `"${value.slice(0, 40)}" is not a date (2026-11-25) or a time (2026-11-25T14:00)`,
    );
  let time = DateTime.fromISO(value, { zone });
  if (!time.isValid) throw new AppError('INVALID_REQUEST', `"${value}" is not a valid date`);
  if (dateOnly && edge === 'to') time = time.plus({ days: 1 });
  return time.toJSDate();
}

/** The form, checked and turned into a repository filter; a typed name is looked up. */
export async function resolveQuery(
  req: Request,
  results: ResultsRepository,
): Promise<ResolvedQuery> {
  const form = readFilterForm(req);
  const filter: ResultsFilter = {
    unknownOnly: form.unknown || undefined,
    door: form.door || undefined,
    status: (form.status || undefined) as ImageStatus | undefined,
    from: parseLocalTime(form.from, form.tz, 'from'),
    to: parseLocalTime(form.to, form.tz, 'to'),
  };
  const resolved: ResolvedQuery = { form, filter, cursor: readCursor(req), filtered: false };
  if (form.personId !== undefined) {
    filter.personId = form.personId;
    form.person = (await results.personName(form.personId)) ?? form.person;
  } else if (form.person !== '') {
    const matches = await results.findPeople(form.person);
    if (matches.length === 1) {
      filter.personId = matches[0]!.id;
      form.person = matches[0]!.name;
    } else {
      // Nobody or several: nothing matches until the viewer picks one.
      filter.personId = -1;
      resolved.personProblem =
        matches.length === 0
          ? { text: `Nobody known is called “${form.person}”.`, candidates: [] }
          : { text: `Several people match “${form.person}”: pick one.`, candidates: matches };
    }
  }
  resolved.filtered = Boolean(
    form.person ||
    form.personId ||
    form.unknown ||
    form.door ||
    form.status ||
    form.from ||
    form.to,
  );
  return resolved;
}

/** The URL of the results page for this form (and a cursor), with only the fields set. */
export function resultsUrl(
  form: FilterForm,
  extra: { before?: number; after?: number } = {},
  base = '/',
): string {
  const params = new URLSearchParams();
  if (form.personId !== undefined && form.person === '')
    params.set('personId', String(form.personId));
  if (form.person) params.set('person', form.person);
  if (form.unknown) params.set('unknown', '1');
  if (form.door) params.set('door', form.door);
  if (form.status) params.set('status', form.status);
  if (form.from) params.set('from', form.from);
  if (form.to) params.set('to', form.to);
  if ((form.from || form.to) && form.tz) params.set('tz', form.tz);
  if (extra.before !== undefined) params.set('before', String(extra.before));
  if (extra.after !== undefined) params.set('after', String(extra.after));
  const query = params.toString();
  return query ? `${base}?${query}` : base;
}

export const EMPTY_FORM: FilterForm = {
  person: '',
  personId: undefined,
  unknown: false,
  door: '',
  status: '',
  from: '',
  to: '',
  tz: 'UTC',
};
