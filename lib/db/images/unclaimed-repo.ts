import type { Db } from '../connect.js';

/**
 * The redeemer's view of images whose message may have been lost by the queue: PENDING, last
 * published before a cutoff, and not claimed since. (A claim makes the image PROCESSING; a claim
 * that gives the image back clears `published_at`, so a PENDING image with an old
 * `published_at` is one no processor has touched since it was last handed to the queue.)
 */
export class UnclaimedImagesRepository {
  constructor(private readonly db: Db) {}

  async count(publishedBefore: Date): Promise<number> {
    const row = await this.db
      .selectFrom('images')
      .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
      .where('status', '=', 'PENDING')
      .where('published_at', '<', publishedBefore)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** The longest-waiting first: in a FIFO queue their messages are the likeliest to be gone. */
  async oldest(publishedBefore: Date, limit: number): Promise<Array<{ id: number; path: string }>> {
    const rows = await this.db
      .selectFrom('images')
      .select(['id', 'path'])
      .where('status', '=', 'PENDING')
      .where('published_at', '<', publishedBefore)
      .orderBy('published_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ id: Number(row.id), path: row.path }));
  }
}
