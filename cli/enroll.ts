import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { listKnownPhotos } from '../lib/known-people-folder.js';
import { CliError, describeError, EXIT, type Api } from './api.js';
import { mediaTypeOf } from './media-types.js';
import { progressBar, table } from './output.js';

interface Person {
  id: number;
  name: string;
}

export interface EnrollSummary {
  people: number;
  enrolled: number;
  skipped: Array<{ file: string; person: string; reason: string }>;
  failed: Array<{ file: string; person: string; reason: string }>;
}

/** Why a photo was not enrolled, in words, from the server's error code. */
function skipReason(code: string | undefined): string | undefined {
  switch (code) {
    case 'NO_FACE':
      return 'no face';
    case 'MULTIPLE_FACES':
      return 'several faces';
    case 'FACE_TOO_SMALL':
      return 'face too small';
    case 'FACE_TOO_BLURRED':
      return 'face too blurred';
    case 'FACE_NOT_FRONTAL':
      return 'face turned away';
    case 'CORRUPT_IMAGE':
    case 'NOT_AN_IMAGE':
    case 'IMAGE_TOO_LARGE':
    case 'UNSUPPORTED_MEDIA_TYPE':
      return `unreadable (${code})`;
    default:
      return undefined;
  }
}

async function personIds(api: Api): Promise<Map<string, number>> {
  const { status, data } = await api.request<{ people: Person[] }>('GET', '/people');
  if (status !== 200) throw new CliError(`could not list people: ${describeError(data, status)}`);
  return new Map(data.people.map((person) => [person.name.toLowerCase(), person.id]));
}

async function ensurePerson(api: Api, known: Map<string, number>, name: string): Promise<number> {
  const existing = known.get(name.toLowerCase());
  if (existing !== undefined) return existing;
  const { status, data } = await api.request<Person>('POST', '/people', {
    json: { name },
  });
  if (status === 201) {
    known.set(name.toLowerCase(), data.id);
    return data.id;
  }
  if (status === 409) {
    const refreshed = await personIds(api);
    const id = refreshed.get(name.toLowerCase());
    if (id !== undefined) return id;
  }
  throw new CliError(`could not create person "${name}": ${describeError(data, status)}`);
}

/** `facetrail enroll <dir>`: every photo of both folder layouts, uploaded to the receiver. */
export async function enrollFolder(api: Api, dir: string): Promise<EnrollSummary> {
  const listing = await listKnownPhotos(path.resolve(dir)).catch((error: NodeJS.ErrnoException) => {
    throw new CliError(
      error.code === 'ENOENT'
        ? `no folder at ${dir}`
        : error.code === 'ENOTDIR'
          ? `${dir} is not a folder`
          : `cannot read ${dir}: ${error.message}`,
      EXIT.usage,
    );
  });
  if (listing.photos.length === 0) {
    throw new CliError(
      `no photos in ${dir}: expected <Person Name>/*.jpg folders or seed-style files like hannibal_1.jpg`,
      EXIT.usage,
    );
  }
  const known = await personIds(api);
  const summary: EnrollSummary = {
    people: new Set(listing.photos.map((photo) => photo.personName)).size,
    enrolled: 0,
    skipped: [],
    failed: [],
  };
  const bar = progressBar('enrolling', listing.photos.length);
  try {
    for (const photo of listing.photos) {
      const personId = await ensurePerson(api, known, photo.personName);
      const record = { file: photo.imageName, person: photo.personName };
      const mediaType = mediaTypeOf(photo.file);
      const bytes = await readFile(photo.file);
      const { status, data } = await api.request<
        { alreadyEnrolled?: boolean } & { error?: { code?: string } }
      >('POST', `/people/${personId}/images`, { body: bytes, contentType: mediaType });
      bar.increment(photo.imageName);
      if (status === 201) summary.enrolled++;
      else if (status === 200 && data.alreadyEnrolled)
        summary.skipped.push({ ...record, reason: 'already enrolled' });
      else {
        const reason = skipReason(data?.error?.code);
        if (reason) summary.skipped.push({ ...record, reason });
        else summary.failed.push({ ...record, reason: describeError(data, status) });
      }
    }
  } finally {
    bar.stop();
  }
  return summary;
}

export function formatEnrollSummary(summary: EnrollSummary): string {
  const lines = [
    `${summary.people} people, ${summary.enrolled} photo(s) enrolled, ${summary.skipped.length} skipped, ${summary.failed.length} failed`,
  ];
  const rows = [
    ...summary.skipped.map((entry) => ['skipped', entry.person, entry.file, entry.reason]),
    ...summary.failed.map((entry) => ['FAILED', entry.person, entry.file, entry.reason]),
  ];
  if (rows.length > 0) lines.push(table(['', 'person', 'photo', 'reason'], rows));
  return lines.join('\n');
}
