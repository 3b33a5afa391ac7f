import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ImageRecord } from '../lib/image-record.js';
import { isPhotoFile } from '../lib/known-people-folder.js';
import { CliError, describeError, EXIT, type Api } from './api.js';
import { mediaTypeOf } from './media-types.js';
import { photoMetadata } from './photo-metadata.js';
import { progressBar, streamingTable } from './output.js';

export interface Submitted {
  input: string;
  id?: number;
  error?: string;
}

export type { ImageRecord };

/** Files to upload: each file given, and the photos in each folder given (recursively), sorted. */
export async function photoFiles(inputs: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const input of inputs) {
    const info = await stat(input).catch(() => undefined);
    if (!info) throw new CliError(`no file or folder at ${input}`, EXIT.usage);
    if (info.isDirectory()) {
      const entries = await readdir(input, { recursive: true, withFileTypes: true });
      files.push(
        ...entries
          .filter((entry) => entry.isFile() && isPhotoFile(entry.name))
          .map((entry) => path.join(entry.parentPath, entry.name))
          .sort(),
      );
    } else files.push(input);
  }
  if (files.length === 0)
    throw new CliError(`no .jpg, .jpeg, .png or .webp photos in ${inputs.join(', ')}`, EXIT.usage);
  return files;
}

type SubmitAnswer = { images?: Array<{ id?: number; error?: { code: string; message: string } }> };

/** Uploads each photo; the Idempotency-Key (its content hash) makes a re-run submit nothing twice. */
export async function uploadPhotos(api: Api, inputs: string[]): Promise<Submitted[]> {
  const files = await photoFiles(inputs);
  const bar = progressBar('submitting', files.length);
  const submitted: Submitted[] = [];
  try {
    for (const file of files) {
      const bytes = await readFile(file);
      // The receiver keeps the file name, the EXIF capture time and the door (a door-1/ folder).
      const query = new URLSearchParams({ ...(await photoMetadata(file, bytes)) });
      // The same photo with the same metadata is the same submission: a re-run replays it.
      const key = `facetrail-cli-${createHash('sha256').update(bytes).update(`\n${query}`).digest('hex')}`;
      const { status, data } = await api.request<SubmitAnswer>('POST', `/images?${query}`, {
        body: bytes,
        contentType: mediaTypeOf(file),
        headers: { 'idempotency-key': key },
      });
      const id = data?.images?.[0]?.id;
      submitted.push(
        status === 202 && id !== undefined
          ? { input: file, id }
          : { input: file, error: describeError(data, status) },
      );
      bar.increment(path.basename(file));
    }
  } finally {
    bar.stop();
  }
  return submitted;
}

/** Submits paths as the server sees them (relative to its IMAGES_ROOT), in one bulk request. */
export async function submitPaths(api: Api, paths: string[]): Promise<Submitted[]> {
  const { status, data } = await api.request<SubmitAnswer>('POST', '/images', { json: { paths } });
  if (!data?.images)
    throw new CliError(`the receiver refused the request: ${describeError(data, status)}`);
  return data.images.map((item, index) => ({
    input: paths[index]!,
    ...(item.id !== undefined
      ? { id: item.id }
      : { error: item.error ? `${item.error.code}: ${item.error.message}` : 'refused' }),
  }));
}

const FINAL = new Set(['PROCESSED', 'FAILED']);

/** Polls the submitted images until each is PROCESSED or FAILED, handing each over as it lands. */
export async function waitForResults(
  api: Api,
  submitted: Submitted[],
  onResult: (item: Submitted, record: ImageRecord) => void,
  { timeoutMs = 600_000, intervalMs = 500 } = {},
): Promise<Map<number, ImageRecord>> {
  const pending = new Map(
    submitted.filter((item) => item.id !== undefined).map((item) => [item.id!, item]),
  );
  const results = new Map<number, ImageRecord>();
  const deadline = Date.now() + timeoutMs;
  while (pending.size > 0) {
    for (const [id, item] of pending) {
      const { status, data } = await api.request<ImageRecord>('GET', `/images/${id}`);
      if (status !== 200)
        throw new CliError(`could not read image ${id}: ${describeError(data, status)}`);
      if (FINAL.has(data.status)) {
        pending.delete(id);
        results.set(id, data);
        onResult(item, data);
      }
    }
    if (pending.size === 0) break;
    if (Date.now() > deadline) {
      throw new CliError(
        `${pending.size} image(s) still not finished after ${Math.round(timeoutMs / 1000)} s (ids ${[...pending.keys()].join(', ')}); check \`facetrail status\``,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return results;
}

export const resultColumns = streamingTable([
  { title: 'id', width: 6 },
  { title: 'photo', width: 28 },
  { title: 'status', width: 10 },
  { title: 'faces', width: 5 },
  { title: 'people', width: 0 },
]);

export function resultRow(item: Submitted, record: ImageRecord): string {
  const people =
    record.status === 'FAILED'
      ? (record.error?.code ?? '')
      : record.people.map((person) => person.name).join(', ') || '—';
  return resultColumns.row([
    record.id,
    path.basename(item.input),
    record.status,
    record.faces.length,
    people,
  ]);
}
