import path from 'node:path';
import exifr from 'exifr';
import { doorFromPath } from '../lib/submission-metadata.js';

/** What an upload tells the receiver about its photo (README "API"). */
export interface PhotoMetadata {
  filename: string;
  capturedAt?: string;
  door?: string;
}

/** "2026:11:25 08:58:12" (+ "+01:00") → an ISO instant; without an offset, this machine's zone. */
export function exifTime(raw: unknown, offset: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const match = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(raw.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  if (typeof offset === 'string' && /^[+-]\d{2}:\d{2}$/.test(offset.trim())) {
    const iso = `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}${offset.trim()}`;
    const time = Date.parse(iso);
    return Number.isNaN(time) ? undefined : new Date(time).toISOString();
  }
  // EXIF times carry no zone unless the camera wrote OffsetTimeOriginal: the camera is taken
  // to be in this machine's zone.
  const local = new Date(y!, mo! - 1, d!, h!, mi!, s!);
  return Number.isNaN(local.getTime()) ? undefined : local.toISOString();
}

/**
 * The file name, the EXIF capture time (DateTimeOriginal, else CreateDate) and, for a file in
 * a `door-1/` folder, the door. A photo without EXIF is sent without a time.
 */
export async function photoMetadata(file: string, bytes: Buffer): Promise<PhotoMetadata> {
  const metadata: PhotoMetadata = { filename: path.basename(file) };
  try {
    const tags = (await exifr.parse(bytes, {
      pick: ['DateTimeOriginal', 'CreateDate', 'OffsetTimeOriginal', 'OffsetTime'],
      reviveValues: false,
    })) as Record<string, unknown> | undefined;
    const capturedAt =
      exifTime(tags?.DateTimeOriginal, tags?.OffsetTimeOriginal ?? tags?.OffsetTime) ??
      exifTime(tags?.CreateDate, tags?.OffsetTime);
    if (capturedAt) metadata.capturedAt = capturedAt;
  } catch {
    // No readable EXIF: the receiver's own clock says when it arrived.
  }
  const door = doorFromPath(
    `${path.basename(path.dirname(path.resolve(file)))}/${metadata.filename}`,
  );
  if (door) metadata.door = door;
  return metadata;
}
