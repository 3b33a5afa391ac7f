import type { MysqlPool, MysqlPoolConnection } from 'kysely';
import type { Pool, PoolConnection } from 'mysql2';

/** Why a query never got a connection: the caller answers 503 (lib/transient-errors). */
export class DatabaseBusyError extends Error {
  override name = 'DatabaseBusyError';

  constructor(
    readonly code: 'DATABASE_ACQUIRE_TIMEOUT' | 'DATABASE_QUEUE_FULL',
    message: string,
  ) {
    super(message);
  }
}

export interface PoolLimits {
  /** Callers that may wait for a connection at once; one more is refused at once. */
  queueLimit: number;
  /** How long a caller waits for a connection (a new one's connect included) before giving up. */
  acquireTimeoutMs: number;
}

/**
 * mysql2's pool as Kysely's, with a bound on waiting: mysql2 has no acquire timeout for pools,
 * so a caller would wait for ever behind connections that never come back, and its queue
 * limit fails with no code to decide from. A connection that arrives after its caller gave up
 * goes straight back to the pool.
 */
export function boundedPool(pool: Pool, limits: PoolLimits): MysqlPool {
  let waiting = 0;
  return {
    getConnection(callback: (error: unknown, connection: MysqlPoolConnection) => void) {
      if (waiting >= limits.queueLimit) {
        const error = new DatabaseBusyError(
          'DATABASE_QUEUE_FULL',
          `${waiting} queries already wait for a database connection`,
        );
        process.nextTick(() => callback(error, undefined as never));
        return;
      }
      waiting++;
      let answered = false;
      const timer = setTimeout(() => {
        answered = true;
        waiting--;
        callback(
          new DatabaseBusyError(
            'DATABASE_ACQUIRE_TIMEOUT',
            `no database connection within ${limits.acquireTimeoutMs} ms`,
          ),
          undefined as never,
        );
      }, limits.acquireTimeoutMs);
      pool.getConnection((error: unknown, connection: PoolConnection) => {
        if (answered) {
          connection?.release();
          return;
        }
        answered = true;
        waiting--;
        clearTimeout(timer);
        callback(error, connection as unknown as MysqlPoolConnection);
      });
    },
    end: (callback) => pool.end(callback),
  };
}
