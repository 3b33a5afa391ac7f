import type { Transaction } from 'kysely';
import pRetry from 'p-retry';
import type { Database } from './schema.js';

/** InnoDB chose this transaction as a deadlock victim, or gave up waiting for a row lock. */
export function isLockConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT';
}

/**
 * Runs a whole transaction again when InnoDB rolled it back for a lock conflict: the rollback
 * undid everything, so a fresh run is safe. A few tries with jittered backoff so the
 * transactions that collided do not collide again in step.
 */
export function retryOnLockConflict<T>(run: () => Promise<T>, retries = 4): Promise<T> {
  return pRetry(run, {
    retries,
    minTimeout: 10,
    maxTimeout: 250,
    randomize: true,
    shouldRetry: ({ error }) => isLockConflict(error),
  });
}

/**
 * Deletes an image's faces without a range lock. `DELETE … WHERE image_id = ?` locks the gap
 * in the (image_id, face_index) index even when there is no row, and two images finishing at
 * once then deadlock on each other's insert into that gap. A plain read takes no lock (the
 * caller holds the image row, so no other writer adds faces to it meanwhile), and deleting by
 * primary key locks only the rows found.
 */
export async function deleteFacesByPrimaryKey(
  trx: Transaction<Database>,
  imageId: number,
): Promise<void> {
  const rows = await trx.selectFrom('faces').select('id').where('image_id', '=', imageId).execute();
  if (rows.length === 0) return;
  await trx
    .deleteFrom('faces')
    .where(
      'id',
      'in',
      rows.map((row) => row.id),
    )
    .execute();
}
