/**
 * A message as the handler needs it. NSQ messages are adapted by fromNsqMessage; an in-process
 * queue (standalone mode) can implement it too and share the same delivery logic.
 */
export interface QueueMessage {
  readonly id: string;
  readonly body: Buffer;
  /** Deliveries so far, this one included (nsqd counts from 1). */
  readonly attempts: number;
  /** Publication time, nanoseconds since the epoch, when known. */
  readonly timestamp?: bigint | undefined;
  finish(): void;
  /** Back to the queue, to be delivered again after `delayMs`. */
  requeue(delayMs: number): void;
  /** Resets the queue's redelivery timer. */
  touch(): void;
  /** Milliseconds before the queue redelivers the message unless touched; null = not applicable. */
  timeUntilTimeout(): number | null;
}
