import type { ImageInserts } from '../../lib/db/images/batch-inserts.js';
import type {
  IdempotencyInput,
  ImageIngestRepository,
  NewImage,
} from '../../lib/db/images/ingest-repo.js';
import { publishImageEvents } from '../../lib/events/publish-image-events.js';
import type { Logger } from '../../lib/logger.js';
import type { Publisher } from '../../lib/queue/publisher.js';
import { isTransientDatabaseError } from '../../lib/transient-errors.js';

/** Rows one batch may hold; a larger submission goes in a batch of its own. */
export const MAX_BATCH_ROWS = 1000;

/**
 * Batches written at once: while one waits for its publish and its "published" mark, the next
 * can commit (two of the receiver's pooled connections).
 */
export const MAX_BATCHES_IN_FLIGHT = 2;

export interface IngestBatcherDeps {
  inserts: Pick<ImageInserts, 'insertAll'>;
  images: Pick<ImageIngestRepository, 'createImages' | 'markPublished'>;
  publisher: Publisher;
  topic: string;
  logger: Logger;
}

export interface Accepted {
  ids: number[];
  /** The idempotency key was used before: these are the first request's rows, not published again. */
  replayed: boolean;
}

interface Pending {
  images: NewImage[];
  idempotency: IdempotencyInput | undefined;
  resolve(accepted: Accepted): void;
  reject(error: unknown): void;
}

/**
 * Group commit for ingest. Submissions that arrive while a batch is being written wait for it,
 * then go together: one transaction for all their rows, one MPUB for all their events and one
 * UPDATE marking them published. Alone, a submission goes at once (no timer, no added delay);
 * under load, a thousand requests a second cost a few dozen commits instead of a thousand.
 *
 * Each submission still gets its own answer: its rows exist before it resolves, a failed
 * publish leaves them PENDING and unpublished for the redeemer, and a batch that fails for a
 * reason of one submission (an idempotency key raced, a value the database refuses) is retried
 * one submission at a time, so that only that one fails.
 */
export class IngestBatcher {
  private readonly queue: Pending[] = [];
  private writers = 0;

  constructor(private readonly deps: IngestBatcherDeps) {}

  accept(images: NewImage[], idempotency?: IdempotencyInput): Promise<Accepted> {
    return new Promise<Accepted>((resolve, reject) => {
      this.queue.push({ images, idempotency, resolve, reject });
      if (this.writers < MAX_BATCHES_IN_FLIGHT) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writers++;
    try {
      while (this.queue.length > 0) {
        const batch = this.takeBatch();
        // write() answers each submission itself; this only guards against a bug leaving one waiting.
        await this.write(batch).catch((error: unknown) => {
          for (const pending of batch) pending.reject(error);
        });
      }
    } finally {
      this.writers--;
    }
  }

  private takeBatch(): Pending[] {
    let rows = this.queue[0]!.images.length;
    let count = 1;
    while (count < this.queue.length && rows + this.queue[count]!.images.length <= MAX_BATCH_ROWS)
      rows += this.queue[count++]!.images.length;
    return this.queue.splice(0, count);
  }

  private async write(batch: Pending[]): Promise<void> {
    let outcomes: Array<{ pending: Pending; accepted?: Accepted; error?: unknown }>;
    try {
      const ids = await this.deps.inserts.insertAll(batch);
      outcomes = batch.map((pending, index) => ({
        pending,
        accepted: { ids: ids[index]!, replayed: false },
      }));
    } catch (error) {
      // The database is away: every submission of the batch would fail the same way alone.
      if (isTransientDatabaseError(error)) {
        for (const pending of batch) pending.reject(error);
        return;
      }
      outcomes = await Promise.all(
        batch.map(async (pending) => {
          try {
            return {
              pending,
              accepted: await this.deps.images.createImages(pending.images, pending.idempotency),
            };
          } catch (own) {
            return { pending, error: own };
          }
        }),
      );
    }
    const created = outcomes.flatMap(({ pending, accepted }) =>
      accepted && !accepted.replayed
        ? accepted.ids.map((id, index) => ({ id, path: pending.images[index]!.path }))
        : [],
    );
    await this.publish(created);
    for (const { pending, accepted, error } of outcomes) {
      if (accepted) pending.resolve(accepted);
      else pending.reject(error);
    }
  }

  /** One MPUB for the batch; a failure leaves the rows PENDING and unpublished for the redeemer. */
  private async publish(events: Array<{ id: number; path: string }>): Promise<void> {
    try {
      await publishImageEvents(this.deps, events);
    } catch (error) {
      // Not published, or published but not marked: the redeemer re-sends; a duplicate is harmless.
      this.deps.logger.warn(
        { err: (error as Error).message, imageIds: events.map((event) => event.id) },
        'publishing failed; images stay PENDING for the redeemer',
      );
    }
  }
}
