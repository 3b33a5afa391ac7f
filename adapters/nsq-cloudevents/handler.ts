import type { Message } from 'nsqjs';
import type { Logger } from '../../lib/logger.js';
import type { QueueMessage } from '../../lib/queue/queue-message.js';

export type { QueueMessage };
import { toBinaryHttp, toCloudEvent, type EventOptions, type OutboundEvent } from './cloudevent.js';
import { createFreeRedeliveries, type FreeRedeliveries } from './attempts.js';
import type { DeadLetterSink } from './dead-letter.js';
import {
  backoffDelay,
  decide,
  describeOutcome,
  type Decision,
  type DeliveryOutcome,
  type RetryPolicy,
} from './decision.js';
import type { AdapterMetrics } from './metrics.js';
import type { SinkClient } from './sink-client.js';

/**
 * Adapts an nsqjs message. Requeues pass `backoff = false`: nsqjs's default (true) puts the
 * whole Reader into backoff (RDY 0 on every connection, for seconds growing up to
 * maxBackoffDuration) after every requeue, which would stall all deliveries because of one
 * message; per-message delays are what the decision table asks for.
 */
export function fromNsqMessage(message: Message): QueueMessage {
  return {
    id: message.id,
    body: message.body,
    attempts: message.attempts,
    timestamp: message.timestamp,
    finish: () => message.finish(),
    requeue: (delayMs) => message.requeue(Math.max(0, Math.round(delayMs)), false),
    touch: () => message.touch(),
    // Past nsqd's max-msg-timeout touching no longer helps: report "nothing to keep alive".
    timeUntilTimeout: () =>
      message.timeUntilTimeout(true) === null ? null : message.timeUntilTimeout(),
  };
}

/**
 * TOUCHes the message at half of what is left of its timeout, again and again, until stopped.
 * Returns the stop function.
 */
export function keepAlive(message: QueueMessage, floorMs = 100): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = () => {
    const left = message.timeUntilTimeout();
    if (stopped || left === null) return;
    timer = setTimeout(
      () => {
        if (stopped) return;
        message.touch();
        schedule();
      },
      Math.max(floorMs, left / 2),
    );
  };
  schedule();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

export interface HandlerDeps {
  sink: SinkClient;
  deadLetters: DeadLetterSink;
  metrics: AdapterMetrics;
  logger: Logger;
  eventOptions: EventOptions;
  policy: RetryPolicy;
  /** Aborted when a shutdown stops waiting: in-flight POSTs end and their messages are requeued. */
  abortSignal?: AbortSignal | undefined;
  /** Deliveries given back through no fault of the message (default: a fresh memory). */
  freeRedeliveries?: FreeRedeliveries | undefined;
  /**
   * Told when the sink refuses everything (503/429) or cannot be reached: the adapter stops
   * pulling and probes the sink (backpressure.ts). The message itself has been requeued.
   */
  onBackpressure?: ((retryAfterMs: number | undefined) => void) | undefined;
  /** Told when the sink accepted an event: a good moment to forget past trouble. */
  onDelivered?: (() => void) | undefined;
}

export type HandleResult =
  Decision | { action: 'requeue-after-dead-letter-failure'; delayMs: number };

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Handles one message to the end: convert, POST (touching the message meanwhile), decide, and
 * FIN, REQ or dead-letter then FIN. Never throws; the message is always answered.
 */
