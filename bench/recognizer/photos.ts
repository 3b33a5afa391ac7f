/**
 * The photos the recognizer benchmarks use: the face fixtures (FACETRAIL_FIXTURES, see
 * test/support/fixtures.ts; never copied into the repo) and the face-api package's own 1080p+ demo photos.
 */
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { FIXTURES } from '../../test/support/fixtures.js';

export { FIXTURES };

const require = createRequire(import.meta.url);

/** The face-api package's demo folder (sample1.jpg … sample6.jpg, 1920×1280 and up). */
export const FACE_API_DEMO = path.join(
  path.dirname(require.resolve('@vladmandic/face-api/package.json')),
  'demo',
);

export interface Photo {
  /** Shown in tables: path relative to the fixtures (or `face-api/demo/…`). */
  name: string;
  file: string;
  bytes: Buffer;
  /** Upright size. */
  width: number;
  height: number;
}

/** "Small" as the benchmark counts it: longest side at most this. */
export const SMALL_MAX_SIDE = 640;
/** "Large": at least a 1080p frame's pixels (1920×1080). */
export const LARGE_MIN_PIXELS = 1920 * 1080;

export async function loadPhoto(file: string, name?: string): Promise<Photo> {
  const bytes = await readFile(file);
  const meta = await sharp(bytes).metadata();
  const turned = (meta.orientation ?? 1) >= 5;
  const width = (turned ? meta.height : meta.width) ?? 0;
  const height = (turned ? meta.width : meta.height) ?? 0;
  return {
    name: name ?? path.relative(FIXTURES, file),
    file,
    bytes,
    width,
    height,
  };
}

const isPhoto = (file: string) => /\.(jpe?g|png|webp)$/i.test(file);

async function listPhotos(dir: string): Promise<string[]> {
  return (await readdir(dir))
    .filter(isPhoto)
    .sort()
    .map((file) => path.join(dir, file));
}

/** LFW: person folder → photo files 1..10 in numeric order. */
export async function lfwPeople(): Promise<Map<string, string[]>> {
  const root = path.join(FIXTURES, 'lfw');
  const people = new Map<string, string[]>();
  for (const person of (await readdir(root)).sort()) {
    const files = (await readdir(path.join(root, person)))
      .filter(isPhoto)
      .sort((a, b) => parseInt(a, 10) - parseInt(b, 10))
      .map((file) => path.join(root, person, file));
    people.set(person, files);
  }
  return people;
}

export async function negatives(): Promise<Photo[]> {
  return Promise.all((await listPhotos(path.join(FIXTURES, 'negatives'))).map((f) => loadPhoto(f)));
}

/**
 * Every fixture photo outside LFW (seed, faces/known, faces/probes, faces/edge, negatives)
 * plus the face-api demo photos.
 */
export async function otherPhotos(): Promise<Photo[]> {
  const files: string[] = [];
  for (const dir of [
    'seed/known_people',
    'seed/unknown_people',
    'faces/probes',
    'faces/edge',
    'negatives',
  ])
    files.push(...(await listPhotos(path.join(FIXTURES, dir))));
  const known = path.join(FIXTURES, 'faces/known');
  for (const person of (await readdir(known)).sort())
    files.push(...(await listPhotos(path.join(known, person))));
  const photos = await Promise.all(files.map((file) => loadPhoto(file)));
  const demo = (await listPhotos(FACE_API_DEMO)).filter((file) => /sample\d\.jpg$/.test(file));
  photos.push(
    ...(await Promise.all(
      demo.map((file) => loadPhoto(file, `face-api/demo/${path.basename(file)}`)),
    )),
  );
  return photos;
}

export const isSmall = (photo: Photo) => Math.max(photo.width, photo.height) <= SMALL_MAX_SIDE;
export const isLarge = (photo: Photo) => photo.width * photo.height >= LARGE_MIN_PIXELS;
