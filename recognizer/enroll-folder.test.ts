import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AppError } from '../lib/errors.js';
import { createLogger } from '../lib/logger.js';
import {
  enrollFolder,
  isPhotoFile,
  listKnownPhotos,
  personNameFromFlatFile,
} from './enroll-folder.js';
import type { EnrollmentOutcome } from './enroller.js';
import { InferenceError } from './inference-protocol.js';

describe('personNameFromFlatFile', () => {
  it.each([
    ['hannibal_1.jpg', 'Hannibal'],
    ['gergely_01.jpg', 'Gergely'],
    ['hannibal_2.JPEG', 'Hannibal'],
    ['mary_jane_12.png', 'Mary_jane'],
    ['Obama.webp', 'Obama'],
    ['élodie_3.jpg', 'Élodie'],
    ['R2_D2.jpg', 'R2_D2'],
    ['x_.jpg', 'X_'],
    ['_1.jpg', undefined],
  ])('%s → %s', (file, name) => {
    expect(personNameFromFlatFile(file)).toBe(name);
  });
});

describe('isPhotoFile', () => {
  it('accepts jpg, jpeg, png and webp in any case, nothing hidden', () => {
    expect(['a.jpg', 'b.JPG', 'c.jpeg', 'd.png', 'e.webp'].every(isPhotoFile)).toBe(true);
    expect(['notes.txt', 'a.gif', '.hidden.jpg', 'jpg'].some(isPhotoFile)).toBe(false);
  });
});

describe('the known-people folder', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'facetrail-known-'));
    for (const file of [
      'Barack Obama/1.jpg',
      'Barack Obama/2.PNG',
      'Barack Obama/readme.txt',
      'Joe Biden/a.webp',
      'hannibal_1.jpg',
      'hannibal_2.jpg',
      'gergely_01.jpg',
      'notes.md',
      '.DS_Store',
    ]) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), 'x');
    }
    await mkdir(path.join(dir, 'Joe Biden', 'nested'), { recursive: true });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads both layouts, keeps folder names as written, and lists what it ignored', async () => {
    const { photos, ignored } = await listKnownPhotos(dir);
    expect(photos.map(({ personName, imageName }) => [personName, imageName])).toEqual([
      ['Barack Obama', 'Barack Obama/1.jpg'],
      ['Barack Obama', 'Barack Obama/2.PNG'],
      ['Gergely', 'gergely_01.jpg'],
      ['Hannibal', 'hannibal_1.jpg'],
      ['Hannibal', 'hannibal_2.jpg'],
      ['Joe Biden', 'Joe Biden/a.webp'],
    ]);
    expect(photos[0]!.file).toBe(path.join(dir, 'Barack Obama', '1.jpg'));
    expect(ignored.sort()).toEqual(['Barack Obama/readme.txt', 'Joe Biden/nested', 'notes.md']);
  });

  it('enrolls each photo once per person, skipping, refusing and retrying as told', async () => {
    const logger = createLogger('test', 'silent');
    const created: string[] = [];
    const attempts = new Map<string, number>();
    const outcome = (alreadyEnrolled: boolean): EnrollmentOutcome => ({
      personImageId: 1,
      alreadyEnrolled,
      personId: 1,
      box: undefined,
      score: undefined,
      quality: undefined,
    });
    const summary = await enrollFolder(dir, {
      findOrCreatePerson: async (name) => {
        created.push(name);
        return { id: created.length };
      },
      isForgotten: async () => false,
      readPhoto: async (file) => new TextEncoder().encode(path.relative(dir, file)),
      enroll: async ({ imageName }) => {
        attempts.set(imageName, (attempts.get(imageName) ?? 0) + 1);
        if (imageName === 'hannibal_1.jpg') return outcome(true);
        if (imageName === 'gergely_01.jpg') throw new AppError('NO_FACE');
        if (imageName === 'Joe Biden/a.webp') throw new InferenceError('crashed', 'worker died');
        if (imageName === 'Barack Obama/2.PNG' && attempts.get(imageName) === 1)
          throw new InferenceError('timeout', 'slow');
        return outcome(false);
      },
      logger,
      concurrency: 2,
    });
    expect(summary).toEqual({
      photos: 6,
      enrolled: 3,
      alreadyEnrolled: 1,
      refused: 1,
      failed: 1,
      forgotten: 0,
    });
    expect(created.sort()).toEqual(['Barack Obama', 'Gergely', 'Hannibal', 'Joe Biden']);
    expect(attempts.get('Joe Biden/a.webp')).toBe(2);
    expect(attempts.get('Barack Obama/2.PNG')).toBe(2);
  });

  it('skips forgotten people: no person row, no inference, counted as forgotten', async () => {
    const logger = createLogger('test', 'silent');
    const created: string[] = [];
    const enrolled: string[] = [];
    const summary = await enrollFolder(dir, {
      findOrCreatePerson: async (name) => {
        created.push(name);
        return { id: created.length };
      },
      isForgotten: async (name) => name === 'Hannibal' || name === 'Joe Biden',
      readPhoto: async (file) => new TextEncoder().encode(path.relative(dir, file)),
      enroll: async ({ imageName }) => {
        enrolled.push(imageName);
        return {
          personImageId: enrolled.length,
          alreadyEnrolled: false,
          personId: 1,
          box: undefined,
          score: undefined,
          quality: undefined,
        };
      },
      logger,
      concurrency: 2,
    });
    expect(created.sort()).toEqual(['Barack Obama', 'Gergely']);
    expect(enrolled.some((name) => name.startsWith('hannibal') || name.startsWith('Joe'))).toBe(
      false,
    );
    // hannibal_1.jpg, hannibal_2.jpg and Joe Biden/a.webp
    expect(summary).toMatchObject({ photos: 6, forgotten: 3, enrolled: 3 });
  });

  it('stops on a database error rather than serve a half-enrolled gallery', async () => {
    const failure = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    await expect(
      enrollFolder(dir, {
        findOrCreatePerson: async () => {
          throw failure;
        },
        isForgotten: async () => false,
        readPhoto: async () => new Uint8Array(1),
        enroll: async () => {
          throw new Error('not reached');
        },
        logger: createLogger('test', 'silent'),
        concurrency: 1,
      }),
    ).rejects.toBe(failure);
  });
});
