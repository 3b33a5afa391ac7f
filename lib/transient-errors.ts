/**
 * The one place that decides whether a failure of a dependency is transient: the database or
 * the queue is down, slow or busy, so the same call later may succeed. Callers answer those
 * with 503 and Retry-After (or the gRPC UNAVAILABLE) instead of a 500. Decided from driver
 * codes and numbers, never from message text.
 */

/** mysql2 and Node codes of a connection that failed, was lost, or a lock that gave way. */
const TRANSIENT_DATABASE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_LOCK_DEADLOCK',
  // MySQL 8: max_execution_time ran out; the wait_timeout closed the session.
  'ER_QUERY_TIMEOUT',
  'ER_CLIENT_INTERACTION_TIMEOUT',
  // lib/db/connect.ts: no pooled connection within the acquire timeout, or the queue is full.
  'DATABASE_ACQUIRE_TIMEOUT',
  'DATABASE_QUEUE_FULL',
  // SQLite (standalone mode, libsql): another writer held the file past its busy timeout.
  'SQLITE_BUSY',
]);

/** MariaDB error numbers mysql2 has no name for. */
const TRANSIENT_DATABASE_ERRNOS = new Set([
  1927, // ER_CONNECTION_KILLED: KILL CONNECTION, or the server is going down.
  1969, // ER_STATEMENT_TIMEOUT: max_statement_time ran out.
]);

/** The error and its causes, outermost first (a wrapper may carry the driver's error). */
function* causes(error: unknown): Generator<{ code?: unknown; errno?: unknown }> {
  const seen = new Set<unknown>();
  let current = error;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    yield current as { code?: unknown; errno?: unknown };
    current = (current as { cause?: unknown }).cause;
  }
}

/** A database error that a retry later may get past (connection lost, server gone, busy, lock). */
export function isTransientDatabaseError(error: unknown): boolean {
  // A queue failure may carry the socket error that caused it: it is still the queue's.
  if (isTransientQueueError(error)) return false;
  for (const { code, errno } of causes(error)) {
    if (typeof code === 'string' && TRANSIENT_DATABASE_CODES.has(code)) return true;
    if (typeof errno === 'number' && TRANSIENT_DATABASE_ERRNOS.has(errno)) return true;
  }
  return false;
}

/** The code a publisher's failure carries once every retry failed (lib/queue). */
export const QUEUE_UNAVAILABLE_CODE = 'QUEUE_UNAVAILABLE';

/** The queue did not take a message, after the publisher's own retries. */
export class QueueUnavailableError extends Error {
  override name = 'QueueUnavailableError';
  readonly code = QUEUE_UNAVAILABLE_CODE;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A publish that failed because the queue was unreachable or did not answer in time. */
export function isTransientQueueError(error: unknown): boolean {
  for (const { code } of causes(error)) if (code === QUEUE_UNAVAILABLE_CODE) return true;
  return false;
}
