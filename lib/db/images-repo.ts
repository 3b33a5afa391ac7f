import { sql } from 'kysely';
import type { Db } from './connect.js';
import { isDuplicateKeyError } from './connect.js';
import { deleteFacesByPrimaryKey, retryOnLockConflict } from './lock-conflicts.js';
import type { ImageMetadata } from '../submission-metadata.js';
import type { Box } from '../box.js';
import type { ImageStatus } from './schema.js';
import type { FaceRecord, ImageRecord, StoredFaceQuality } from '../image-record.js';

export type { FaceRecord, ImageRecord, StoredFaceQuality } from '../image-record.js';

/** A photo to insert: its path, and what the submission said about it. */
export interface NewImage {
  path: string;
  metadata?: ImageMetadata;
}

export interface NewFace {
  box: Box;
  score: number;
  personId: number | null;
  distance: number | null;
  quality?: StoredFaceQuality | null;
  unidentifiable?: string | null;
  /** The encoded descriptor and what made it and the decision (for Rescore). */
  descriptor?: Uint8Array | null;
  descriptorVersion?: string | null;
  matchVersion?: string | null;
}

/** What a claim hands the processor: the fencing token is the attempts count it set. */
export interface Claim {
  id: number;
  path: string;
  attempts: number;
  /** Recognizer processes the photo took down before this claim (recordCrash). */
  crashes: number;
}

export type ClaimOutcome =
  | { kind: 'claimed'; claim: Claim }
  | { kind: 'missing' }
  | { kind: 'final'; status: ImageStatus }
  | { kind: 'busy'; leaseUntil: Date | null };

export interface IdempotencyInput {
  key: string;
  requestHash: string;
}

export class IdempotencyConflictError extends Error {
  override name = 'IdempotencyConflictError';
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

type ImageRow = {
  id: number;
  path: string;
  status: ImageStatus;
  attempts: number;
  error_code: string | null;
  error_message: string | null;
  created_at: Date;
  updated_at: Date;
  processed_at: Date | null;
  door: string | null;
  captured_at: Date | null;
  original_name: string | null;
};

export class ImagesRepository {
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
            .values({
              path,
              door: metadata?.door ?? null,
              captured_at: metadata?.capturedAt ?? null,
              original_name: metadata?.originalName ?? null,
              status: 'PENDING',
              attempts: 0,
              idempotency_key: idempotency?.key ?? null,
              idempotency_index: idempotency ? index : null,
              request_hash: idempotency?.requestHash ?? null,
              created_at: now,
              updated_at: now,
            })
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

  async markPublished(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('images')
      .set({ published_at: new Date() })
      .where('id', 'in', ids)
      .execute();
  }

  async get(id: number): Promise<ImageRecord | undefined> {
    const [record] = await this.getMany([id]);
    return record;
  }

  /** Records in the order of `ids`, each with its faces and people. */
  async getMany(ids: number[]): Promise<ImageRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('images')
      .select([
        'id',
        'path',
        'status',
        'attempts',
        'error_code',
        'error_message',
        'created_at',
        'updated_at',
        'processed_at',
        'door',
        'captured_at',
        'original_name',
      ])
      .where('id', 'in', ids)
      .execute();
    const faces = await this.facesOf(ids);
    const byId = new Map(rows.map((row) => [Number(row.id), row as ImageRow]));
    return ids.flatMap((id) => {
      const row = byId.get(id);
      return row ? [toRecord(row, faces.get(id) ?? [])] : [];
    });
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
    const images = await this.getMany(page);
    return { images, next: ids.length > filter.limit ? (page[page.length - 1] ?? null) : null };
  }

  async countByStatus(): Promise<Record<ImageStatus, number>> {
    const rows = await this.db
      .selectFrom('images')
      .select(['status', sql<number>`COUNT(*)`.as('count')])
      .groupBy('status')
      .execute();
    const counts: Record<ImageStatus, number> = {
      PENDING: 0,
      PROCESSING: 0,
      PROCESSED: 0,
      FAILED: 0,
    };
    for (const row of rows) counts[row.status] = Number(row.count);
    return counts;
  }

