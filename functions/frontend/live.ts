import type { RequestHandler } from 'express';
import type { Change, ResultsRepository } from '../../lib/db/results-repo.js';
import type { Logger } from '../../lib/logger.js';

/**
 * Changes committed a little out of order (two receivers' clocks, a long transaction) may carry
 * an updated_at just before the newest one already seen: each poll reads back this far, and
 * what was sent already is skipped.
 */
const OVERLAP_MS = 5000;
const MAX_CHANGES_PER_POLL = 500;

type Listener = (changes: Change[]) => void;

/**
 * What changed in the images table, for the pages listening on this process. Pods share no
 * memory, so each one asks the database itself: one cheap query per interval (MAX(id) and
 * MAX(updated_at), both read off an index), and the changed rows only when the mark moved.
 * It polls only while someone listens.
 */
export class LiveFeed {
  private readonly listeners = new Set<Listener>();
  private timer: NodeJS.Timeout | undefined;
  private mark: { maxId: number; maxUpdatedAt: number } | undefined;
  private readonly sent = new Map<string, number>();
  private inflight: Promise<void> | undefined;

  constructor(
    private readonly results: ResultsRepository,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  /** Calls `listener` with each batch of changes until the returned function is called. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    if (!this.timer) {
      this.timer = setInterval(() => void this.poll(), this.intervalMs);
      this.timer.unref();
      void this.poll();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  get listening(): number {
    return this.listeners.size;
  }

  /** True while the feed polls (someone listens). */
  get active(): boolean {
    return this.timer !== undefined;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.mark = undefined;
    this.sent.clear();
  }

  /** One round (or the one already running): compare the mark, read what changed, hand it out. */
  poll(): Promise<void> {
    this.inflight ??= this.round().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async round(): Promise<void> {
    try {
      const current = await this.results.highWaterMark();
      const next = { maxId: current.maxId, maxUpdatedAt: current.maxUpdatedAt?.getTime() ?? 0 };
      const previous = this.mark;
      this.mark = next;
      // The first round only learns where things stand (pages render what was there before),
      // including the changes its next round's overlap will read again.
      if (!previous) {
        const since = new Date(next.maxUpdatedAt - OVERLAP_MS);
        for (const change of await this.results.changedSince(since, MAX_CHANGES_PER_POLL))
          this.sent.set(`${change.id}@${change.updatedAt}`, Date.parse(change.updatedAt));
        return;
      }
      if (previous.maxId === next.maxId && previous.maxUpdatedAt === next.maxUpdatedAt) return;
      const since = new Date(previous.maxUpdatedAt - OVERLAP_MS);
      const changes = (await this.results.changedSince(since, MAX_CHANGES_PER_POLL)).filter(
        (change) => {
          const key = `${change.id}@${change.updatedAt}`;
          if (this.sent.has(key)) return false;
          this.sent.set(key, Date.parse(change.updatedAt));
          return true;
        },
      );
      for (const [key, at] of this.sent) if (at < since.getTime()) this.sent.delete(key);
      if (changes.length === 0) return;
      for (const listener of this.listeners) listener(changes);
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'live feed poll failed');
    }
  }
}

/**
 * GET /events: a Server-Sent Events stream of image changes (`event: images`, data: a JSON
 * array of {id, status, updatedAt}). It ends after `streamMs` and the browser reconnects by
 * itself (EventSource), so a proxy's request timeout never cuts an event in half; the page
 * refreshes once on each reconnect, covering anything missed in between.
 */
export function eventStream(feed: LiveFeed, streamMs: number): RequestHandler {
  return (req, res) => {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'private, no-store',
      connection: 'keep-alive',
      // Proxies (nginx, the Knative activator) must pass events on at once.
      'x-accel-buffering': 'no',
    });
    res.write('retry: 1000\n\n');
    const unsubscribe = feed.subscribe((changes) => {
      res.write(`event: images\ndata: ${JSON.stringify(changes)}\n\n`);
    });
    // Neither timer may keep a process alive on its own (a closing server, a test runner):
    // the connection does that while it is open.
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000).unref();
    const end = setTimeout(() => {
      cleanup();
      res.end();
    }, streamMs).unref();
    let cleaned = false;
    function cleanup() {
      if (cleaned) return;
      cleaned = true;
      clearInterval(heartbeat);
      clearTimeout(end);
      unsubscribe();
    }
    res.on('close', cleanup);
    res.on('error', cleanup);
    req.on('close', cleanup);
  };
}
