import type { Db } from '../connect.js';
import { isDuplicateKeyError } from '../connect.js';
import type { ImageStatus } from '../schema.js';
import type { ImageMetadata } from '../../submission-metadata.js';
import type { ImageRecord } from '../../image-record.js';
import { markPublished } from './published.js';
import { readImageRecords } from './records.js';

/** A photo to insert: its path, and what the submission said about it. */
export interface NewImage {
  path: string;
  metadata?: ImageMetadata;
}

export interface IdempotencyInput {
  key: string;
  requestHash: string;
}

/** The PENDING row of one submitted image (its place in the request for idempotent replays). */
export function newImageRow(
  { path, metadata }: NewImage,
  index: number,
  idempotency: IdempotencyInput | undefined,
  now: Date,
) {
  return {
    path,
    door: metadata?.door ?? null,
    captured_at: metadata?.capturedAt ?? null,
    original_name: metadata?.originalName ?? null,
    status: 'PENDING' as const,
    attempts: 0,
    idempotency_key: idempotency?.key ?? null,
    idempotency_index: idempotency ? index : null,
    request_hash: idempotency?.requestHash ?? null,
    created_at: now,
    updated_at: now,
  };
}

export class IdempotencyConflictError extends Error {
  override name = 'IdempotencyConflictError';
}

/**
 * The receiver's side of images: submitting them (idempotently), recording that their events
 * were published, and listing them for the CLI (GET /images).
 */
export class ImageIngestRepository {
  constructor(private readonly db: Db) {}

  /**
   * Inserts one PENDING row per path, in one transaction. With an idempotency key, a replay
   * of the same request returns the rows it created; another body under the same key is refused.
   */
  async createImages(
    images: Array<string | NewImage>,
    idempotency?: IdempotencyInput,
  ): Promise<{ ids: number[]; replayed: boolean }> {
    if (idempotency) {
      const existing = await this.findByIdempotencyKey(idempotency);
      if (existing) return { ids: existing, replayed: true };
    }
    try {
      const ids = await this.db.transaction().execute(async (trx) => {
        const now = new Date();
        const created: number[] = [];
        for (const [index, image] of images.entries()) {
          const { path, metadata } = typeof image === 'string' ? { path: image } : image;
          const result = await trx
            .insertInto('images')
            .values(newImageRow({ path, metadata }, index, idempotency, now))
            .executeTakeFirstOrThrow();
          created.push(Number(result.insertId));
        }
        return created;
      });
      return { ids, replayed: false };
    } catch (error) {
      // Two requests with one key raced: the loser answers what the winner stored.
      if (idempotency && isDuplicateKeyError(error)) {
        const existing = await this.findByIdempotencyKey(idempotency);
        if (existing) return { ids: existing, replayed: true };
      }
      throw error;
    }
  }

  /** The ids a request with this key created, in request order; throws if the key was used for another body. */
  async findByIdempotencyKey({
    key,
    requestHash,
  }: IdempotencyInput): Promise<number[] | undefined> {
    const rows = await this.db
      .selectFrom('images')
      .select(['id', 'request_hash'])
      .where('idempotency_key', '=', key)
      .orderBy('idempotency_index')
      .execute();
    if (rows.length === 0) return undefined;
    if (rows.some((row) => row.request_hash !== requestHash)) {
      throw new IdempotencyConflictError(
        `Idempotency-Key "${key}" was already used for a different request`,
      );
    }
    return rows.map((row) => Number(row.id));
  }

  markPublished(ids: number[]): Promise<void> {
    return markPublished(this.db, ids);
  }

  /** Newest first, keyset-paginated on id. */
  async list(filter: {
    status?: ImageStatus;
    personId?: number;
    limit: number;
    before?: number;
  }): Promise<{ images: ImageRecord[]; next: number | null }> {
    let query = this.db
      .selectFrom('images')
      .select('images.id')
      .orderBy('images.id', 'desc')
      .limit(filter.limit + 1);
    if (filter.status) query = query.where('images.status', '=', filter.status);
    if (filter.before !== undefined) query = query.where('images.id', '<', filter.before);
    if (filter.personId !== undefined) {
      const personId = filter.personId;
      query = query.where(({ exists, selectFrom }) =>
        exists(
          selectFrom('faces')
            .select('faces.id')
            .whereRef('faces.image_id', '=', 'images.id')
            .where('faces.person_id', '=', personId),
        ),
      );
    }
    const ids = (await query.execute()).map((row) => Number(row.id));
    const page = ids.slice(0, filter.limit);
    const images = await readImageRecords(this.db, page);
    return { images, next: ids.length > filter.limit ? (page[page.length - 1] ?? null) : null };
  }
}
