import { jest } from '@jest/globals';
import { createLogger } from '../../lib/logger.js';
import type { BinaryHttpMessage } from './cloudevent.js';
import type { DeadLetterInfo } from './dead-letter.js';
import type { DeliveryOutcome } from './decision.js';
import { createMessageHandler, keepAlive, type HandlerDeps, type QueueMessage } from './handler.js';
import { createAdapterMetrics } from './metrics.js';

class FakeMessage implements QueueMessage {
  readonly id = '0a1b2c3d4e5f6789';
  readonly body: Buffer;
  readonly timestamp = undefined;
  readonly responses: string[] = [];
  touches = 0;
  private lastTouched = Date.now();

  constructor(
    body: string,
    readonly attempts = 1,
    private readonly msgTimeoutMs: number | null = 60_000,
  ) {
    this.body = Buffer.from(body);
  }
  finish() {
    this.responses.push('FIN');
  }
  requeue(delayMs: number) {
    this.responses.push(`REQ ${delayMs}`);
  }
  touch() {
    this.touches += 1;
    this.lastTouched = Date.now();
  }
  timeUntilTimeout() {
    if (this.msgTimeoutMs === null) return null;
    return Math.max(0, this.lastTouched + this.msgTimeoutMs - Date.now());
  }
}

function setup(
  outcomes: DeliveryOutcome[],
  options: {
    deadLetterFails?: boolean;
    sinkDelayMs?: number;
    onBackpressure?: (retryAfterMs: number | undefined) => void;
  } = {},
) {
  const sent: BinaryHttpMessage[] = [];
  const deadLetters: DeadLetterInfo[] = [];
  const metrics = createAdapterMetrics();
  const deps: HandlerDeps = {
    sink: {
      deliver: async (message) => {
        sent.push(message);
        if (options.sinkDelayMs)
          await new Promise((resolve) => setTimeout(resolve, options.sinkDelayMs));
        return outcomes.shift() ?? { kind: 'response', status: 200 };
      },
    },
    deadLetters: {
      send: async (info) => {
        if (options.deadLetterFails) throw new Error('nsqd down');
        deadLetters.push(info);
      },
    },
    metrics,
    logger: createLogger('test', 'silent'),
    eventOptions: { topic: 'images', channel: 'processor', extensions: { cluster: 'east' } },
    policy: { maxAttempts: 3, backoffBaseMs: 100, backoffMaxMs: 1000 },
    onBackpressure: options.onBackpressure,
  };
  return { handle: createMessageHandler(deps), sent, deadLetters, metrics };
}

async function counter(
  metrics: ReturnType<typeof createAdapterMetrics>,
  name: string,
): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((entry) => entry.name === name);
  return (metric?.values ?? []).reduce((sum, value) => sum + value.value, 0);
}

describe('createMessageHandler', () => {
  it('finishes after a 2xx, having sent the event in binary mode', async () => {
    const { handle, sent, metrics } = setup([{ kind: 'response', status: 202 }]);
    const message = new FakeMessage('{"imageId":7}');
    await expect(handle(message)).resolves.toEqual({ action: 'finish' });
    expect(message.responses).toEqual(['FIN']);
    expect(sent[0]!.headers).toMatchObject({
      'ce-type': 'dev.facetrail.nsq.message',
      'ce-cluster': 'east',
    });
    expect(await counter(metrics, 'facetrail_adapter_delivered_total')).toBe(1);
  });

  it('requeues a retryable failure with its backoff', async () => {
    const { handle, metrics } = setup([{ kind: 'response', status: 500, retryAfterMs: 700 }]);
    const message = new FakeMessage('x', 2);
    await handle(message);
    expect(message.responses).toEqual(['REQ 700']);
    expect(await counter(metrics, 'facetrail_adapter_requeued_total')).toBe(1);
  });

  it('gives a refused message back at once, uncounted, and reports the backpressure', async () => {
    const tripped: Array<number | undefined> = [];
    const { handle, deadLetters } = setup(
      [
        { kind: 'response', status: 503, retryAfterMs: 700 },
        { kind: 'network', error: 'ECONNREFUSED' },
        { kind: 'response', status: 500 },
      ],
      { onBackpressure: (ms) => tripped.push(ms) },
    );
    // nsqd counts every delivery; the two refused ones are not the message's failures.
    await handle(new FakeMessage('x', 1));
    await handle(new FakeMessage('x', 2));
    const third = new FakeMessage('x', 3);
    await handle(third);
    expect(tripped).toEqual([700, undefined]);
    expect(third.responses).toEqual(['REQ 100']);
    expect(deadLetters).toHaveLength(0);
  });

  it('dead-letters at MAX_ATTEMPTS and finishes', async () => {
    const { handle, deadLetters, metrics } = setup([
      { kind: 'response', status: 500, body: 'boom' },
    ]);
    const message = new FakeMessage('x', 3);
    await handle(message);
    expect(message.responses).toEqual(['FIN']);
    expect(deadLetters).toEqual([
      expect.objectContaining({
        reason: 'max-attempts',
        attempts: 3,
        messageId: message.id,
        body: message.body,
      }),
    ]);
    expect(await counter(metrics, 'facetrail_adapter_dead_lettered_total')).toBe(1);
  });

  it('dead-letters a non-retryable 4xx at once', async () => {
    const { handle, deadLetters } = setup([{ kind: 'response', status: 400 }]);
    const message = new FakeMessage('x', 1);
    await handle(message);
    expect(message.responses).toEqual(['FIN']);
    expect(deadLetters[0]).toMatchObject({
      reason: 'non-retryable-status',
      detail: 'sink answered 400',
    });
  });

  it('requeues instead when the dead letter cannot be published', async () => {
    const { handle, metrics } = setup([{ kind: 'response', status: 400 }], {
      deadLetterFails: true,
    });
    const message = new FakeMessage('x', 1);
    await expect(handle(message)).resolves.toEqual({
      action: 'requeue-after-dead-letter-failure',
      delayMs: 100,
    });
    expect(message.responses).toEqual(['REQ 100']);
    expect(await counter(metrics, 'facetrail_adapter_dead_letter_failures_total')).toBe(1);
  });

  it('touches the message while a slow delivery runs', async () => {
    jest.useFakeTimers();
    try {
      const { handle } = setup([{ kind: 'response', status: 200 }], { sinkDelayMs: 700 });
      const message = new FakeMessage('x', 1, 400);
      const handling = handle(message);
      await jest.advanceTimersByTimeAsync(700);
      await handling;
      expect(message.touches).toBeGreaterThanOrEqual(2);
      expect(message.responses).toEqual(['FIN']);
      // Stopped with the delivery: no timer left, no touch later.
      const touches = message.touches;
      expect(jest.getTimerCount()).toBe(0);
      await jest.advanceTimersByTimeAsync(10_000);
      expect(message.touches).toBe(touches);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('keepAlive', () => {
  it('does nothing for a message without a timeout', async () => {
    jest.useFakeTimers();
    try {
      const message = new FakeMessage('x', 1, null);
      const stop = keepAlive(message);
      expect(jest.getTimerCount()).toBe(0);
      await jest.advanceTimersByTimeAsync(10_000);
      stop();
      expect(message.touches).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });
});
