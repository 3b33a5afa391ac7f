import type { AuditEntry, AuditRepository } from '../../lib/db/audit-repo.js';
import type { PeopleAdminRepository } from '../../lib/db/people-admin-repo.js';
import { PersonExistsError, type PeopleRepository } from '../../lib/db/people-repo.js';
import type { PrivacyRepository } from '../../lib/db/privacy-repo.js';
import { createPerson, enrollPhoto, type EnrollClient } from '../../lib/enrollment.js';
import { AppError, isAppError } from '../../lib/errors.js';
import type { FormFile } from '../../lib/http/multipart.js';
import { sniffImageType } from '../../lib/image-type.js';
import type { Logger } from '../../lib/logger.js';
import { removeStoredFile } from '../../lib/privacy/stored-files.js';
import type { Flash } from './pages/layout.js';

export interface PeopleActionDeps {
  people: PeopleRepository;
  admin: PeopleAdminRepository;
  privacy: PrivacyRepository;
  audit: AuditRepository;
  /** Undefined when the frontend cannot reach the recognizer (no RECOGNIZER_SECRET). */
  enroller: EnrollClient | undefined;
  /** Tells the recognizers their gallery changed (they also poll for it). */
  galleryChanged: () => Promise<void>;
  imagesRoot: string;
  logger: Logger;
}

export type Actor = AuditEntry['actor'];

const REASONS: Record<string, string> = {
  NO_FACE: 'no face was found on it',
  MULTIPLE_FACES: 'it shows more than one face; use a photo of this person alone',
  NOT_AN_IMAGE: 'it is not a JPEG, PNG or WebP photo',
  CORRUPT_IMAGE: 'it cannot be decoded',
  IMAGE_TOO_LARGE: 'it has too many pixels',
};

export function checkName(value: unknown): string {
  const name = typeof value === 'string' ? value.trim() : '';
  if (name === '' || name.length > 255)
    throw new AppError('INVALID_REQUEST', 'give a name of 1 to 255 characters');
  return name;
}

/**
 * Enrolls each uploaded photo of a person and says, photo by photo, what happened: enrolled,
 * already enrolled, or refused and why (no face, several faces, not a photo).
 */
export async function enrollUploads(
  deps: PeopleActionDeps,
  actor: Actor,
  personId: number,
  files: FormFile[],
): Promise<{ enrolled: number; flash: Flash[] }> {
  if (!deps.enroller)
    throw new AppError(
      'RECOGNIZER_UNAVAILABLE',
      'enrollment from the page is off: the frontend has no RECOGNIZER_SECRET',
    );
  if (files.length === 0) throw new AppError('INVALID_REQUEST', 'choose at least one photo');
  const enrollDeps = {
    people: deps.people,
    privacy: deps.privacy,
    enroller: deps.enroller,
    imagesRoot: deps.imagesRoot,
    logger: deps.logger,
  };
  const flash: Flash[] = [];
  let enrolled = 0;
  for (const file of files) {
    const name = file.filename ?? 'the photo';
    const type = sniffImageType(file.bytes);
    if (!type) {
      flash.push({ kind: 'error', text: `${name} was not enrolled: ${REASONS.NOT_AN_IMAGE}.` });
      continue;
    }
    try {
      const result = await enrollPhoto(enrollDeps, personId, {
        upload: { type, bytes: file.bytes },
      });
      if (result.alreadyEnrolled) {
        flash.push({ kind: 'notice', text: `${name} was enrolled before; nothing changed.` });
        continue;
      }
      enrolled++;
      await deps.audit.record({
        actor,
        action: 'person.enroll',
        personId,
        details: { photo: name, photoId: result.id },
      });
    } catch (error) {
      if (!isAppError(error) || error.status >= 500) throw error;
      flash.push({
        kind: 'error',
        text: `${name} was not enrolled: ${REASONS[error.code] ?? error.message}.`,
      });
    }
  }
  if (enrolled > 0)
    flash.unshift({
      kind: 'notice',
      text: `${enrolled} photo${enrolled === 1 ? '' : 's'} enrolled.`,
    });
  return { enrolled, flash };
}

/**
 * A new person with their first photos. When not one photo could be enrolled, the person is
 * not kept: a person nobody can recognise would only confuse.
 */
