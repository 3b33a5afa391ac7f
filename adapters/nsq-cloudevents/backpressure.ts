import { setTimeout as sleep } from 'node:timers/promises';
import pRetry from 'p-retry';
import type { Logger } from '../../lib/logger.js';

export interface BackpressureOptions {
  /** Stop pulling: RDY 0 on every nsqd connection. */
  pause: () => void;
  /** Pull again. */
  resume: () => void;
  /** True when the sink looks able to take work again (never throws). */
  probe: () => Promise<boolean>;
  /** Wait before the first probe when the sink sent no Retry-After; doubles per failed probe. */
  probeBaseMs: number;
  /** Cap on the wait between probes (a Retry-After included). */
  probeMaxMs: number;
  logger: Logger;
  /** Told whenever the gate opens (false) or closes (true). */
  onChange?: (paused: boolean) => void;
}

export interface BackpressureGate {
  /** True while the adapter has stopped pulling because of the sink. */
  readonly paused: boolean;
  /**
   * The sink refused a delivery as a whole (503/429) or could not be reached: pause, if not
   * already, and probe until it answers, waiting at least `retryAfterMs` first.
   */
  trip(retryAfterMs: number | undefined): void;
  /** A delivery went through: the next trip starts probing from the base wait again. */
  delivered(): void;
  /** Ends probing for good (adapter shutdown); does not resume. */
  close(): Promise<void>;
}

/**
 * Backpressure instead of burnt attempts. While the sink is down, deliveries would only burn
 * every message's attempts (and, past MAX_ATTEMPTS, dead-letter the whole backlog). So the
 * first refusal pauses the reader (RDY 0: nsqd keeps the backlog), the held messages are
 * requeued uncounted by the handler, and a probe (p-retry, exponential, never giving up) asks
 * the sink's readiness URL until it answers; then the reader resumes, one message first
 * (nsqjs's TRY_ONE), the full RDY count after a success.
 */
export function createBackpressureGate(options: BackpressureOptions): BackpressureGate {
  const { logger } = options;
  const closing = new AbortController();
  let paused = false;
  let probing: Promise<void> | undefined;
  // Consecutive trips without a delivery in between: a sink whose probe says "ready" but whose
  // deliveries keep being refused (processor up, recognizer down) is probed less and less often.
  let trips = 0;

  const waitFor = (retryAfterMs: number | undefined) =>
    Math.min(
      options.probeMaxMs,
      Math.max(retryAfterMs ?? 0, options.probeBaseMs * 2 ** Math.min(trips - 1, 20)),
    );

  async function probeUntilHealthy(firstWaitMs: number): Promise<void> {
    const started = Date.now();
    try {
      await sleep(firstWaitMs, undefined, { signal: closing.signal });
      await pRetry(
        async () => {
          if (!(await options.probe())) throw new Error('the sink is not ready');
        },
        {
          retries: Infinity,
          factor: 2,
          minTimeout: Math.max(1, Math.min(options.probeBaseMs, options.probeMaxMs)),
          maxTimeout: options.probeMaxMs,
          signal: closing.signal,
          onFailedAttempt: ({ attemptNumber }) => {
            if (attemptNumber % 10 === 1)
              logger.warn(
                { probes: attemptNumber, downForMs: Date.now() - started },
                'sink still unavailable; not pulling messages',
              );
          },
        },
      );
    } catch {
      return; // Closed while probing.
    }
    if (closing.signal.aborted) return;
    paused = false;
    options.onChange?.(false);
    logger.info({ downForMs: Date.now() - started }, 'sink available again; pulling messages');
    options.resume();
  }

  return {
    get paused() {
      return paused;
    },
    trip(retryAfterMs) {
      if (paused || closing.signal.aborted) return;
      paused = true;
      trips += 1;
      options.pause();
      options.onChange?.(true);
      const firstWaitMs = waitFor(retryAfterMs);
      logger.warn({ firstProbeInMs: firstWaitMs }, 'sink unavailable; stopped pulling (RDY 0)');
      probing = probeUntilHealthy(firstWaitMs).finally(() => {
        probing = undefined;
      });
    },
    delivered() {
      trips = 0;
    },
    async close() {
      closing.abort();
      await probing;
    },
  };
}
