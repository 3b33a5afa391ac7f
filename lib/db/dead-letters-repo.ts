import type { Db } from './connect.js';
import { isDuplicateKeyError } from './connect.js';

export interface NewDeadLetter {
  messageId: string;
  imageId: number | null;
  reason: string;
  detail: string;
  status: number | null;
  attempts: number;
  body: string;
  bodyEncoding: 'utf8' | 'base64';
}

/** A dead letter as the admin API shows it (the body only where replay needs it). */
export interface DeadLetterRecord extends Omit<NewDeadLetter, 'body' | 'bodyEncoding'> {
  id: number;
  receivedAt: string;
  replayedAt: string | null;
}

/** Dead letters drained from the dead-letter topic: the redeemer writes, an admin reads. */
export class DeadLettersRepository {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Stores one; false when that message was stored already (drained twice). */
  async insert(letter: NewDeadLetter): Promise<boolean> {
    try {
      await this.db
        .insertInto('dead_letters')
        .values({
          message_id: letter.messageId.slice(0, 64),
          image_id: letter.imageId,
          reason: letter.reason.slice(0, 64),
          detail: letter.detail.slice(0, 1024),
          status: letter.status,
          attempts: letter.attempts,
          body: letter.body,
          body_encoding: letter.bodyEncoding,
          received_at: this.now(),
          replayed_at: null,
        })
        .execute();
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  /**
   * Drops the dead letters about an image that no longer needs them: final (PROCESSED or
   * FAILED, another delivery got through) or gone (deleted): those of one image, or of every
   * image. Returns how many.
   */
  async dropSettled(imageId?: number): Promise<number> {
    const letters = this.db.deleteFrom('dead_letters');
    const result = await (
      imageId === undefined
        ? letters.where('image_id', 'is not', null)
        : letters.where('image_id', '=', imageId)
    )
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('images')
              .select('images.id')
              .whereRef('images.id', '=', 'dead_letters.image_id')
              .where('images.status', 'in', ['PENDING', 'PROCESSING']),
          ),
        ),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Oldest first. */
  async list(options: { limit: number; afterId?: number }): Promise<DeadLetterRecord[]> {
    let query = this.db.selectFrom('dead_letters').selectAll().orderBy('id').limit(options.limit);
    if (options.afterId !== undefined) query = query.where('id', '>', options.afterId);
    const rows = await query.execute();
    return rows.map((row) => ({
      id: Number(row.id),
      messageId: row.message_id,
      imageId: row.image_id === null ? null : Number(row.image_id),
      reason: row.reason,
      detail: row.detail,
      status: row.status,
      attempts: row.attempts,
      receivedAt: row.received_at.toISOString(),
      replayedAt: row.replayed_at ? row.replayed_at.toISOString() : null,
    }));
  }

  /** The given ones (or every one not replayed yet), with what replaying them needs. */
  async forReplay(
    ids: number[] | undefined,
    limit: number,
  ): Promise<Array<{ id: number; imageId: number | null; body: Buffer }>> {
    let query = this.db
      .selectFrom('dead_letters')
      .select(['id', 'image_id', 'body', 'body_encoding'])
      .orderBy('id')
      .limit(limit);
    query = ids ? query.where('id', 'in', ids) : query.where('replayed_at', 'is', null);
    const rows = await query.execute();
    return rows.map((row) => ({
      id: Number(row.id),
      imageId: row.image_id === null ? null : Number(row.image_id),
      body: Buffer.from(row.body, row.body_encoding === 'base64' ? 'base64' : 'utf8'),
    }));
  }

  async markReplayed(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('dead_letters')
      .set({ replayed_at: this.now() })
      .where('id', 'in', ids)
      .execute();
  }

  /** Deletes the given ones, or all of them. */
  async purge(ids?: number[]): Promise<number> {
    if (ids && ids.length === 0) return 0;
    let query = this.db.deleteFrom('dead_letters');
    if (ids) query = query.where('id', 'in', ids);
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