export async function addPerson(
  deps: PeopleActionDeps,
  actor: Actor,
  nameInput: unknown,
  files: FormFile[],
): Promise<{ personId: number | undefined; flash: Flash[] }> {
  const name = checkName(nameInput);
  if (!deps.enroller)
    throw new AppError(
      'RECOGNIZER_UNAVAILABLE',
      'enrollment from the page is off: the frontend has no RECOGNIZER_SECRET',
    );
  if (files.length === 0) throw new AppError('INVALID_REQUEST', 'choose at least one photo');
  const person = await createPerson({ people: deps.people, privacy: deps.privacy }, { name });
  let outcome: { enrolled: number; flash: Flash[] };
  try {
    outcome = await enrollUploads(deps, actor, person.id, files);
  } catch (error) {
    await deps.privacy.forgetPerson(person.id).catch(() => undefined);
    throw error;
  }
  if (outcome.enrolled === 0) {
    // Nothing enrolled: the name is not kept (and leaves no tombstone).
    await deps.privacy.forgetPerson(person.id);
    await deps.privacy.clearTombstone(person.name);
    return {
      personId: undefined,
      flash: [
        { kind: 'error', text: `${person.name} was not added: no photo could be enrolled.` },
        ...outcome.flash,
      ],
    };
  }
  await deps.audit.record({
    actor,
    action: 'person.create',
    personId: person.id,
    details: { name },
  });
  return { personId: person.id, flash: outcome.flash };
}

export async function renamePerson(
  deps: PeopleActionDeps,
  actor: Actor,
  personId: number,
  nameInput: unknown,
): Promise<Flash> {
  const name = checkName(nameInput);
  let renamed: { oldName: string } | undefined;
  try {
    renamed = await deps.admin.rename(personId, name);
  } catch (error) {
    if (error instanceof PersonExistsError)
      throw new AppError('PERSON_EXISTS', `${error.message}; merge the two instead`);
    throw error;
  }
  if (!renamed) throw new AppError('NOT_FOUND', `no person with id ${personId}`);
  await deps.audit.record({
    actor,
    action: 'person.rename',
    personId,
    details: { from: renamed.oldName, to: name },
  });
  return { kind: 'notice', text: `${renamed.oldName} is now called ${name}.` };
}

export async function mergePeople(
  deps: PeopleActionDeps,
  actor: Actor,
  intoId: number,
  fromInput: unknown,
): Promise<Flash> {
  const fromId = Number(fromInput);
  if (!Number.isSafeInteger(fromId) || fromId <= 0 || fromId === intoId)
    throw new AppError('INVALID_REQUEST', 'choose another person to merge');
  const merged = await deps.admin.merge(fromId, intoId);
  if (!merged) throw new AppError('NOT_FOUND', 'one of the two people no longer exists');
  await deps.audit.record({
    actor,
    action: 'person.merge',
    personId: intoId,
    details: {
      from: merged.fromName,
      fromId,
      into: merged.intoName,
      photos: merged.photos,
      faces: merged.faces,
    },
  });
  await tellRecognizers(deps);
  return {
    kind: 'notice',
    text: `${merged.fromName} was merged into ${merged.intoName}: ${merged.photos} enrollment photo(s) and ${merged.faces} face(s) moved.`,
  };
}

export async function removeEnrollmentPhoto(
  deps: PeopleActionDeps,
  actor: Actor,
  personId: number,
  photoId: number,
): Promise<Flash> {
  const removed = await deps.admin.removePhoto(personId, photoId);
  if (!removed)
    throw new AppError('NOT_FOUND', `no enrollment photo ${photoId} of person ${personId}`);
  if (removed.storedPath) {
    await removeStoredFile(deps.imagesRoot, removed.storedPath).catch((error: unknown) =>
      deps.logger.error(
        { err: error, path: removed.storedPath },
        'could not delete an enrollment photo',
      ),
    );
  }
  await deps.audit.record({
    actor,
    action: 'person.unenroll',
    personId,
    details: { photo: removed.imageName, photoId },
  });
  await tellRecognizers(deps);
  return { kind: 'notice', text: `The enrollment photo ${removed.imageName} was removed.` };
}

async function tellRecognizers(deps: PeopleActionDeps): Promise<void> {
  await deps
    .galleryChanged()
    .catch((error: unknown) =>
      deps.logger.warn(
        { err: (error as Error).message },
        'could not tell the recognizer; it reloads at its next gallery poll',
      ),
    );
}
