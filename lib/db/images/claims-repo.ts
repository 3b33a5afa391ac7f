import type { Db } from '../connect.js';
import { deleteFacesByPrimaryKey, retryOnLockConflict } from '../lock-conflicts.js';
import type { Box } from '../../box.js';
import type { ImageStatus } from '../schema.js';
import type { StoredFaceQuality } from '../../image-record.js';

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

/**
 * The processor's claim, lease and fencing protocol on an image: claim it, then complete, fail
 * or release it, or record a recognizer crash, each only while the claim still holds (status
 * PROCESSING with the attempts count the claim set: the fencing token).
 */
export class ImageClaimsRepository {
  constructor(private readonly db: Db) {}

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
    return retryOnLockConflict(() => this.#completeOnce(claim, faces));
  }

  async #completeOnce(claim: Claim, faces: NewFace[]): Promise<boolean> {
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
    return this.#endClaim(claim, 'FAILED', code, message);
  }

  /**
   * A transient failure: back to PENDING with the reason kept, for a later delivery to retry.
   * published_at is cleared: the delivery that brought it may be finished already (a duplicate
   * answered while this claim held), so the redeemer's short "never published" sweep covers
   * it. `uncount` gives the attempt back when the photo never reached inference.
   */
  release(claim: Claim, code: string, message: string, { uncount = false } = {}): Promise<boolean> {
    return this.#endClaim(claim, 'PENDING', code, message, uncount);
  }

  /** Ends our claim with an error, only while it still holds (status PROCESSING, our attempts count). */
  async #endClaim(
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
}
