import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError, ERRORS, type ErrorCode } from './errors.js';
import type { PeopleRepository } from './db/people-repo.js';
import { PersonExistsError } from './db/people-repo.js';
import type { PrivacyRepository } from './db/privacy-repo.js';
import { resolveImagePath } from './image-paths.js';
import type { ImageType } from './image-type.js';
import type { Logger } from './logger.js';
import { ENROLLMENTS_DIR, removeStoredFile } from './privacy/stored-files.js';

const EXTENSIONS: Record<ImageType, string> = { jpeg: 'jpg', png: 'png', webp: 'webp' };

/** The recognizer's Enroll call as enrollment uses it (lib/recognizer/client implements it; the recognizer's Enroller class does the work behind it). */
export interface EnrollClient {
  enroll(input: {
    personId: number;
    image: { path: string } | { content: Buffer };
    imageName: string;
  }): Promise<{ personImageId: number; alreadyEnrolled: boolean }>;
}

export interface EnrollmentDeps {
  people: PeopleRepository;
  privacy: PrivacyRepository;
  enroller: EnrollClient;
  imagesRoot: string;
  logger: Logger;
}

export async function createPerson(
  deps: Pick<EnrollmentDeps, 'people' | 'privacy'>,
  body: unknown,
) {
  const name = (body as { name?: unknown } | null)?.name;
  if (typeof name !== 'string' || name.trim() === '' || name.trim().length > 255) {
    throw new AppError(
      'INVALID_REQUEST',
      'send {"name": "<the person\'s name>"} (1 to 255 characters)',
    );
  }
  try {
    const person = await deps.people.create(name.trim());
    // Enrolling a forgotten name again is a deliberate act: folder enrollment may bring it back.
    await deps.privacy.clearTombstone(person.name);
    return person;
  } catch (error) {
    if (error instanceof PersonExistsError) throw new AppError('PERSON_EXISTS', error.message);
    throw error;
  }
}

/**
 * Adds one photo to a person: the recognizer computes and stores its descriptor. An uploaded
 * photo is kept under IMAGES_ROOT/enrollments/<person>/ (the person's page shows it, and
 * forgetting the person deletes it); a path stays the user's file.
 */
export async function enrollPhoto(
  deps: EnrollmentDeps,
  personId: number,
  photo: { path: unknown } | { upload: { type: ImageType; bytes: Buffer } },
) {
  const person = await deps.people.get(personId);
  if (!person) throw new AppError('NOT_FOUND', `no person with id ${personId}`);
  let relative: string;
  let written = false;
  if ('upload' in photo) {
    const saved = await saveEnrollmentPhoto(deps.imagesRoot, personId, photo.upload);
    relative = saved.relative;
    written = saved.created;
  } else {
    relative = (await resolveImagePath(deps.imagesRoot, photo.path)).relative;
  }
  const imageName = path.posix.basename(relative);
  try {
    const result = await deps.enroller.enroll({ personId, image: { path: relative }, imageName });
    // The same photo was enrolled before (under another file): our copy is not needed.
    if (result.alreadyEnrolled && written) await discard(deps, relative);
    return {
      id: result.personImageId,
      personId,
      imageName,
      alreadyEnrolled: result.alreadyEnrolled,
    };
  } catch (error) {
    if (written) await discard(deps, relative);
    throw toAppError(error);
  }
}

async function discard(deps: EnrollmentDeps, relative: string): Promise<void> {
  await removeStoredFile(deps.imagesRoot, relative).catch((error: unknown) =>
    deps.logger.warn({ err: error, path: relative }, 'could not remove a refused enrollment photo'),
  );
}

/** The recognizer's verdict as the receiver's error: its code when it is ours, else "unavailable". */
function toAppError(error: unknown): AppError {
  const { errorCode, retryable, message } = error as {
    errorCode?: string;
    retryable?: boolean;
    message?: string;
  };
  if (!retryable && errorCode && errorCode in ERRORS) {
    const code = errorCode as ErrorCode;
    return new AppError(
      code,
      ERRORS[code].status < 500 ? (message ?? ERRORS[code].message) : ERRORS[code].message,
    );
  }
  return new AppError(
    'RECOGNIZER_UNAVAILABLE',
    'the recognizer could not enroll the photo now; retry later',
  );
}

/**
 * Saves an enrollment photo as IMAGES_ROOT/enrollments/<personId>/<sha256>.<ext>; the same photo
 * twice is one file. `created` is false when the file was there already.
 */
export async function saveEnrollmentPhoto(
  imagesRoot: string,
  personId: number,
  upload: { type: ImageType; bytes: Buffer },
): Promise<{ relative: string; created: boolean }> {
  const hash = createHash('sha256').update(upload.bytes).digest('hex');
  const relative = path.posix.join(
    ENROLLMENTS_DIR,
    String(personId),
    `${hash}.${EXTENSIONS[upload.type]}`,
  );
  const absolute = path.join(imagesRoot, relative);
  await mkdir(path.dirname(absolute), { recursive: true });
  try {
    await writeFile(absolute, upload.bytes, { flag: 'wx' });
    return { relative, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { relative, created: false };
    throw error;
  }
}
