import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from './errors.js';

export interface ResolvedImagePath {
  /** Path relative to the images root, with forward slashes: what the database stores. */
  relative: string;
  /** Absolute real path on this machine. */
  absolute: string;
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return (
    relative === '' ||
    (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative))
  );
}

/**
 * Confines a user-supplied path to the images root: relative to it, or absolute inside it;
 * `..` segments, absolute paths elsewhere, symlinks that lead out, directories and missing
 * files are each refused with their own code. `root` must be an absolute path.
 */
export async function resolveImagePath(root: string, input: unknown): Promise<ResolvedImagePath> {
  if (typeof input !== 'string' || input.trim() === '')
    throw new AppError('EMPTY_PATH', 'give the image path as a non-empty string');
  if (input.includes('\0'))
    throw new AppError('INVALID_REQUEST', 'the path contains a NUL character');
  // Seed clients send "nfs://images/x.jpg"-style URLs; only plain paths are accepted here.
  const raw = input.trim();
  if (raw.split(/[\\/]/).includes('..')) {
    throw new AppError(
      'PATH_TRAVERSAL',
      `"${raw}" contains "..": give a path inside the images root`,
    );
  }
  const rootReal = await realpath(root);
  const lexical = path.isAbsolute(raw) ? path.normalize(raw) : path.join(rootReal, raw);
  if (
    path.isAbsolute(raw) &&
    !isInside(rootReal, lexical) &&
    !isInside(path.resolve(root), lexical)
  ) {
    throw new AppError(
      'PATH_OUTSIDE_ROOT',
      `"${raw}" is outside the images root; give a path relative to it`,
    );
  }
  // An absolute path given through the configured (possibly symlinked) root spelling.
  const candidate = isInside(rootReal, lexical)
    ? lexical
    : path.join(rootReal, path.relative(path.resolve(root), lexical));
  let real: string;
  try {
    real = await realpath(candidate);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new AppError('FILE_NOT_FOUND', `no file at "${raw}" in the images root`);
    throw error;
  }
  if (!isInside(rootReal, real)) {
    throw new AppError(
      'SYMLINK_OUTSIDE_ROOT',
      `"${raw}" is a symbolic link that leads outside the images root`,
    );
  }
  const info = await stat(real);
  if (info.isDirectory())
    throw new AppError(
      'PATH_IS_DIRECTORY',
      `"${raw}" is a directory; give the path of one image file`,
    );
  if (!info.isFile()) throw new AppError('FILE_NOT_FOUND', `"${raw}" is not a regular file`);
  return { relative: path.relative(rootReal, real).split(path.sep).join('/'), absolute: real };
}
