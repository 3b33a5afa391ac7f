import type { Logger } from '../../lib/logger.js';
import type { MemoryQueue } from '../../lib/queue/memory-queue.js';
import { createDeadLetterSink } from './dead-letter.js';
import type { RetryPolicy } from './decision.js';
import { createMessageHandler } from './handler.js';
import { createAdapterMetrics, type AdapterMetrics } from './metrics.js';
import { createSinkClient } from './sink-client.js';

export interface EmbeddedDeliveryOptions {
  /** Where events go: the processor's URL (K_SINK). */
  sink: string;
  topic: string;
  deadLetterTopic: string;
  maxInFlight: number;
  timeoutMs: number;
  policy: RetryPolicy;
}

/**
 * Standalone mode's adapter: the same message handler as the NSQ adapter (CloudEvent in
 * binary mode to the sink, FIN on 2xx, requeue with backoff, dead letter after maxAttempts),
 * fed by the in-process queue instead of nsqd.
 */
export function startEmbeddedDelivery(
  queue: MemoryQueue,
  options: EmbeddedDeliveryOptions,
  logger: Logger,
): { metrics: AdapterMetrics } {
  const metrics = createAdapterMetrics();
  const handle = createMessageHandler({
    sink: createSinkClient({ url: options.sink, timeoutMs: options.timeoutMs }),
    deadLetters: createDeadLetterSink(queue, options.deadLetterTopic),
    metrics,
    logger,
    eventOptions: { topic: options.topic, channel: 'embedded', extensions: {} },
    policy: options.policy,
  });
  queue.consume(options.topic, handle, { maxInFlight: options.maxInFlight });
  return { metrics };
}
