import { createHash } from 'node:crypto';
import path from 'node:path';
import { AppError, ERRORS, type ErrorCode } from '../../lib/errors.js';
import type { PeopleRepository } from '../../lib/db/people-repo.js';
import { PersonExistsError } from '../../lib/db/people-repo.js';
import { resolveImagePath } from '../../lib/image-paths.js';

/** What enrolment needs from the recognizer (lib/recognizer-client implements it). */
export interface Enroller {
  enroll(input: {
    personId: number;
    image: { path: string } | { content: Buffer };
    imageName: string;
  }): Promise<{ personImageId: number; alreadyEnrolled: boolean }>;
}

export interface EnrolmentDeps {
  people: PeopleRepository;
  enroller: Enroller;
  imagesRoot: string;
}

export async function createPerson(deps: EnrolmentDeps, body: unknown) {
  const name = (body as { name?: unknown } | null)?.name;
  if (typeof name !== 'string' || name.trim() === '' || name.trim().length > 255) {
    throw new AppError(
      'INVALID_REQUEST',
      'send {"name": "<the person\'s name>"} (1 to 255 characters)',
    );
  }
  try {
    return await deps.people.create(name.trim());
  } catch (error) {
    if (error instanceof PersonExistsError) throw new AppError('PERSON_EXISTS', error.message);
    throw error;
  }
}

/** Adds one photo to a person: the recognizer computes and stores its descriptor. */
export async function enrolPhoto(
  deps: EnrolmentDeps,
  personId: number,
  photo: { path: unknown } | { upload: Buffer },
) {
  const person = await deps.people.get(personId);
  if (!person) throw new AppError('NOT_FOUND', `no person with id ${personId}`);
  let image: { path: string } | { content: Buffer };
  let imageName: string;
  if ('upload' in photo) {
    image = { content: photo.upload };
    imageName = `upload-${createHash('sha256').update(photo.upload).digest('hex').slice(0, 16)}`;
  } else {
    const resolved = await resolveImagePath(deps.imagesRoot, photo.path);
    image = { path: resolved.relative };
    imageName = path.posix.basename(resolved.relative);
  }
  try {
    const result = await deps.enroller.enroll({ personId, image, imageName });
    return {
      id: result.personImageId,
      personId,
      imageName,
      alreadyEnrolled: result.alreadyEnrolled,
    };
  } catch (error) {
    throw toAppError(error);
  }
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
    'the recognizer could not enrol the photo now; retry later',
  );
}
