import pMap from 'p-map';
import { AppError, isAppError } from '../../lib/errors.js';
import type {
  ImageIngestRepository,
  IdempotencyInput,
  NewImage,
} from '../../lib/db/images/ingest-repo.js';
import { IdempotencyConflictError } from '../../lib/db/images/ingest-repo.js';
import type { ImageReadsRepository } from '../../lib/db/images/reads-repo.js';
import { publishImageEvents } from '../../lib/events/publish-image-events.js';
import { resolveImagePath } from '../../lib/image-paths.js';
import { sniffImageFile } from '../../lib/image-type.js';
import type { Logger } from '../../lib/logger.js';
import type { Publisher } from '../../lib/queue/publisher.js';
import type { IngestBatcher } from './ingest-batcher.js';
import { commitUpload, discardUpload, type StagedUpload } from './uploads.js';
import {
  completeMetadata,
  parseMetadata,
  type ImageMetadata,
  type RawMetadata,
} from '../../lib/submission-metadata.js';

/** images.path is VARCHAR(1024). */
const MAX_PATH_LENGTH = 1024;

/**
 * Paths of one request checked at a time: each check opens its file, and a bulk request of a
 * thousand paths must not use a thousand file handles at once.
 */
export const PATH_CHECK_CONCURRENCY = 16;

/** File-system failures of one path that say nothing about the others (no handle left, I/O). */
const UNREADABLE_CODES = new Set(['EMFILE', 'ENFILE', 'EACCES', 'EPERM', 'EIO', 'ENAMETOOLONG']);

export interface SubmitDeps {
  images: ImageIngestRepository;
  imageReads: Pick<ImageReadsRepository, 'getMany'>;
  publisher: Publisher;
  /** Writes and publishes submissions by path together with others arriving meanwhile. */
  batcher: Pick<IngestBatcher, 'accept'>;
  topic: string;
  imagesRoot: string;
  logger: Logger;
}

/** One photo of a submission by path: the path and what the client said about it. */
export interface PathSubmission {
  path: unknown;
  metadata: RawMetadata;
}

export type AcceptedItem = { id: number; path: string; status: string };
export type RefusedItem = { path: unknown; error: { code: string; message: string } };
export type SubmitItem = AcceptedItem | RefusedItem;

export interface SubmitResult {
  items: SubmitItem[];
  accepted: number;
  replayed: boolean;
}

/** A path the caller gave, checked: inside the root, a regular file, an image; its metadata valid. */
async function checkPath(
  imagesRoot: string,
  submission: PathSubmission,
): Promise<
  { ok: true; relative: string; metadata: ImageMetadata } | { ok: false; item: RefusedItem }
> {
  const input = submission.path;
  try {
    const metadata = parseMetadata(submission.metadata);
    // Longer than the column can hold: refused before the file system is asked (ENAMETOOLONG).
    if (typeof input === 'string' && input.length > MAX_PATH_LENGTH) {
      throw new AppError(
        'INVALID_REQUEST',
        `the path is longer than ${MAX_PATH_LENGTH} characters`,
      );
    }
    const resolved = await resolveImagePath(imagesRoot, input);
    // The column holds 1024 characters; a longer path would fail the whole request.
    if (resolved.relative.length > MAX_PATH_LENGTH) {
      throw new AppError(
        'INVALID_REQUEST',
        `the path is longer than ${MAX_PATH_LENGTH} characters`,
      );
    }
    if (!(await sniffImageFile(resolved.absolute))) {
      throw new AppError('NOT_AN_IMAGE', `"${String(input)}" is not a JPEG, PNG or WebP image`);
    }
    return {
      ok: true,
      relative: resolved.relative,
      metadata: completeMetadata(metadata, resolved.relative),
    };
  } catch (error) {
    const refusal = isAppError(error) ? error : unreadable(error, input);
    if (!refusal) throw error;
    return {
      ok: false,
      item: { path: input, error: { code: refusal.code, message: refusal.message } },
    };
  }
}

/** A file-system failure of one path as that path's refusal; other errors stay errors. */
function unreadable(error: unknown, input: unknown): AppError | undefined {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === undefined || !UNREADABLE_CODES.has(code)) return undefined;
  return new AppError(
    'FILE_UNREADABLE',
    `"${String(input)}" cannot be read now (${code}); retry later`,
  );
}

/**
 * Accepts images by path: checks each, inserts the accepted ones as PENDING (the database is
 * the source of truth), then publishes one event per image. A failed publish leaves the rows
 * PENDING and unpublished; the redeemer re-sends them, so the caller still gets 202.
 */
