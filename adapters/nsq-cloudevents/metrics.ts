import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface AdapterMetrics {
  registry: Registry;
  delivered: Counter<'type'>;
  requeued: Counter<'outcome'>;
  deadLettered: Counter<'reason'>;
  deadLetterFailures: Counter;
  deliveryDuration: Histogram<'outcome'>;
  inFlight: Gauge;
  nsqdConnections: Gauge;
  sinkPaused: Gauge;
  sinkProbes: Counter<'ready'>;
}

/**
 * The adapter's Prometheus metrics, on a registry of its own (not prom-client's global one),
 * so that several adapters can run in one process (tests, the standalone launcher).
 */
export function createAdapterMetrics(options: { defaultMetrics?: boolean } = {}): AdapterMetrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    delivered: new Counter({
      name: 'facetrail_adapter_delivered_total',
      help: 'Events the sink accepted (2xx); their NSQ messages were finished.',
      labelNames: ['type'],
      registers,
    }),
    requeued: new Counter({
      name: 'facetrail_adapter_requeued_total',
      help: 'Messages requeued for another attempt, by what the failed attempt got.',
      labelNames: ['outcome'],
      registers,
    }),
    deadLettered: new Counter({
      name: 'facetrail_adapter_dead_lettered_total',
      help: 'Messages published to the dead-letter topic and finished, by reason.',
      labelNames: ['reason'],
      registers,
    }),
    deadLetterFailures: new Counter({
      name: 'facetrail_adapter_dead_letter_failures_total',
      help: 'Dead letters that could not be published (the message was requeued instead).',
      registers,
    }),
    deliveryDuration: new Histogram({
      name: 'facetrail_adapter_delivery_duration_seconds',
      help: 'Time of one POST to the sink, by outcome (HTTP status, timeout, network).',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    }),
    inFlight: new Gauge({
      name: 'facetrail_adapter_in_flight',
      help: 'Messages being handled right now.',
      registers,
    }),
    nsqdConnections: new Gauge({
      name: 'facetrail_adapter_nsqd_connections',
      help: 'nsqd instances the reader is connected to.',
      registers,
    }),
    sinkPaused: new Gauge({
      name: 'facetrail_adapter_sink_paused',
      help: '1 while the sink refuses or cannot be reached and the adapter pulls nothing (RDY 0).',
      registers,
    }),
    sinkProbes: new Counter({
      name: 'facetrail_adapter_sink_probes_total',
      help: 'Readiness probes of a sink that refused work, by answer (ready "true" or "false").',
      labelNames: ['ready'],
      registers,
    }),
  };
}
