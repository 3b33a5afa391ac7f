import type { Db } from '../connect.js';
import type { ImageStatus } from '../schema.js';
import { markPublished } from './published.js';

/** The redeemer's sweeps: images the queue may have lost, and the record that they were re-sent. */
export class ImageSweepRepository {
  constructor(private readonly db: Db) {}

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

  markPublished(ids: number[]): Promise<void> {
    return markPublished(this.db, ids);
  }
}
