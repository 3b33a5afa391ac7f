import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { AppError } from '../../lib/errors.js';
import { resolveImagePath } from '../../lib/image-paths.js';
import { sniffImageType } from '../../lib/image-type.js';
import type { Box } from '../../lib/box.js';

/** Photos are decoded with this pixel limit (a decompression bomb fails instead of eating memory). */
const LIMIT_INPUT_PIXELS = 100_000_000;

const MEDIA_TYPES = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' } as const;

/** The stored path, confined to the images root again (the volume may have changed since). */
async function fileOf(imagesRoot: string, relative: string): Promise<string> {
  return (await resolveImagePath(imagesRoot, relative)).absolute;
}

const undecodable = (what: string) => new AppError('CORRUPT_IMAGE', `${what} cannot be decoded`);

/** The upright size of a photo (EXIF orientation applied): face boxes are in these pixels. */
export async function uprightSize(
  imagesRoot: string,
  relative: string,
): Promise<{ width: number; height: number }> {
  const metadata = await sharp(await fileOf(imagesRoot, relative), {
    limitInputPixels: LIMIT_INPUT_PIXELS,
  })
    .metadata()
    .catch(() => {
      throw undecodable('the photo');
    });
  if (!metadata.width || !metadata.height) throw undecodable('the photo');
  const turned = (metadata.orientation ?? 1) >= 5;
  return turned
    ? { width: metadata.height, height: metadata.width }
    : { width: metadata.width, height: metadata.height };
}

/**
 * The whole photo, upright: its own bytes when it needs no turning, else re-encoded turned
 * (the recognizer measured the boxes on the upright photo).
 */
export async function fullPhoto(
  imagesRoot: string,
  relative: string,
): Promise<{ type: string; bytes: Buffer }> {
  const file = await fileOf(imagesRoot, relative);
  const bytes = await readFile(file);
  const type = sniffImageType(bytes);
  if (!type) throw undecodable('the photo');
  const metadata = await sharp(bytes, { limitInputPixels: LIMIT_INPUT_PIXELS })
    .metadata()
    .catch(() => {
      throw undecodable('the photo');
    });
  if ((metadata.orientation ?? 1) === 1) return { type: MEDIA_TYPES[type], bytes };
  const upright = await sharp(bytes, { limitInputPixels: LIMIT_INPUT_PIXELS })
    .rotate()
    .jpeg({ quality: 90 })
    .toBuffer();
  return { type: 'image/jpeg', bytes: upright };
}

/** A small JPEG of the photo, inside width × height. */
export async function thumbnail(
  imagesRoot: string,
  relative: string,
  width = 192,
  height = 144,
): Promise<Buffer> {
  return sharp(await fileOf(imagesRoot, relative), { limitInputPixels: LIMIT_INPUT_PIXELS })
    .rotate()
    .resize(width, height, { fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 75 })
    .toBuffer()
    .catch(() => {
      throw undecodable('the photo');
    });
}

/**
 * A square crop around a face (the box grown by half on each side, kept inside the photo),
 * `size` pixels wide; without a box, the photo's most interesting square (sharp's attention).
 */
export async function faceCrop(
  imagesRoot: string,
  relative: string,
  box: Box | null,
  size = 160,
): Promise<Buffer> {
  const file = await fileOf(imagesRoot, relative);
  const upright = await sharp(file, { limitInputPixels: LIMIT_INPUT_PIXELS })
    .rotate()
    .toBuffer({ resolveWithObject: true })
    .catch(() => {
      throw undecodable('the photo');
    });
  const { width, height } = upright.info;
  let image = sharp(upright.data);
  if (box) {
    const side = Math.min(Math.round(Math.max(box.width, box.height) * 2), width, height);
    const centreX = box.x + box.width / 2;
    const centreY = box.y + box.height / 2;
    const left = Math.round(Math.min(Math.max(centreX - side / 2, 0), width - side));
    const top = Math.round(Math.min(Math.max(centreY - side / 2, 0), height - side));
    if (side > 0) image = image.extract({ left, top, width: side, height: side });
    image = image.resize(size, size, { fit: 'cover' });
  } else image = image.resize(size, size, { fit: 'cover', position: sharp.strategy.attention });
  return image.jpeg({ quality: 80 }).toBuffer();
}

/** A placeholder face: the person's initials on a grey square (SVG, no photo needed). */
export function initialsSvg(name: string): string {
  const initials =
    name
      .split(/\s+/)
      .filter(Boolean)
      .slice(0, 2)
      .map((part) => part[0]!.toUpperCase())
      .join('') || '?';
  const escaped = initials.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="160" height="160" viewBox="0 0 160 160"><rect width="160" height="160" fill="#d9dde3"/><text x="80" y="96" font-family="sans-serif" font-size="56" text-anchor="middle" fill="#39424e">${escaped}</text></svg>`;
}
