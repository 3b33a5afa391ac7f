import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
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

/** Saves an uploaded image as IMAGES_ROOT/uploads/YYYY-MM-DD/<uuid>.<ext>; returns the path relative to the root. */
export async function saveUpload(
  imagesRoot: string,
  upload: { type: ImageType; bytes: Buffer },
): Promise<string> {
  const day = new Date().toISOString().slice(0, 10);
  const relative = path.posix.join(UPLOADS_DIR, day, `${randomUUID()}.${EXTENSIONS[upload.type]}`);
  const absolute = path.join(imagesRoot, relative);
  await mkdir(path.dirname(absolute), { recursive: true });
  // wx: never overwrite; a UUID collision would be a bug worth failing loudly on.
  await writeFile(absolute, upload.bytes, { flag: 'wx' });
  return relative;
}
