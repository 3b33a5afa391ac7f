/**
 * nsqd counts every delivery of a message as an attempt, including the ones the adapter gave
 * back without trying the sink's judgement on it: deliveries that met backpressure (the sink
 * down or refusing everything) and deliveries requeued by a shutdown. Those are not failures of
 * the message, so the adapter remembers them per message id and takes them off nsqd's count.
 *
 * The memory is this process's own and bounded (the oldest ids are forgotten first). A message
 * redelivered to another adapter replica, or after a restart, is judged on nsqd's full count,
 * which can only make it reach MAX_ATTEMPTS sooner, never lose it: the processor's own attempts
 * in the database (MAX_IMAGE_ATTEMPTS) remain the authority on a photo, and its answers to a
 * photo that keeps failing are final (200), not errors the adapter retries.
 */
export interface FreeRedeliveries {
  /** Remember that this delivery of the message was given back through no fault of its own. */
  note(messageId: string): void;
  /** nsqd's attempts minus the free deliveries seen: the message's own attempts, at least 1. */
  ownAttempts(messageId: string, nsqAttempts: number): number;
  /** The message left the queue (finished or dead-lettered): its count is no longer needed. */
  forget(messageId: string): void;
}

export function createFreeRedeliveries(maxTracked = 100_000): FreeRedeliveries {
  // A Map iterates in insertion order: the first key is the oldest one.
  const free = new Map<string, number>();
  return {
    note(messageId) {
      const count = (free.get(messageId) ?? 0) + 1;
      free.delete(messageId);
      free.set(messageId, count);
      if (free.size > maxTracked) free.delete(free.keys().next().value!);
    },
    ownAttempts(messageId, nsqAttempts) {
      return Math.max(1, nsqAttempts - (free.get(messageId) ?? 0));
    },
    forget(messageId) {
      free.delete(messageId);
    },
  };
}
