import sharp, { type Metadata } from 'sharp';
import { AppError } from '../lib/errors.js';
import type { RawImage } from './inference-protocol.js';

/** Encoded formats the recognizer accepts (the proto promises JPEG, PNG and WebP). */
export const ACCEPTED_FORMATS: ReadonlySet<string> = new Set(['jpeg', 'png', 'webp']);

export interface DecodeOptions {
  /** Refuse images with more pixels than this (decompression bombs): IMAGE_TOO_LARGE. */
  maxPixels: number;
  /** Scale down so that the longest side is at most this (never up). */
  maxSide: number;
}

export interface DecodedImage extends RawImage {
  format: string;
  /** Size of the upright image (EXIF orientation applied), before any scaling. */
  originalWidth: number;
  originalHeight: number;
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
  { maxPixels, maxSide }: DecodeOptions,
): Promise<DecodedImage> {
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
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels })
      .rotate()
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: { r: 255, g: 255, b: 255 } })
      .toColourspace('srgb')
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
    };
  } catch (error) {
    throw decodeFailure(error);
  }
}
