import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveImagePath } from './image-paths.js';
import type { AppError } from './errors.js';

describe('resolveImagePath', () => {
  let base: string;
  let root: string;

  beforeAll(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'facetrail-paths-'));
    root = path.join(base, 'images');
    await mkdir(path.join(root, 'door-1'), { recursive: true });
    await writeFile(path.join(root, 'door-1', 'a.jpg'), 'x');
    await mkdir(path.join(root, '..2024'));
    await writeFile(path.join(root, '..2024', 'b.jpg'), 'x');
    await writeFile(path.join(base, 'secret.jpg'), 'x');
    await symlink(path.join(base, 'secret.jpg'), path.join(root, 'escape.jpg'));
    await symlink(path.join(root, 'door-1', 'a.jpg'), path.join(root, 'inside-link.jpg'));
    await symlink(base, path.join(base, 'root-link'));
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  const codeOf = async (input: unknown) => {
    try {
      await resolveImagePath(root, input);
      return 'OK';
    } catch (error) {
      return (error as AppError).code;
    }
  };

  it.each([
    ['door-1/a.jpg', 'OK'],
    ['..2024/b.jpg', 'OK'],
    ['./door-1/a.jpg', 'OK'],
    ['inside-link.jpg', 'OK'],
    ['../secret.jpg', 'PATH_TRAVERSAL'],
    ['door-1/../../secret.jpg', 'PATH_TRAVERSAL'],
    ['/etc/passwd', 'PATH_OUTSIDE_ROOT'],
    ['escape.jpg', 'SYMLINK_OUTSIDE_ROOT'],
    ['door-1', 'PATH_IS_DIRECTORY'],
    ['door-1/missing.jpg', 'FILE_NOT_FOUND'],
    ['', 'EMPTY_PATH'],
    [42, 'EMPTY_PATH'],
    ['a\0b.jpg', 'INVALID_REQUEST'],
  ])('%j -> %s', async (input, expected) => {
    expect(await codeOf(input)).toBe(expected);
  });

  it('accepts an absolute path inside the root and stores it relative', async () => {
    const resolved = await resolveImagePath(root, path.join(root, 'door-1', 'a.jpg'));
    expect(resolved.relative).toBe('door-1/a.jpg');
  });

  it('accepts an absolute path written through a symlinked spelling of the root', async () => {
    const linkedRoot = path.join(base, 'root-link', 'images');
    const resolved = await resolveImagePath(linkedRoot, path.join(linkedRoot, 'door-1', 'a.jpg'));
    expect(resolved.relative).toBe('door-1/a.jpg');
  });

  it('stores the real target of an inside symlink', async () => {
    expect((await resolveImagePath(root, 'inside-link.jpg')).relative).toBe('door-1/a.jpg');
  });
});
