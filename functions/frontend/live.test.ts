import type { Change, ResultsRepository } from '../../lib/db/results-repo.js';
import { createLogger } from '../../lib/logger.js';
import { EventEmitter } from 'node:events';
import type { Request, Response } from 'express';
import { eventStream, LiveFeed } from './live.js';

/** The two queries the feed makes, over an in-memory list of image changes. */
function fakeResults() {
  const rows: Change[] = [];
  const calls = { marks: 0, reads: 0 };
  const results = {
    highWaterMark: async () => {
      calls.marks++;
      const latest = rows.reduce((max, row) => Math.max(max, Date.parse(row.updatedAt)), 0);
      return {
        maxId: rows.reduce((max, row) => Math.max(max, row.id), 0),
        maxUpdatedAt: latest ? new Date(latest) : null,
      };
    },
    changedSince: async (since: Date) => {
      calls.reads++;
      return rows.filter((row) => Date.parse(row.updatedAt) >= since.getTime());
    },
  } as unknown as ResultsRepository;
  return { rows, calls, results };
}

describe('LiveFeed', () => {
  const logger = createLogger('test', 'silent');

  it('learns where things stand first, then hands out each change once', async () => {
    const { rows, calls, results } = fakeResults();
    rows.push({ id: 1, status: 'PROCESSED', updatedAt: '2026-11-29T10:00:00.000Z' });
    const feed = new LiveFeed(results, 60_000, logger);
    const seen: Change[][] = [];
    const stop = feed.subscribe((changes) => seen.push(changes));
    await feed.poll();
    expect(seen).toEqual([]);
    // A new image, and a change committed late with an earlier time (within the overlap).
    rows.push({ id: 2, status: 'PENDING', updatedAt: '2026-11-29T10:00:05.000Z' });
    await feed.poll();
    rows.push({ id: 3, status: 'PENDING', updatedAt: '2026-11-29T10:00:04.000Z' });
    rows.push({ id: 2, status: 'PROCESSED', updatedAt: '2026-11-29T10:00:06.000Z' });
    await feed.poll();
    expect(seen.map((batch) => batch.map((change) => `${change.id}:${change.status}`))).toEqual([
      ['2:PENDING'],
      ['3:PENDING', '2:PROCESSED'],
    ]);
    // Nothing moved: one cheap query, no read of rows.
    const reads = calls.reads;
    await feed.poll();
    expect(calls.reads).toBe(reads);
    stop();
    expect(feed.listening).toBe(0);
  });

  it('polls only while someone listens', async () => {
    const { results } = fakeResults();
    const feed = new LiveFeed(results, 60_000, logger);
    expect(feed.active).toBe(false);
    const first = feed.subscribe(() => undefined);
    const second = feed.subscribe(() => undefined);
    expect(feed.active).toBe(true);
    first();
    expect(feed.active).toBe(true);
    second();
    expect(feed.active).toBe(false);
  });

  it('an event stream lets go of the feed when it ends, even if its connection never reports close', async () => {
    const { results } = fakeResults();
    const feed = new LiveFeed(results, 60_000, logger);
    const written: string[] = [];
    const ended = new Promise<void>((resolve) => {
      const res = Object.assign(new EventEmitter(), {
        writeHead: () => undefined,
        write: (chunk: string) => written.push(chunk),
        // A stuck client: the answer ends, but 'close' never comes.
        end: () => resolve(),
      });
      eventStream(feed, 20)(
        new EventEmitter() as unknown as Request,
        res as unknown as Response,
        () => undefined,
      );
    });
    expect(feed.listening).toBe(1);
    await ended;
    expect([written[0], feed.listening, feed.active]).toEqual(['retry: 1000\n\n', 0, false]);
  });
});
