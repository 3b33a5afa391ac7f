import { describe, expect, it } from '@jest/globals';
import type { InsertRequest } from '../../lib/db/images/batch-inserts.js';
import type { IdempotencyInput, NewImage } from '../../lib/db/images/ingest-repo.js';
import { createLogger } from '../../lib/logger.js';
import { IngestBatcher, MAX_BATCHES_IN_FLIGHT } from './ingest-batcher.js';

/** A database and a queue in memory that count their round trips. */
function fakes({
  failPublish = false,
  failBatchWith,
}: { failPublish?: boolean; failBatchWith?: Error } = {}) {
  let nextId = 1;
  const calls = { insertAll: 0, createImages: 0, publish: 0, markPublished: [] as number[][] };
  const published: string[] = [];
  const deps = {
    inserts: {
      async insertAll(requests: InsertRequest[]) {
        calls.insertAll++;
        await new Promise((resolve) => setImmediate(resolve));
        if (failBatchWith && requests.length > 1) throw failBatchWith;
        return requests.map(({ images }) => images.map(() => nextId++));
      },
    },
    images: {
      async createImages(images: Array<string | NewImage>, idempotency?: IdempotencyInput) {
        calls.createImages++;
        if (idempotency?.key === 'used') return { ids: [99], replayed: true };
        return { ids: images.map(() => nextId++), replayed: false };
      },
      async markPublished(ids: number[]) {
        calls.markPublished.push(ids);
      },
    },
    publisher: {
      async publish(_topic: string, body: Buffer | string | Array<Buffer | string>) {
        calls.publish++;
        if (failPublish) throw new Error('nsqd is away');
        for (const message of [body].flat()) published.push(String(message));
      },
      async close() {},
    },
    topic: 'images',
    logger: createLogger('test', 'silent'),
  };
  return { batcher: new IngestBatcher(deps), calls, published };
}

const photo = (name: string): NewImage[] => [{ path: `${name}.jpg` }];

/** Submissions that take every writer, so that the ones after them wait and form one batch. */
const occupyWriters = (batcher: IngestBatcher) =>
  Array.from({ length: MAX_BATCHES_IN_FLIGHT }, (_, index) =>
    batcher.accept(photo(`busy${index}`)),
  );

describe('IngestBatcher', () => {
  it('writes concurrent submissions in a few batches, each answered with its own ids', async () => {
    const { batcher, calls, published } = fakes();
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, index) => batcher.accept(photo(`p${index}`))),
    );
    expect(new Set(answers.flatMap((answer) => answer.ids)).size).toBe(50);
    expect(answers.every((answer) => answer.ids.length === 1 && !answer.replayed)).toBe(true);
    // The first ones go alone at once, one per writer; the rest arrived meanwhile and share a batch.
    expect(calls.insertAll).toBe(MAX_BATCHES_IN_FLIGHT + 1);
    expect(calls.publish).toBe(MAX_BATCHES_IN_FLIGHT + 1);
    expect(calls.markPublished.flat().sort((a, b) => a - b)).toEqual(
      answers.flatMap((answer) => answer.ids).sort((a, b) => a - b),
    );
    expect(published).toHaveLength(50);
  });

  it('answers after a failed publish, leaving the rows unmarked for the redeemer', async () => {
    const { batcher, calls } = fakes({ failPublish: true });
    const answers = await Promise.all([batcher.accept(photo('a')), batcher.accept(photo('b'))]);
    expect(answers.map((answer) => answer.ids.length)).toEqual([1, 1]);
    expect(calls.markPublished).toEqual([]);
  });

  it('retries a failed batch one submission at a time, so a replay is answered as one', async () => {
    const { batcher, calls, published } = fakes({ failBatchWith: new Error('duplicate key') });
    const busy = occupyWriters(batcher);
    const [first, second, replay] = await Promise.all([
      batcher.accept(photo('a')),
      batcher.accept(photo('b')),
      batcher.accept(photo('c'), { key: 'used', requestHash: 'h' }),
    ]);
    expect(first!.replayed).toBe(false);
    expect(second!.replayed).toBe(false);
    expect(replay).toEqual({ ids: [99], replayed: true });
    await Promise.all(busy);
    expect(calls.createImages).toBe(3);
    // A replay publishes nothing again.
    expect(published).toHaveLength(MAX_BATCHES_IN_FLIGHT + 2);
  });

  it('fails every submission of a batch when the database is away, without retrying each', async () => {
    const away = Object.assign(new Error('gone'), { code: 'PROTOCOL_CONNECTION_LOST' });
    const { batcher, calls } = fakes({ failBatchWith: away });
    const busy = occupyWriters(batcher);
    const results = await Promise.allSettled([
      batcher.accept(photo('a')),
      batcher.accept(photo('b')),
    ]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    await Promise.all(busy);
    expect(calls.createImages).toBe(0);
  });
});
