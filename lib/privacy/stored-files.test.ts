import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isStoredByFacetrail, removeStoredFile } from './stored-files.js';

describe('removeStoredFile', () => {
  let base: string;
  let root: string;
  let outside: string;

  beforeEach(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'facetrail-stored-'));
    root = path.join(base, 'images');
    outside = path.join(base, 'outside');
    await mkdir(path.join(root, 'enrollments', '4'), { recursive: true });
    await mkdir(outside);
    await writeFile(path.join(outside, 'secret.jpg'), 'not ours');
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  it('deletes a file below the root, and an emptied enrollment folder with it', async () => {
    await writeFile(path.join(root, 'enrollments/4/a.jpg'), 'x');
    await expect(removeStoredFile(root, 'enrollments/4/a.jpg')).resolves.toBe(true);
    expect(existsSync(path.join(root, 'enrollments/4'))).toBe(false);
    await expect(removeStoredFile(root, 'enrollments/4/a.jpg')).resolves.toBe(false);
  });

  it('never leaves the root: not by "..", not by an absolute path, not through a linked folder', async () => {
    await expect(removeStoredFile(root, '../outside/secret.jpg')).resolves.toBe(false);
    await expect(removeStoredFile(root, path.join(outside, 'secret.jpg'))).resolves.toBe(false);
    await symlink(outside, path.join(root, 'uploads'));
    await expect(removeStoredFile(root, 'uploads/secret.jpg')).resolves.toBe(false);
    expect(existsSync(path.join(outside, 'secret.jpg'))).toBe(true);
    await expect(removeStoredFile(root, 'enrollments')).resolves.toBe(false);
    expect(existsSync(path.join(root, 'enrollments'))).toBe(true);
  });

  it('knows which folders are facetrail’s own', () => {
    expect(isStoredByFacetrail('uploads/2026-11-29/x.jpg')).toBe(true);
    expect(isStoredByFacetrail('enrollments/3/abc.jpg')).toBe(true);
    expect(isStoredByFacetrail('door-1/uploads/x.jpg')).toBe(false);
    expect(isStoredByFacetrail('uploadsx/y.jpg')).toBe(false);
  });
});