  private async facesOf(imageIds: number[]): Promise<Map<number, FaceRecord[]>> {
    const rows = await this.db
      .selectFrom('faces')
      .leftJoin('person', 'person.id', 'faces.person_id')
      .select([
        'faces.id',
        'faces.image_id',
        'faces.box_x',
        'faces.box_y',
        'faces.box_width',
        'faces.box_height',
        'faces.score',
        'faces.distance',
        'faces.quality_size',
        'faces.quality_sharpness',
        'faces.quality_yaw',
        'faces.quality_roll',
        'faces.unidentifiable',
        'person.id as person_id',
        'person.name as person_name',
      ])
      .where('faces.image_id', 'in', imageIds)
      .orderBy('faces.image_id')
      .orderBy('faces.face_index')
      .execute();
    const faces = new Map<number, FaceRecord[]>();
    for (const row of rows) {
      const list = faces.get(Number(row.image_id)) ?? [];
      list.push({
        id: Number(row.id),
        box: { x: row.box_x, y: row.box_y, width: row.box_width, height: row.box_height },
        score: Number(row.score),
        person:
          row.person_id != null && row.person_name != null
            ? { id: Number(row.person_id), name: row.person_name }
            : null,
        distance: row.distance == null ? null : Number(row.distance),
        quality:
          row.quality_size == null
            ? null
            : {
                size: Number(row.quality_size),
                sharpness: Number(row.quality_sharpness),
                yaw: Number(row.quality_yaw),
                roll: Number(row.quality_roll),
              },
        unidentifiable: row.unidentifiable ?? null,
      });
      faces.set(Number(row.image_id), list);
    }
    return faces;
  }