export function createMessageHandler(
  deps: HandlerDeps,
): (message: QueueMessage) => Promise<HandleResult> {
  const { sink, deadLetters, metrics, logger, eventOptions, policy } = deps;
  const free = deps.freeRedeliveries ?? createFreeRedeliveries();

  async function deliver(outbound: OutboundEvent): Promise<DeliveryOutcome> {
    const started = performance.now();
    const outcome = await sink.deliver(toBinaryHttp(outbound), deps.abortSignal);
    metrics.deliveryDuration.observe(
      { outcome: describeOutcome(outcome) },
      (performance.now() - started) / 1000,
    );
    return outcome;
  }

  async function handle(message: QueueMessage): Promise<HandleResult> {
    // The message's own attempts: nsqd's count without the deliveries given back for free.
    const attempts = free.ownAttempts(message.id, message.attempts);
    const log = logger.child({ messageId: message.id, attempts, nsqAttempts: message.attempts });
    let outbound: OutboundEvent | undefined;
    let conversionError: string | undefined;
    try {
      outbound = toCloudEvent(message, eventOptions);
    } catch (error) {
      conversionError = errorMessage(error);
    }
    if (outbound?.invalidReason) {
      log.warn(
        { reason: outbound.invalidReason },
        'message looks like a CloudEvent but is not valid; wrapping it',
      );
    }
    const outcome = outbound ? await deliver(outbound) : undefined;
    const decision: Decision = outcome
      ? decide(outcome, attempts, policy)
      : { action: 'dead-letter', reason: 'unconvertible', detail: conversionError ?? 'no event' };
    const eventType = outbound?.event.type ?? 'unknown';

    switch (decision.action) {
      case 'finish':
        message.finish();
        free.forget(message.id);
        deps.onDelivered?.();
        metrics.delivered.inc({ type: eventType });
        log.debug({ eventId: outbound?.event.id, type: eventType }, 'delivered');
        return decision;
      case 'backpressure': {
        // At once when a reader stops pulling (nsqd keeps it for the next ready consumer);
        // without one (the embedded queue) after a growing wait, still not counted.
        const delayMs = deps.onBackpressure
          ? 0
          : Math.min(
              policy.backoffMaxMs,
              Math.max(decision.retryAfterMs ?? 0, backoffDelay(message.attempts, policy)),
            );
        message.requeue(delayMs);
        free.note(message.id);
        metrics.requeued.inc({ outcome: decision.retry });
        log.warn(
          {
            outcome: decision.retry,
            retryAfterMs: decision.retryAfterMs,
            ...(outcome?.kind === 'network' ? { err: outcome.error } : {}),
          },
          'sink unavailable; requeued without counting an attempt',
        );
        deps.onBackpressure?.(decision.retryAfterMs);
        return decision;
      }
      case 'requeue':
        message.requeue(decision.delayMs);
        if (decision.retry === 'shutdown') free.note(message.id);
        metrics.requeued.inc({ outcome: decision.retry });
        log.warn(
          {
            outcome: decision.retry,
            delayMs: decision.delayMs,
            ...(outcome?.kind === 'network' ? { err: outcome.error } : {}),
          },
          'delivery failed; requeued',
        );
        return decision;
      case 'dead-letter':
        try {
          await deadLetters.send({
            reason: decision.reason,
            detail: decision.detail,
            outcome,
            attempts,
            messageId: message.id,
            topic: eventOptions.topic,
            channel: eventOptions.channel,
            body: message.body,
          });
        } catch (error) {
          // Never lose a message: it stays in NSQ and the dead letter is tried again later.
          const delayMs = backoffDelay(attempts, policy);
          message.requeue(delayMs);
          metrics.deadLetterFailures.inc();
          log.error(
            { err: errorMessage(error), reason: decision.reason, delayMs },
            'could not publish the dead letter; requeued the message instead',
          );
          return { action: 'requeue-after-dead-letter-failure', delayMs };
        }
        message.finish();
        free.forget(message.id);
        metrics.deadLettered.inc({ reason: decision.reason });
        log.error(
          {
            reason: decision.reason,
            detail: decision.detail,
            ...(outcome?.kind === 'response' && outcome.body ? { response: outcome.body } : {}),
          },
          'message dead-lettered',
        );
        return decision;
    }
  }

  return async (message) => {
    const stopTouching = keepAlive(message);
    metrics.inFlight.inc();
    try {
      return await handle(message);
    } catch (error) {
      // A bug, not a delivery failure: keep the message and try again later.
      const delayMs = backoffDelay(message.attempts, policy);
      logger.error(
        { err: errorMessage(error), messageId: message.id },
        'unexpected error while handling a message',
      );
      try {
        message.requeue(delayMs);
      } catch {
        // The connection is gone; nsqd redelivers the message after its timeout.
      }
      return { action: 'requeue', delayMs, retry: 'error' };
    } finally {
      stopTouching();
      metrics.inFlight.dec();
    }
  };
}