export async function submitImages(
  deps: SubmitDeps,
  inputs: PathSubmission[],
  idempotency?: IdempotencyInput,
): Promise<SubmitResult> {
  const replay = await findReplay(deps, idempotency);
  if (replay) return replay;

  const checked = await pMap(inputs, (input) => checkPath(deps.imagesRoot, input), {
    concurrency: PATH_CHECK_CONCURRENCY,
  });
  const accepted = checked.flatMap((check) =>
    check.ok ? [{ path: check.relative, metadata: check.metadata }] : [],
  );
  let ids: number[] = [];
  if (accepted.length > 0) {
    // Rows written and events published (or left for the redeemer) before this resolves.
    const created = await conflictAsAppError(() => deps.batcher.accept(accepted, idempotency));
    if (created.replayed) return replayResult(deps, created.ids);
    ids = created.ids;
  }
  let next = 0;
  const items = checked.map((check): SubmitItem => {
    if (!check.ok) return check.item;
    const id = ids[next++]!;
    return { id, path: check.relative, status: 'PENDING' };
  });
  return { items, accepted: ids.length, replayed: false };
}

/** An upload staged under the root, with what the client said about it. */
export interface SavedUpload extends StagedUpload {
  metadata: ImageMetadata;
}

/**
 * Accepts staged uploads (one request, one transaction): the rows first, then each file moves
 * to its final name. A failed insert or a replay discards the staged files, so no file is left
 * without its row.
 */
export async function submitUploaded(
  deps: SubmitDeps,
  uploads: SavedUpload[],
  idempotency?: IdempotencyInput,
): Promise<SubmitResult> {
  const discardAll = () =>
    Promise.all(uploads.map((upload) => discardUpload(upload))).catch((error: unknown) =>
      deps.logger.warn({ err: (error as Error).message }, 'could not discard staged uploads'),
    );
  let created: Awaited<ReturnType<typeof createOrConflict>>;
  try {
    created = await createOrConflict(
      deps,
      uploads.map((upload) => ({
        path: upload.relative,
        metadata: completeMetadata(upload.metadata, upload.relative),
      })),
      idempotency,
    );
  } catch (error) {
    await discardAll();
    throw error;
  }
  if (created.replayed) {
    await discardAll();
    return replayResult(deps, created.ids);
  }
  // Nothing is published before its file is in place: the processor would not find it.
  await Promise.all(uploads.map((upload) => commitUpload(deps.imagesRoot, upload)));
  await publishEvents(
    deps,
    created.ids.map((id, index) => ({ imageId: id, path: uploads[index]!.relative })),
  );
  return {
    items: created.ids.map((id, index) => ({
      id,
      path: uploads[index]!.relative,
      status: 'PENDING',
    })),
    accepted: created.ids.length,
    replayed: false,
  };
}

export async function findReplay(
  deps: SubmitDeps,
  idempotency?: IdempotencyInput,
): Promise<SubmitResult | undefined> {
  if (!idempotency) return undefined;
  try {
    const ids = await deps.images.findByIdempotencyKey(idempotency);
    return ids ? replayResult(deps, ids) : undefined;
  } catch (error) {
    if (error instanceof IdempotencyConflictError)
      throw new AppError('IDEMPOTENCY_KEY_REUSED', error.message);
    throw error;
  }
}

function createOrConflict(deps: SubmitDeps, images: NewImage[], idempotency?: IdempotencyInput) {
  return conflictAsAppError(() => deps.images.createImages(images, idempotency));
}

async function conflictAsAppError<T>(create: () => Promise<T>): Promise<T> {
  try {
    return await create();
  } catch (error) {
    if (error instanceof IdempotencyConflictError)
      throw new AppError('IDEMPOTENCY_KEY_REUSED', error.message);
    throw error;
  }
}

/** A repeated request: what the first one created, as it stands now; nothing is published again. */
async function replayResult(deps: SubmitDeps, ids: number[]): Promise<SubmitResult> {
  const records = await deps.imageReads.getMany(ids);
  return {
    items: records.map((record) => ({ id: record.id, path: record.path, status: record.status })),
    accepted: records.length,
    replayed: true,
  };
}

/** A failed publish leaves the images PENDING (and unmarked) for the redeemer; still a 202. */
async function publishEvents(
  deps: SubmitDeps,
  events: Array<{ imageId: number; path: string }>,
): Promise<void> {
  try {
    await publishImageEvents(
      deps,
      events.map((event) => ({ id: event.imageId, path: event.path })),
    );
  } catch (error) {
    deps.logger.warn(
      { err: (error as Error).message, imageIds: events.map((event) => event.imageId) },
      'publish failed or not recorded; the redeemer re-sends these images',
    );
  }
}