  /**
   * Takes the image for processing with one atomic UPDATE: only a PENDING image, or a
   * PROCESSING one whose lease ran out, can be claimed, so two processors never share one.
   */
  async claim(id: number, leaseMs: number): Promise<ClaimOutcome> {
    const now = new Date();
    const result = await this.db
      .updateTable('images')
      .set((eb) => ({
        status: 'PROCESSING',
        attempts: eb('attempts', '+', 1),
        lease_until: new Date(now.getTime() + leaseMs),
        updated_at: now,
      }))
      .where('id', '=', id)
      .where((eb) =>
        eb.or([
          eb('status', '=', 'PENDING'),
          eb.and([eb('status', '=', 'PROCESSING'), eb('lease_until', '<', now)]),
        ]),
      )
      .executeTakeFirst();
    const row = await this.db
      .selectFrom('images')
      .select(['id', 'path', 'status', 'attempts', 'lease_until', 'recognizer_crashes'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return { kind: 'missing' };
    if (Number(result.numUpdatedRows) === 1)
      return {
        kind: 'claimed',
        claim: { id, path: row.path, attempts: row.attempts, crashes: row.recognizer_crashes },
      };
    if (row.status === 'PROCESSED' || row.status === 'FAILED')
      return { kind: 'final', status: row.status };
    return { kind: 'busy', leaseUntil: row.lease_until };
  }

  /**
   * Stores the faces and PROCESSED in one transaction, only while our claim still holds
   * (status PROCESSING with our attempts count). Returns false when the claim was lost.
   * A deadlock or lock wait timeout rolls the whole transaction back, so it is run again.
   */
  complete(claim: Claim, faces: NewFace[]): Promise<boolean> {
    return retryOnLockConflict(() => this.completeOnce(claim, faces));
  }

  private async completeOnce(claim: Claim, faces: NewFace[]): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const now = new Date();
      // The fence: this row lock also serialises every writer of this image's faces.
      const updated = await trx
        .updateTable('images')
        .set({
          status: 'PROCESSED',
          processed_at: now,
          updated_at: now,
          lease_until: null,
          error_code: null,
          error_message: null,
        })
        .where('id', '=', claim.id)
        .where('status', '=', 'PROCESSING')
        .where('attempts', '=', claim.attempts)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return false;
      await deleteFacesByPrimaryKey(trx, claim.id);
      if (faces.length > 0) {
        await trx
          .insertInto('faces')
          .values(
            faces.map((face, index) => ({
              image_id: claim.id,
              face_index: index,
              box_x: Math.round(face.box.x),
              box_y: Math.round(face.box.y),
              box_width: Math.round(face.box.width),
              box_height: Math.round(face.box.height),
              score: face.score,
              person_id: face.personId,
              distance: face.distance,
              descriptor: face.descriptor ? Buffer.from(face.descriptor) : null,
              descriptor_version: face.descriptorVersion ?? null,
              match_version: face.matchVersion ?? null,
              quality_size: face.quality ? Math.round(face.quality.size) : null,
              quality_sharpness: face.quality?.sharpness ?? null,
              quality_yaw: face.quality?.yaw ?? null,
              quality_roll: face.quality?.roll ?? null,
              unidentifiable: face.unidentifiable ?? null,
            })),
          )
          .execute();
      }
      return true;
    });
  }

  /**
   * Notes that the recognizer process died while inference ran on this photo, while our claim
   * holds. A crash while the photo ran `alone` is surely its own and counts one more; one
   * while other photos ran may be theirs, so it only marks the photo a suspect (at least 1).
   * Returns the new count, or undefined when the claim was lost.
   */
  async recordCrash(claim: Claim, { alone }: { alone: boolean }): Promise<number | undefined> {
    const crashes = alone ? claim.crashes + 1 : Math.max(claim.crashes, 1);
    const result = await this.db
      .updateTable('images')
      .set({ recognizer_crashes: crashes })
      .where('id', '=', claim.id)
      .where('status', '=', 'PROCESSING')
      .where('attempts', '=', claim.attempts)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1 ? crashes : undefined;
  }

  /** A permanent failure: FAILED with a reason, final. */
  fail(claim: Claim, code: string, message: string): Promise<boolean> {
    return this.endClaim(claim, 'FAILED', code, message);
  }

  /**
   * A transient failure: back to PENDING with the reason kept, for a later delivery to retry.
   * published_at is cleared: the delivery that brought it may be finished already (a duplicate
   * answered while this claim held), so the redeemer's short "never published" sweep covers
   * it. `uncount` gives the attempt back when the photo never reached inference.
   */
  release(claim: Claim, code: string, message: string, { uncount = false } = {}): Promise<boolean> {
    return this.endClaim(claim, 'PENDING', code, message, uncount);
  }

  /** Ends our claim with an error, only while it still holds (status PROCESSING, our attempts count). */
  private async endClaim(
    claim: Claim,
    status: 'FAILED' | 'PENDING',
    code: string,
    message: string,
    uncount = false,
  ): Promise<boolean> {
    const now = new Date();
    const result = await this.db
      .updateTable('images')
      .set({
        status,
        ...(status === 'FAILED' ? { processed_at: now } : { published_at: null }),
        ...(uncount ? { attempts: claim.attempts - 1 } : {}),
        updated_at: now,
        lease_until: null,
        error_code: code,
        error_message: message.slice(0, 1024),
      })
      .where('id', '=', claim.id)
      .where('status', '=', 'PROCESSING')
      .where('attempts', '=', claim.attempts)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Hands every PROCESSING image back to PENDING. Only for a process that knows it is the sole
   * consumer (standalone mode with its embedded queue) at start: any claim left is from a run
   * that died, and waiting for its lease would only delay the work.
   */
  async releaseOrphanedClaims(): Promise<number> {
    const result = await this.db
      .updateTable('images')
      .set({ status: 'PENDING', lease_until: null, published_at: null, updated_at: new Date() })
      .where('status', '=', 'PROCESSING')
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** PENDING images after `afterId`, in id order: the start-up re-send of standalone mode pages through them. */
  async listPending(afterId: number, limit: number): Promise<Array<{ id: number; path: string }>> {
    const rows = await this.db
      .selectFrom('images')
      .select(['id', 'path'])
      .where('status', '=', 'PENDING')
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ id: Number(row.id), path: row.path }));
  }

  /**
   * Images the queue may have lost, oldest first:
   * - PENDING and never published (the receiver's publish failed) for `unpublishedMs`;
   * - PENDING and last published more than `republishAfterMs` ago (the message may be gone;
   *   kept long because a deep queue legitimately holds images for a while);
   * - PROCESSING with an expired lease (its processor died), not re-sent since it expired.
   */
  async findStranded(options: {
    unpublishedMs: number;
    republishAfterMs: number;
    limit: number;
  }): Promise<Array<{ id: number; path: string; status: ImageStatus }>> {
    const now = Date.now();
    const unpublishedBefore = new Date(now - options.unpublishedMs);
    const publishedBefore = new Date(now - options.republishAfterMs);
    const rows = await this.db
      .selectFrom('images')
      .select(['id', 'path', 'status'])
      .where((eb) =>
        eb.or([
          eb.and([
            eb('status', '=', 'PENDING'),
            eb('published_at', 'is', null),
            eb('updated_at', '<', unpublishedBefore),
          ]),
          eb.and([
            eb('status', '=', 'PENDING'),
            eb('published_at', '<', publishedBefore),
            eb('updated_at', '<', publishedBefore),
          ]),
          // Re-sent once after the lease expired, then again only every republishAfterMs.
          eb.and([
            eb('status', '=', 'PROCESSING'),
            eb('lease_until', '<', new Date(now)),
            eb.or([
              eb('published_at', 'is', null),
              eb('published_at', '<', eb.ref('lease_until')),
              eb('published_at', '<', publishedBefore),
            ]),
          ]),
        ]),
      )
      .orderBy('id')
      .limit(options.limit)
      .execute();
    return rows.map((row) => ({ id: Number(row.id), path: row.path, status: row.status }));
  }
}

function toRecord(row: ImageRow, faces: FaceRecord[]): ImageRecord {
  const people = new Map<number, { id: number; name: string }>();
  for (const face of faces) if (face.person) people.set(face.person.id, face.person);
  return {
    id: Number(row.id),
    path: row.path,
    status: row.status,
    attempts: row.attempts,
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    processedAt: iso(row.processed_at),
    door: row.door,
    capturedAt: iso(row.captured_at),
    originalName: row.original_name,
    faces,
    people: [...people.values()].sort((a, b) => a.name.localeCompare(b.name)),
  };
}
