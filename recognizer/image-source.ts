import { readFile, stat } from 'node:fs/promises';
import { AppError } from '../lib/errors.js';
import { resolveImagePath } from '../lib/image-paths.js';
import type { ImageSource__Output } from '../lib/recognizer/protocol.js';

/** The proto's ImageSource as proto-loader delivers it (oneofs: true). */
export type ImageSourceMessage = ImageSource__Output;

export interface LoadedImage {
  bytes: Uint8Array;
  /** The path relative to IMAGES_ROOT, when given by path. */
  relativePath: string | undefined;
}

/** Reads a file into memory after checking its size, so a huge file is refused before it is read. */
export async function readImageFile(
  file: string,
  maxBytes: number,
  shownAs = file,
): Promise<Uint8Array> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new AppError('FILE_NOT_FOUND', `no file at "${shownAs}"`);
    throw error;
  }
  if (size > maxBytes) {
    throw new AppError(
      'IMAGE_TOO_LARGE',
      `"${shownAs}" has ${size} bytes; at most ${maxBytes} are accepted`,
    );
  }
  try {
    return await readFile(file);
  } catch (error) {
    // Removed between stat and read.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new AppError('FILE_NOT_FOUND', `no file at "${shownAs}"`);
    throw error;
  }
}

/**
 * The image of a request: a path confined to the images root (resolveImagePath refuses
 * traversal, outside paths, symlinks leading out and directories, each with its own code)
 * or the bytes themselves.
 */
export async function loadImageSource(
  message: ImageSourceMessage | null | undefined,
  { imagesRoot, maxBytes }: { imagesRoot: string; maxBytes: number },
): Promise<LoadedImage> {
  const which =
    message?.source ?? (message?.path ? 'path' : message?.content?.length ? 'content' : undefined);
  if (which === 'path') {
    const resolved = await resolveImagePath(imagesRoot, message?.path ?? '');
    return {
      bytes: await readImageFile(resolved.absolute, maxBytes, resolved.relative),
      relativePath: resolved.relative,
    };
  }
  if (which === 'content') {
    const bytes = message?.content ?? new Uint8Array();
    if (bytes.byteLength === 0) throw new AppError('INVALID_REQUEST', 'image.content is empty');
    if (bytes.byteLength > maxBytes) {
      throw new AppError(
        'IMAGE_TOO_LARGE',
        `the image has ${bytes.byteLength} bytes; at most ${maxBytes} are accepted`,
      );
    }
    return { bytes, relativePath: undefined };
  }
  throw new AppError(
    'INVALID_REQUEST',
    'give the image as image.path (inside the images root) or image.content (bytes)',
  );
}
