import { isAppError } from '../lib/errors.js';
import {
  isPhotoFile,
  listKnownPhotos,
  personNameFromFlatFile,
  PHOTO_EXTENSIONS,
  type KnownPhoto,
  type KnownPhotoListing,
} from '../lib/known-people-folder.js';
import type { Logger } from '../lib/logger.js';
import type { FolderEnrollmentSummary } from '../lib/recognizer/protocol.js';
import type { EnrollmentOutcome } from './enroller.js';
import { InferenceError } from './inference-protocol.js';

export { isPhotoFile, listKnownPhotos, personNameFromFlatFile, PHOTO_EXTENSIONS };
export type { KnownPhoto, KnownPhotoListing };

export interface FolderEnrollmentDependencies {
  findOrCreatePerson(name: string): Promise<{ id: number }>;
  /** True for a person an admin forgot: their photos are skipped, never enrolled again. */
  isForgotten(name: string): Promise<boolean>;
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

/** The answer for `key`, asked at most once: later callers share the first call's promise. */
function oncePer<T>(memo: Map<string, Promise<T>>, key: string, ask: (key: string) => Promise<T>) {
  let answer = memo.get(key);
  if (!answer) {
    answer = ask(key);
    memo.set(key, answer);
  }
  return answer;
}

/** What a recognizer that has enrolled no folder reports. */
export const NO_FOLDER_ENROLLMENT: Readonly<FolderEnrollmentSummary> = Object.freeze({
  photos: 0,
  enrolled: 0,
  alreadyEnrolled: 0,
  refused: 0,
  failed: 0,
  forgotten: 0,
});

/**
 * Enrolls every photo of KNOWN_PEOPLE_DIR. Photos already stored (same content hash) are
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
  const summary: FolderEnrollmentSummary = { ...NO_FOLDER_ENROLLMENT, photos: photos.length };
  // Each name is looked up once, however many photos it has (the lanes share the promise).
  const people = new Map<string, Promise<{ id: number }>>();
  const personFor = (name: string) => oncePer(people, name, deps.findOrCreatePerson);
  const forgottenNames = new Map<string, Promise<boolean>>();
  const isForgotten = (name: string) => oncePer(forgottenNames, name, deps.isForgotten);

  const enrollOne = async (photo: KnownPhoto) => {
    // A tombstone outranks the folder: a forgotten person stays forgotten until an admin
    // enrolls them again on purpose (POST /people lifts the tombstone).
    if (await isForgotten(photo.personName)) {
      summary.forgotten += 1;
      return;
    }
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
  if (summary.forgotten > 0) {
    deps.logger.info(
      { dir, photos: summary.forgotten },
      'photos of forgotten people skipped (their tombstone outranks the folder)',
    );
  }
  deps.logger.info(
    { dir, ...summary, people: people.size, ms: Math.round(performance.now() - started) },
    'known-people folder enrolled',
  );
  return summary;
}
