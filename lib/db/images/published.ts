import type { Db } from '../connect.js';

/**
 * Records that these images' events went onto the queue. The receiver marks what it published,
 * the redeemer what it re-sent: one statement, so both answer the redeemer's sweep alike.
 */
export async function markPublished(db: Db, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable('images').set({ published_at: new Date() }).where('id', 'in', ids).execute();
}
