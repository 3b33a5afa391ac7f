import { randomBytes } from 'node:crypto';
import type { Publisher } from './publisher.js';
import type { QueueMessage } from './queue-message.js';

interface Entry {
  id: string;
  body: Buffer;
  attempts: number;
  timestamp: bigint;
}

type Handler = (message: QueueMessage) => Promise<unknown>;

interface Topic {
  ready: Entry[];
  /** Requeued messages waiting for their delay. */
  delayed: Set<NodeJS.Timeout>;
  consumer?: { handler: Handler; maxInFlight: number; inFlight: Set<Promise<unknown>> };
}

/**
 * The embedded queue of standalone mode: topics in memory, at-least-once delivery to one
 * consumer per topic with at most maxInFlight messages in flight, FIN/REQ like NSQ. Nothing
 * survives the process: the database is the source of truth and, at start, the redeemer
 * sweep re-sends whatever was still PENDING.
 */
export class MemoryQueue implements Publisher {
  private readonly topics = new Map<string, Topic>();
  private closed = false;

  async publish(topic: string, body: Buffer | string | Array<Buffer | string>): Promise<void> {
    if (this.closed) throw new Error('the embedded queue is closed');
    const bodies = Array.isArray(body) ? body : [body];
    const entries = this.topic(topic).ready;
    for (const item of bodies) {
      entries.push({
        // 16 hex characters, the shape of an NSQ message id.
        id: randomBytes(8).toString('hex'),
        body: Buffer.isBuffer(item) ? item : Buffer.from(item),
        attempts: 0,
        timestamp: process.hrtime.bigint(),
      });
    }
    this.pump(topic);
  }

  /** Messages waiting (not in flight, not delayed) on a topic: for tests and metrics. */
  depth(topic: string): number {
    return this.topics.get(topic)?.ready.length ?? 0;
  }

  /** Delivers the topic's messages to `handler`, which must finish or requeue each. */
  consume(topic: string, handler: Handler, { maxInFlight = 4 } = {}): void {
    const entry = this.topic(topic);
    if (entry.consumer) throw new Error(`topic ${topic} already has a consumer`);
    entry.consumer = { handler, maxInFlight, inFlight: new Set() };
    this.pump(topic);
  }

  /** Stops delivering, waits for messages in flight (up to `timeoutMs`), drops the rest. */
  async close(timeoutMs = 10_000): Promise<void> {
    this.closed = true;
    const inFlight: Promise<unknown>[] = [];
    for (const topic of this.topics.values()) {
      for (const timer of topic.delayed) clearTimeout(timer);
      topic.delayed.clear();
      inFlight.push(...(topic.consumer?.inFlight ?? []));
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(inFlight),
      new Promise((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  private topic(name: string): Topic {
    let topic = this.topics.get(name);
    if (!topic) {
      topic = { ready: [], delayed: new Set() };
      this.topics.set(name, topic);
    }
    return topic;
  }

  private pump(name: string): void {
    const topic = this.topic(name);
    const consumer = topic.consumer;
    if (!consumer || this.closed) return;
    while (consumer.inFlight.size < consumer.maxInFlight && topic.ready.length > 0) {
      const entry = topic.ready.shift()!;
      entry.attempts++;
      let answered = false;
      const answer = () => {
        if (answered) throw new Error(`message ${entry.id} was already finished or requeued`);
        answered = true;
      };
      const message: QueueMessage = {
        id: entry.id,
        body: entry.body,
        attempts: entry.attempts,
        timestamp: entry.timestamp,
        finish: () => answer(),
        requeue: (delayMs) => {
          answer();
          if (this.closed) return;
          const timer = setTimeout(
            () => {
              topic.delayed.delete(timer);
              topic.ready.push(entry);
              this.pump(name);
            },
            Math.max(0, delayMs),
          );
          topic.delayed.add(timer);
        },
        touch: () => undefined,
        // In memory there is no redelivery timeout to keep alive.
        timeUntilTimeout: () => null,
      };
      const delivery = consumer
        .handler(message)
        .catch(() => undefined)
        .finally(() => {
          consumer.inFlight.delete(delivery);
          // A handler that neither finished nor requeued: deliver again rather than lose it.
          if (!answered) message.requeue(1000);
          this.pump(name);
        });
      consumer.inFlight.add(delivery);
    }
  }
}
