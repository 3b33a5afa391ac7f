import { lstat, readdir, realpath, rmdir, unlink } from 'node:fs/promises';
import path from 'node:path';

/** Folders under IMAGES_ROOT that facetrail itself writes (everything else is the cameras'). */
export const UPLOADS_DIR = 'uploads';
export const ENROLLMENTS_DIR = 'enrollments';

/** True for a path (relative to IMAGES_ROOT, as stored) of a photo facetrail wrote itself. */
export function isStoredByFacetrail(relative: string): boolean {
  const first = relative.split('/', 1)[0];
  return first === UPLOADS_DIR || first === ENROLLMENTS_DIR;
}

function inside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/**
 * Deletes one file below the images root. The path was confined when it was stored; it is
 * confined again (the volume may have changed): a path leading out of the root, or through a
 * symbolic link out of it, is left alone. A symbolic link itself is removed, never its target.
 * Returns true when a file was removed, false when there was none.
 */
export async function removeStoredFile(imagesRoot: string, relative: string): Promise<boolean> {
  const root = await realpath(imagesRoot);
  const candidate = path.resolve(root, relative);
  if (!inside(root, candidate)) return false;
  let parent: string;
  try {
    parent = await realpath(path.dirname(candidate));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  if (parent !== root && !inside(root, parent)) return false;
  const target = path.join(parent, path.basename(candidate));
  try {
    const info = await lstat(target);
    if (info.isDirectory()) return false;
    await unlink(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  await removeEmptyParents(root, parent);
  return true;
}

/**
 * Removes a person's enrollment folder once it is empty. Upload day folders stay: the receiver
 * may be writing into today's at this moment.
 */
async function removeEmptyParents(root: string, folder: string): Promise<void> {
  const relative = path.relative(root, folder).split(path.sep).join('/');
  if (!new RegExp(`^${ENROLLMENTS_DIR}/[^/]+$`).test(relative)) return;
  if ((await readdir(folder)).length > 0) return;
  await rmdir(folder).catch(() => undefined);
}
