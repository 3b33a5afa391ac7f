import { AppError } from './errors.js';

/** What a submission may say about its photo, besides the photo itself. */
export interface ImageMetadata {
  /** The door or camera; from the request, else from a `door-1/…` path. */
  door: string | null;
  /** When the photo was taken (UTC). */
  capturedAt: Date | null;
  /** The client's file name (a base name, never a path). */
  originalName: string | null;
}

export const NO_METADATA: ImageMetadata = { door: null, capturedAt: null, originalName: null };

/** The fields as a client sends them: JSON members, query parameters, headers or form fields. */
export interface RawMetadata {
  door?: unknown;
  camera?: unknown;
  capturedAt?: unknown;
  filename?: unknown;
}

const DOOR = /^[\p{L}\p{N}][\p{L}\p{N} ._:#/-]{0,63}$/u;
// A time with its zone: "2026-11-25T10:00:00Z", "...+01:00", fractions allowed. A bare local
// time would be read in the server's zone, which nobody means.
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;
const EARLIEST = Date.parse('1990-01-01T00:00:00Z');
const CLOCK_SKEW_MS = 24 * 3_600_000;

const bad = (message: string) => new AppError('INVALID_REQUEST', message);

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw bad(`"${name}" must be a string`);
  return value.trim() === '' ? undefined : value.trim();
}

/** A door or camera name: 1 to 64 letters, digits, spaces and . _ : # / - */
export function parseDoor(value: unknown, name = 'door'): string | null {
  const door = optionalString(value, name);
  if (door === undefined) return null;
  if (!DOOR.test(door))
    throw bad(
      `"${name}" must be 1 to 64 letters, digits, spaces or . _ : # / - (starting with a letter or digit)`,
    );
  return door;
}

/** An ISO 8601 time with a zone (Z or ±hh:mm), not before 1990 nor more than a day ahead. */
export function parseCapturedAt(value: unknown, now = new Date()): Date | null {
  if (typeof value === 'number')
    throw bad('"capturedAt" must be an ISO 8601 time, e.g. 2026-11-25T10:00:00Z');
  const text = optionalString(value, 'capturedAt');
  if (text === undefined) return null;
  const time = INSTANT.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(time))
    throw bad(
      `"capturedAt" must be an ISO 8601 time with a zone, e.g. 2026-11-25T10:00:00Z or 2026-11-25T11:00:00+01:00 (got "${text.slice(0, 40)}")`,
    );
  if (time < EARLIEST || time > now.getTime() + CLOCK_SKEW_MS)
    throw bad(`"capturedAt" ${text} is not a plausible capture time`);
  return new Date(time);
}

/** The base name of what the client called the file; paths are cut to their last part. */
export function parseFilename(value: unknown): string | null {
  const raw = optionalString(value, 'filename');
  if (raw === undefined) return null;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(raw)) throw bad('"filename" contains control characters');
  const base = raw.split(/[\\/]/).pop()!.trim();
  if (base === '' || base === '.' || base === '..') throw bad('"filename" names no file');
  if (base.length > 255) throw bad('"filename" is longer than 255 characters');
  return base;
}

/**
 * Reads door (or camera), capturedAt and filename. `door` and `camera` are two names for one
 * thing; giving both with different values is an error.
 */
export function parseMetadata(raw: RawMetadata, now = new Date()): ImageMetadata {
  const door = parseDoor(raw.door, 'door');
  const camera = parseDoor(raw.camera, 'camera');
  if (door && camera && door !== camera)
    throw bad('give "door" or "camera" (two names for the same thing), not both');
  return {
    door: door ?? camera,
    capturedAt: parseCapturedAt(raw.capturedAt, now),
    originalName: parseFilename(raw.filename),
  };
}

/** `door-1/2026-11-25T10-00-00.jpg` → "door-1" (also `camera-…` and `cam-…`), else null. */
export function doorFromPath(relative: string): string | null {
  const [first, ...rest] = relative.split('/');
  if (!first || rest.length === 0) return null;
  return /^(door|camera|cam)[-_][\p{L}\p{N}._-]{1,58}$/iu.test(first) ? first : null;
}

/** The metadata a stored image gets: the door from its path when none was given. */
export function completeMetadata(
  metadata: ImageMetadata,
  relativePath: string,
  fallbackName?: string,
): ImageMetadata {
  return {
    door: metadata.door ?? doorFromPath(relativePath),
    capturedAt: metadata.capturedAt,
    originalName: metadata.originalName ?? fallbackName ?? null,
  };
}

/** Later fields win where they are set. */
export function mergeMetadata(base: ImageMetadata, override: ImageMetadata): ImageMetadata {
  return {
    door: override.door ?? base.door,
    capturedAt: override.capturedAt ?? base.capturedAt,
    originalName: override.originalName ?? base.originalName,
  };
}
