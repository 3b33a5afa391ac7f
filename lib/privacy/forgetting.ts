import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { PrivacyRepository } from '../db/privacy-repo.js';
import { isStoredByFacetrail, removeStoredFile } from './stored-files.js';

export interface ForgettingDeps {
  privacy: PrivacyRepository;
  imagesRoot: string;
  logger: Logger;
  /** Tells the recognizers their gallery changed (best effort: they also poll the database). */
  galleryChanged?: () => Promise<void>;
}

/**
 * Forgets a person: their rows go in one transaction (faces matched to them become unknown, a
 * tombstone keeps folder enrollment from bringing them back), then the enrollment photos
 * facetrail stored, then the recognizers are told.
 */
export async function forgetPerson(deps: ForgettingDeps, id: number) {
  const forgotten = await deps.privacy.forgetPerson(id);
  if (!forgotten) throw new AppError('NOT_FOUND', `no person with id ${id}`);
  let filesRemoved = 0;
  for (const stored of forgotten.storedPaths) {
    if (await removeFile(deps, stored)) filesRemoved++;
  }
  if (deps.galleryChanged) {
    await deps
      .galleryChanged()
      .catch((error: unknown) =>
        deps.logger.warn(
          { err: error },
          'could not tell the recognizer; it drops the person at its next gallery poll',
        ),
      );
  }
  deps.logger.info(
    { personId: id, facesUnmatched: forgotten.facesUnmatched, filesRemoved },
    'person forgotten',
  );
  return { id, facesUnmatched: forgotten.facesUnmatched, filesRemoved };
}

/** Deletes an image, its faces and the upload facetrail stored (never a camera's own file). */
export async function deleteImage(deps: ForgettingDeps, id: number) {
  const deleted = await deps.privacy.deleteImage(id);
  if (!deleted) throw new AppError('NOT_FOUND', `no image with id ${id}`);
  const fileRemoved = isStoredByFacetrail(deleted.path)
    ? await removeFile(deps, deleted.path)
    : false;
  deps.logger.info({ imageId: id, fileRemoved }, 'image deleted');
  return { id, fileRemoved };
}

async function removeFile(deps: ForgettingDeps, relative: string): Promise<boolean> {
  try {
    return await removeStoredFile(deps.imagesRoot, relative);
  } catch (error) {
    // The rows are gone already; a file that cannot be removed is reported for an operator.
    deps.logger.error({ err: error, path: relative }, 'could not delete a stored photo');
    return false;
  }
}
