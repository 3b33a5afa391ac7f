import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../lib/errors.js';
import { IMAGE_MEDIA_TYPES, sniffImageType, type ImageType } from '../../lib/image-type.js';
import { UPLOADS_DIR } from '../../lib/privacy/stored-files.js';

const EXTENSIONS: Record<ImageType, string> = { jpeg: 'jpg', png: 'png', webp: 'webp' };

/** The image format of a raw upload: the Content-Type must name an image and the bytes must be one. */
export function checkUpload(
  contentType: string | undefined,
  body: unknown,
): { type: ImageType; bytes: Buffer } {
  const mediaType = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
  const declared = IMAGE_MEDIA_TYPES[mediaType];
  if (!declared) throw new AppError('UNSUPPORTED_MEDIA_TYPE');
  if (!Buffer.isBuffer(body) || body.length === 0)
    throw new AppError('INVALID_REQUEST', 'the request has no image in its body');
  const actual = sniffImageType(body);
  if (!actual) throw new AppError('NOT_AN_IMAGE', `the body is not a ${mediaType} image`);
  return { type: actual, bytes: body };
}

/**
 * Where uploads wait for their row: a photo is moved to its final name only once the database
 * has accepted it, so a failed insert or a repeated request (idempotency replay) leaves no file
 * behind. Inside uploads/ so that the move is a rename on the same volume.
 */
export const STAGING_DIR = path.posix.join(UPLOADS_DIR, '.staging');

/** An upload written to the staging folder, with the name it will have once accepted. */
export interface StagedUpload {
  /** The final path relative to the root: what the row stores. */
  relative: string;
  /** The staged file's absolute path. */
  staged: string;
}

/** Writes an upload into the staging folder; its final name is IMAGES_ROOT/uploads/YYYY-MM-DD/<uuid>.<ext>. */
export async function stageUpload(
  imagesRoot: string,
  upload: { type: ImageType; bytes: Buffer },
): Promise<StagedUpload> {
  const day = new Date().toISOString().slice(0, 10);
  const name = `${randomUUID()}.${EXTENSIONS[upload.type]}`;
  const staged = path.join(imagesRoot, STAGING_DIR, name);
  await mkdir(path.dirname(staged), { recursive: true });
  // wx: never overwrite; a UUID collision would be a bug worth failing loudly on.
  await writeFile(staged, upload.bytes, { flag: 'wx' });
  return { relative: path.posix.join(UPLOADS_DIR, day, name), staged };
}

/** Moves an accepted upload to its final name. */
export async function commitUpload(imagesRoot: string, upload: StagedUpload): Promise<void> {
  const absolute = path.join(imagesRoot, upload.relative);
  await mkdir(path.dirname(absolute), { recursive: true });
  await rename(upload.staged, absolute);
}

/** Deletes a staged upload that was not accepted (already gone is fine). */
export async function discardUpload(upload: StagedUpload): Promise<void> {
  try {
    await unlink(upload.staged);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/**
 * Deletes staged uploads older than `olderThanMs`: a staged file lives for one request, so an
 * old one was left by a receiver that died between writing it and moving it. Returns how many.
 */
export async function sweepStagedUploads(
  imagesRoot: string,
  olderThanMs: number,
  now = Date.now(),
): Promise<number> {
  const dir = path.join(imagesRoot, STAGING_DIR);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let removed = 0;
  for (const name of names) {
    const staged = path.join(dir, name);
    try {
      if (now - (await stat(staged)).mtimeMs < olderThanMs) continue;
      await unlink(staged);
      removed++;
    } catch (error) {
      // Another receiver swept it, or its request moved it meanwhile.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return removed;
}
