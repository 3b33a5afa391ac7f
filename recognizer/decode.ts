import sharp, { type Metadata } from 'sharp';
import { AppError } from '../lib/errors.js';
import type { RawImage } from './inference-protocol.js';
import type { Box } from '../lib/box.js';

/** Encoded formats the recognizer accepts (the proto promises JPEG, PNG and WebP). */
export const ACCEPTED_FORMATS: ReadonlySet<string> = new Set(['jpeg', 'png', 'webp']);

export interface DecodeOptions {
  /** Refuse images with more pixels than this (decompression bombs): IMAGE_TOO_LARGE. */
  maxPixels: number;
  /** Scale down so that the longest side is at most this (never up). */
  maxSide: number;
  /**
   * Photos whose longest side is below this are enlarged to it (Lanczos) and get a black
   * border before detection (0: never).
   */
  smallPhotoSide?: number;
  /** The border on each side, as a fraction of the enlarged photo's longest side. */
  smallPhotoPadding?: number;
}

export interface DecodedImage extends RawImage {
  format: string;
  /** Size of the upright image (EXIF orientation applied), before any scaling. */
  originalWidth: number;
  originalHeight: number;
  /**
   * Where the photo lies in `data` (x, y: the border added on the left and top; width,
   * height: the photo after scaling). Equals the whole image unless a border was added.
   */
  content: Box;
  /** True when the photo was enlarged by the small-photo path. */
  enlarged: boolean;
}

/**
 * How a photo is prepared for the detector: the longest side it is scaled to (down for
 * large photos, up for small ones) and the black border added on each side.
 *
 * Small photos: face-api's SSD MobileNet looks at a 512×512 resize of the photo, so a
 * 150×150 passport-style crop (LFW) becomes a face filling half of that square, cut at the
 * chin and the hair; the detector misses it on 71 of the 600 LFW photos at score 0.5. In the
 * middle of a black square twice its size it misses 2. Enlarging such a photo with Lanczos
 * first (instead of the networks' own bilinear resize of a 60-pixel face) also gives better
 * descriptors. Larger photos get no border: shrinking the faces of a group photo would lose
 * the small ones. See docs/performance.md for the measurements.
 */
export function inferenceGeometry(
  width: number,
  height: number,
  {
    maxSide,
    smallPhotoSide = 0,
    smallPhotoPadding = 0,
  }: Pick<DecodeOptions, 'maxSide' | 'smallPhotoSide' | 'smallPhotoPadding'>,
): { side: number; border: number; enlarge: boolean } {
  const longest = Math.max(width, height);
  const small = Math.min(smallPhotoSide, maxSide);
  if (longest < small) {
    return { side: small, border: Math.round(small * smallPhotoPadding), enlarge: true };
  }
  return { side: Math.min(longest, maxSide), border: 0, enlarge: false };
}

function isPixelLimitError(error: unknown): boolean {
  return error instanceof Error && /pixel limit/i.test(error.message);
}

function decodeFailure(error: unknown): AppError {
  if (isPixelLimitError(error)) return new AppError('IMAGE_TOO_LARGE');
  const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return new AppError('CORRUPT_IMAGE', `the image cannot be decoded: ${reason}`);
}

/**
 * Decodes JPEG, PNG or WebP bytes into upright 8-bit RGB for the detector:
 * EXIF orientation applied, alpha flattened onto white, greyscale/CMYK/16-bit converted to
 * sRGB, and the longest side scaled down to `maxSide` (SSD MobileNet looks at 512×512
 * anyway; full-size 40 MP tensors would cost gigabytes of wasm memory).
 *
 * Runs on the main thread on purpose: sharp does the work on libvips' own thread pool, so the
 * event loop stays free, and keeping sharp out of the workers lets the pool terminate a
 * hung or crashed worker at any time (terminating a worker in the middle of a sharp call
 * can take the whole process down, lovell/sharp#2263).
 */
export async function decodeImage(
  bytes: Uint8Array,
  options: DecodeOptions,
): Promise<DecodedImage> {
  const { maxPixels } = options;
  if (bytes.byteLength === 0) throw new AppError('CORRUPT_IMAGE', 'the image is empty (0 bytes)');
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes, { limitInputPixels: maxPixels }).metadata();
  } catch (error) {
    throw decodeFailure(error);
  }
  const format = metadata.format ?? 'unknown';
  if (!ACCEPTED_FORMATS.has(format)) {
    throw new AppError(
      'NOT_AN_IMAGE',
      `the image is ${format.toUpperCase()}; send a JPEG, PNG or WebP image`,
    );
  }
  const width = metadata.width ?? 0;
  const height = metadata.height ?? 0;
  if (width * height > maxPixels) {
    throw new AppError(
      'IMAGE_TOO_LARGE',
      `the image has ${width}×${height} pixels; at most ${maxPixels} are allowed`,
    );
  }
  // Orientations 5-8 turn the image by 90°.
  const turned = (metadata.orientation ?? 1) >= 5;
  const originalWidth = turned ? height : width;
  const originalHeight = turned ? width : height;
  const { side, border, enlarge } = inferenceGeometry(originalWidth, originalHeight, options);
  try {
    let pipeline = sharp(bytes, { limitInputPixels: maxPixels })
      .rotate()
      .resize({
        width: side,
        height: side,
        fit: 'inside',
        withoutEnlargement: !enlarge,
        // Lanczos to enlarge a small photo (sharper faces, better descriptors); linear to shrink
        // a large one (libvips still averages every source pixel; 25% less CPU than Lanczos).
        kernel: enlarge ? 'lanczos3' : 'linear',
      })
      .flatten({ background: { r: 255, g: 255, b: 255 } })
      .toColourspace('srgb');
    if (border > 0) {
      pipeline = pipeline.extend({
        top: border,
        bottom: border,
        left: border,
        right: border,
        background: { r: 0, g: 0, b: 0, alpha: 1 },
      });
    }
    const { data, info } = await pipeline
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3)
      throw new Error(`expected 3 channels after conversion, got ${info.channels}`);
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
      format,
      originalWidth,
      originalHeight,
      content: {
        x: border,
        y: border,
        width: info.width - 2 * border,
        height: info.height - 2 * border,
      },
      enlarged: enlarge,
    };
  } catch (error) {
    throw decodeFailure(error);
  }
}
