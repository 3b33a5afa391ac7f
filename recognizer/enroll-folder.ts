import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { isAppError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { FolderEnrollmentSummary } from '../lib/recognizer-client.js';
import type { EnrollmentOutcome } from './enroller.js';
import { InferenceError } from './inference-protocol.js';

export const PHOTO_EXTENSIONS: ReadonlySet<string> = new Set(['.jpg', '.jpeg', '.png', '.webp']);

export interface KnownPhoto {
  personName: string;
  /** Absolute path. */
  file: string;
  /** Path relative to the folder, with forward slashes: stored as the photo's image_name. */
  imageName: string;
}

export interface KnownPhotoListing {
  photos: KnownPhoto[];
  /** Entries that are neither photos nor person folders (or nested too deep), relative paths. */
  ignored: string[];
}

export function isPhotoFile(name: string): boolean {
  return !name.startsWith('.') && PHOTO_EXTENSIONS.has(path.extname(name).toLowerCase());
}

/**
 * The person a seed-style flat file names: the file name without its extension and without
 * a trailing `_<digits>` (`hannibal_1.jpg`, `gergely_01.jpg`), kept as written except that
 * the first letter is capitalised (`hannibal` → `Hannibal`, `mary_jane_2.jpg` → `Mary_jane`).
 * Undefined when nothing is left of the name.
 */
export function personNameFromFlatFile(fileName: string): string | undefined {
  const stem = path.basename(fileName, path.extname(fileName));
  const name = stem.replace(/_\d+$/, '').trim();
  if (name === '') return undefined;
  return name.charAt(0).toLocaleUpperCase() + name.slice(1);
}

/**
 * Lists the photos of a known-people folder in both layouts, sorted:
 * `<dir>/<Person Name>/<any>.jpg` (the folder name, exactly as written, is the person) and
 * seed-style flat files `<dir>/<name>_<n>.jpg` (see personNameFromFlatFile).
 */
export async function listKnownPhotos(dir: string): Promise<KnownPhotoListing> {
  const photos: KnownPhoto[] = [];
  const ignored: string[] = [];
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  );
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const personName = entry.name.trim();
      const inner = (await readdir(full, { withFileTypes: true })).sort((a, b) =>
        a.name.localeCompare(b.name),
      );
      for (const file of inner) {
        if (file.name.startsWith('.')) continue;
        if (
          (file.isFile() || file.isSymbolicLink()) &&
          isPhotoFile(file.name) &&
          personName !== ''
        ) {
          photos.push({
            personName,
            file: path.join(full, file.name),
            imageName: `${entry.name}/${file.name}`,
          });
        } else {
          ignored.push(`${entry.name}/${file.name}`);
        }
      }
    } else if ((entry.isFile() || entry.isSymbolicLink()) && isPhotoFile(entry.name)) {
      const personName = personNameFromFlatFile(entry.name);
      if (personName) photos.push({ personName, file: full, imageName: entry.name });
      else ignored.push(entry.name);
    } else {
      ignored.push(entry.name);
    }
  }
  return { photos, ignored };
}

export interface FolderEnrollmentDependencies {
  findOrCreatePerson(name: string): Promise<{ id: number }>;
  readPhoto(file: string): Promise<Uint8Array>;
  enroll(input: {
    personId: number;
    bytes: Uint8Array;
    imageName: string;
  }): Promise<EnrollmentOutcome>;
  logger: Logger;
  /** Photos enrolled in parallel (the pool's size keeps every worker busy). */
  concurrency: number;
  /** Extra attempts after a worker crash or timeout on one photo. */
  retries?: number;
}

/**
 * Enrols every photo of KNOWN_PEOPLE_DIR. Photos already stored (same content hash) are
 * skipped without inference; a photo with no face, several faces, or that cannot be decoded
 * is refused with a logged reason; a photo on which inference keeps failing is counted as
 * failed. Database errors propagate: the recognizer must not serve a half-loaded gallery.
 */
export async function enrollFolder(
  dir: string,
  deps: FolderEnrollmentDependencies,
): Promise<FolderEnrollmentSummary> {
  const started = performance.now();
  const { photos, ignored } = await listKnownPhotos(dir);
  if (ignored.length > 0)
    deps.logger.warn(
      { dir, ignored },
      'known-people folder entries that are not photos were ignored',
    );
  const summary: FolderEnrollmentSummary = {
    photos: photos.length,
    enrolled: 0,
    alreadyEnrolled: 0,
    refused: 0,
    failed: 0,
  };
  const people = new Map<string, Promise<{ id: number }>>();
  const personFor = (name: string) => {
    let person = people.get(name);
    if (!person) {
      person = deps.findOrCreatePerson(name);
      people.set(name, person);
    }
    return person;
  };

  const enrollOne = async (photo: KnownPhoto) => {
    const person = await personFor(photo.personName);
    for (let attempt = 0; ; attempt++) {
      try {
        const bytes = await deps.readPhoto(photo.file);
        const outcome = await deps.enroll({
          personId: person.id,
          bytes,
          imageName: photo.imageName,
        });
        if (outcome.alreadyEnrolled) summary.alreadyEnrolled += 1;
        else summary.enrolled += 1;
        return;
      } catch (error) {
        if (isAppError(error)) {
          summary.refused += 1;
          deps.logger.warn(
            {
              photo: photo.imageName,
              person: photo.personName,
              code: error.code,
              reason: error.message,
            },
            'known photo refused',
          );
          return;
        }
        if (error instanceof InferenceError && error.retryable && attempt < (deps.retries ?? 1))
          continue;
        if (error instanceof InferenceError) {
          summary.failed += 1;
          deps.logger.error(
            { photo: photo.imageName, person: photo.personName, reason: error.message },
            'known photo failed',
          );
          return;
        }
        throw error;
      }
    }
  };

  let next = 0;
  const lanes = Array.from(
    { length: Math.max(1, Math.min(deps.concurrency, photos.length)) },
    async () => {
      while (next < photos.length) await enrollOne(photos[next++]!);
    },
  );
  await Promise.all(lanes);
  deps.logger.info(
    { dir, ...summary, people: people.size, ms: Math.round(performance.now() - started) },
    'known-people folder enrolled',
  );
  return summary;
}
