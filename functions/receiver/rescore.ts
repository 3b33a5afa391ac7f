import { AppError } from '../../lib/errors.js';
import type { PeopleRepository } from '../../lib/db/people-repo.js';
import type { RescoreFilter, RescoreSummary } from '../../lib/rescore.js';

export interface RescoreRouteDeps {
  people: Pick<PeopleRepository, 'get' | 'findByName'>;
  rescore(filter: RescoreFilter): Promise<RescoreSummary>;
}

/**
 * `POST /rescore` with `{"since": "<ISO time>", "person": <id or name>}` (both optional):
 * decides the stored faces again against today's gallery and match rule, without inference.
 */
export async function rescoreRequest(
  deps: RescoreRouteDeps,
  body: unknown,
): Promise<RescoreSummary & { since: string | null; personId: number | null }> {
  if (body !== undefined && (body === null || typeof body !== 'object' || Array.isArray(body)))
    throw new AppError('INVALID_REQUEST', 'send {"since": "<ISO time>", "person": <id or name>}');
  const { since, person } = (body ?? {}) as { since?: unknown; person?: unknown };
  const filter: RescoreFilter = {};
  if (since !== undefined && since !== null) {
    const date = typeof since === 'string' ? new Date(since) : new Date(NaN);
    if (Number.isNaN(date.getTime()))
      throw new AppError(
        'INVALID_REQUEST',
        '"since" must be a date or time, e.g. "2026-11-25" or "2026-11-25T10:00:00Z"',
      );
    filter.since = date;
  }
  if (person !== undefined && person !== null) {
    const found =
      typeof person === 'number' || (typeof person === 'string' && /^\d+$/.test(person))
        ? await deps.people.get(Number(person))
        : typeof person === 'string' && person.trim() !== ''
          ? await deps.people.findByName(person.trim())
          : undefined;
    if (!found) throw new AppError('NOT_FOUND', `no person ${JSON.stringify(person)}`);
    filter.personId = found.id;
  }
  const summary = await deps.rescore(filter);
  return {
    ...summary,
    since: filter.since?.toISOString() ?? null,
    personId: filter.personId ?? null,
  };
}
