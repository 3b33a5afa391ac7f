import { jest } from '@jest/globals';
import { waitFor } from '../../test/support/wait-for.js';
import { MemoryQueue } from './memory-queue.js';
import type { QueueMessage } from './queue-message.js';

/** Lets other deliveries start: a turn of the event loop, not a fixed time. */
const yieldTurn = () => new Promise((resolve) => setImmediate(resolve));
const soon = { timeoutMs: 5_000, intervalMs: 5 };

describe('MemoryQueue', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('delivers every message once when finished, at most maxInFlight at a time', async () => {
    const queue = new MemoryQueue();
    const seen: string[] = [];
    let inFlight = 0;
    let peak = 0;
    queue.consume(
      'images',
      async (message) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await yieldTurn();
        seen.push(message.body.toString());
        inFlight--;
        message.finish();
      },
      { maxInFlight: 2 },
    );
    await queue.publish('images', ['a', 'b', 'c', 'd', 'e']);
    await waitFor('all five messages', () => seen.length === 5, soon);
    expect(seen.sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(peak).toBe(2);
    expect(queue.depth('images')).toBe(0);
    await queue.close();
  });

  it('redelivers a requeued message after its delay with one more attempt', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    const queue = new MemoryQueue();
    const attempts: number[] = [];
    queue.consume('t', async (message: QueueMessage) => {
      attempts.push(message.attempts);
      if (message.attempts < 3) message.requeue(10);
      else message.finish();
    });
    await queue.publish('t', 'x');
    await jest.advanceTimersByTimeAsync(9);
    expect(attempts).toEqual([1]);
    await jest.advanceTimersByTimeAsync(1);
    expect(attempts).toEqual([1, 2]);
    await jest.advanceTimersByTimeAsync(10);
    expect(attempts).toEqual([1, 2, 3]);
    await queue.close();
  });

  it('keeps messages published before a consumer exists, and redelivers one left unanswered', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    const queue = new MemoryQueue();
    await queue.publish('t', ['early']);
    expect(queue.depth('t')).toBe(1);
    const attempts: number[] = [];
    queue.consume('t', async (message) => {
      attempts.push(message.attempts);
      if (message.attempts === 1) throw new Error('handler bug');
      message.finish();
    });
    // A handler that neither finished nor requeued gets the message again after a second.
    await jest.advanceTimersByTimeAsync(999);
    expect(attempts).toEqual([1]);
    await jest.advanceTimersByTimeAsync(1);
    expect(attempts).toEqual([1, 2]);
    await queue.close();
  });

  it('refuses to answer a message twice and to publish once closed', async () => {
    const queue = new MemoryQueue();
    const errors: string[] = [];
    queue.consume('t', async (message) => {
      message.finish();
      try {
        message.requeue(0);
      } catch (error) {
        errors.push((error as Error).message);
      }
    });
    await queue.publish('t', 'x');
    await waitFor('the second answer to be refused', () => errors.length === 1, soon);
    expect(errors).toEqual([expect.stringContaining('already finished')]);
    await queue.close();
    await expect(queue.publish('t', 'y')).rejects.toThrow('closed');
  });
});
