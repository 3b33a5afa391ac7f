import { z } from 'zod';
import {
  ConfigError,
  hostPort,
  hostPortList,
  httpUrl,
  logLevel,
  nonNegativeInt,
  parseEnv,
  positiveInt,
  type Env,
} from '../../lib/config/env.js';

/** nsqd clamps REQ delays to its --max-req-timeout, 1 h by default. */
const MAX_REQUEUE_DELAY_MS = 60 * 60 * 1000;

/** Attribute names a K_CE_OVERRIDES extension may not replace. */
const RESERVED_ATTRIBUTES = new Set([
  'id',
  'source',
  'specversion',
  'type',
  'datacontenttype',
  'dataschema',
  'subject',
  'time',
  'data',
  'data_base64',
]);

/**
 * K_CE_OVERRIDES as Knative writes it for a source: `{"extensions":{"name":"value"}}`.
 * Unknown top-level keys are ignored (Knative owns the format and may add some).
 */
const ceOverrides = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: 'expected JSON such as {"extensions":{"name":"value"}}',
      });
      return z.NEVER;
    }
  })
  .pipe(
    z.object(
      {
        extensions: z
          .record(z.string(), z.string({ error: 'extension values must be strings' }))
          .optional()
          .superRefine((extensions, ctx) => {
            for (const name of Object.keys(extensions ?? {})) {
              if (!/^[a-z0-9]+$/.test(name)) {
                ctx.addIssue({
                  code: 'custom',
                  message: `extension name "${name}" must be lower-case letters a-z and digits only`,
                });
              } else if (RESERVED_ATTRIBUTES.has(name)) {
                ctx.addIssue({
                  code: 'custom',
                  message: `extension name "${name}" is a CloudEvents context attribute, not an extension`,
                });
              }
            }
          }),
      },
      { error: 'expected a JSON object such as {"extensions":{"name":"value"}}' },
    ),
  )
  .transform((value) => ({ extensions: value.extensions ?? {} }));

const shape = {
  K_SINK: httpUrl,
  K_CE_OVERRIDES: ceOverrides.optional(),
  NSQLOOKUPD_HTTP_ADDRESSES: hostPortList.optional(),
  NSQD_TCP_ADDRESSES: hostPortList.optional(),
  NSQD_TCP_ADDRESS: hostPort.optional(),
  NSQ_TOPIC: z
    .string()
    .regex(/^[.a-zA-Z0-9_-]{1,64}(#ephemeral)?$/, 'expected an NSQ topic name')
    .default('images'),
  NSQ_CHANNEL: z
    .string()
    .regex(/^[.a-zA-Z0-9_-]{1,64}(#ephemeral)?$/, 'expected an NSQ channel name')
    .default('processor'),
  NSQ_DEAD_LETTER_TOPIC: z
    .string()
    .regex(/^[.a-zA-Z0-9_-]{1,64}$/, 'expected an NSQ topic name')
    .optional(),
  NSQ_MSG_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1000, 'nsqd accepts a msg_timeout of 1000 ms or more')
    .optional(),
  NSQ_LOOKUPD_POLL_INTERVAL_SECONDS: positiveInt(15),
  MAX_ATTEMPTS: positiveInt(10),
  MAX_IN_FLIGHT: positiveInt(4),
  DELIVERY_TIMEOUT_MS: positiveInt(60_000),
  BACKOFF_BASE_MS: nonNegativeInt(1_000),
  BACKOFF_MAX_MS: nonNegativeInt(300_000).pipe(
    z.number().max(MAX_REQUEUE_DELAY_MS, 'nsqd caps requeue delays at 1 h (3600000 ms)'),
  ),
  SHUTDOWN_TIMEOUT_MS: positiveInt(25_000),
  SINK_PROBE_URL: httpUrl.optional(),
  PROBE_BASE_MS: positiveInt(1_000),
  PROBE_MAX_MS: positiveInt(30_000),
  HEALTH_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  PORT: z.coerce.number().int().min(0).max(65535).optional(),
  LOG_LEVEL: logLevel,
};

export interface AdapterConfig {
  /** K_SINK: where every event is POSTed. */
  sink: string;
  /** K_CE_OVERRIDES extensions, set on every forwarded event. */
  extensions: Record<string, string>;
  nsq: {
    /** Discovery through nsqlookupd (the cluster setup); may be empty when nsqdTcpAddresses is not. */
    lookupdHttpAddresses: string[];
    /** Direct nsqd connections (no lookupd); may be empty when lookupdHttpAddresses is not. */
    nsqdTcpAddresses: string[];
    topic: string;
    channel: string;
    deadLetterTopic: string;
    /**
     * Where dead letters are published: a fixed nsqd list, or every nsqd nsqlookupd knows.
     * NSQD_TCP_ADDRESS, else NSQD_TCP_ADDRESSES, else discovery through NSQLOOKUPD_HTTP_ADDRESSES.
     */
    deadLetterNsqd:
      { kind: 'static'; addresses: string[] } | { kind: 'lookupd'; lookupdHttpAddresses: string[] };
    /** Server-side message timeout asked for in IDENTIFY; undefined = nsqd's --msg-timeout. */
    msgTimeoutMs: number | undefined;
    lookupdPollIntervalSeconds: number;
    maxInFlight: number;
  };
  delivery: {
    maxAttempts: number;
    timeoutMs: number;
    backoffBaseMs: number;
    backoffMaxMs: number;
  };
  /** Backpressure: how the adapter asks whether a sink that refused everything is back. */
  probe: {
    /** SINK_PROBE_URL, else `readyz` beside K_SINK (the processor's readiness route). */
    url: string;
    /** First wait when the sink sent no Retry-After; doubles per failed probe. */
    baseMs: number;
    /** Cap on the wait between probes. */
    maxMs: number;
  };
  shutdownTimeoutMs: number;
  /** Port of /healthz, /readyz and /metrics: HEALTH_PORT, else PORT, else 8080 (0 = any free port). */
  healthPort: number;
  logLevel: z.infer<typeof logLevel>;
}

/** `readyz` beside the sink: http://processor/ gives http://processor/readyz. */
function defaultProbeUrl(sink: string): string {
  const url = new URL(sink);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  url.search = '';
  return new URL('readyz', url).toString();
}

/** Reads the adapter's configuration once, from the environment (Knative ContainerSource contract). */
export function loadAdapterConfig(env: Env): AdapterConfig {
  const parsed = parseEnv(shape, env);
  const problems: string[] = [];
  const lookupds = parsed.NSQLOOKUPD_HTTP_ADDRESSES ?? [];
  const nsqds = parsed.NSQD_TCP_ADDRESSES ?? [];
  if (lookupds.length === 0 && nsqds.length === 0) {
    problems.push(
      'NSQLOOKUPD_HTTP_ADDRESSES or NSQD_TCP_ADDRESSES: one of the two is required ' +
        '(nsqlookupd HTTP addresses to discover nsqd through, or nsqd TCP addresses to read from directly)',
    );
  }
  if (parsed.BACKOFF_BASE_MS > parsed.BACKOFF_MAX_MS) {
    problems.push(
      `BACKOFF_BASE_MS: must not exceed BACKOFF_MAX_MS (${parsed.BACKOFF_BASE_MS} > ${parsed.BACKOFF_MAX_MS})`,
    );
  }
  const deadLetterTopic =
    parsed.NSQ_DEAD_LETTER_TOPIC ?? `${parsed.NSQ_TOPIC.replace(/#ephemeral$/, '')}.dead`;
  if (deadLetterTopic === parsed.NSQ_TOPIC) {
    problems.push('NSQ_DEAD_LETTER_TOPIC: must differ from NSQ_TOPIC');
  }
  if (problems.length > 0) {
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }

  const deadLetterNsqd: AdapterConfig['nsq']['deadLetterNsqd'] = parsed.NSQD_TCP_ADDRESS
    ? { kind: 'static', addresses: [parsed.NSQD_TCP_ADDRESS] }
    : nsqds.length > 0
      ? { kind: 'static', addresses: nsqds }
      : { kind: 'lookupd', lookupdHttpAddresses: lookupds };

  return {
    sink: parsed.K_SINK,
    extensions: parsed.K_CE_OVERRIDES?.extensions ?? {},
    nsq: {
      lookupdHttpAddresses: lookupds,
      nsqdTcpAddresses: nsqds,
      topic: parsed.NSQ_TOPIC,
      channel: parsed.NSQ_CHANNEL,
      deadLetterTopic,
      deadLetterNsqd,
      msgTimeoutMs: parsed.NSQ_MSG_TIMEOUT_MS,
      lookupdPollIntervalSeconds: parsed.NSQ_LOOKUPD_POLL_INTERVAL_SECONDS,
      maxInFlight: parsed.MAX_IN_FLIGHT,
    },
    delivery: {
      maxAttempts: parsed.MAX_ATTEMPTS,
      timeoutMs: parsed.DELIVERY_TIMEOUT_MS,
      backoffBaseMs: parsed.BACKOFF_BASE_MS,
      backoffMaxMs: parsed.BACKOFF_MAX_MS,
    },
    probe: {
      url: parsed.SINK_PROBE_URL ?? defaultProbeUrl(parsed.K_SINK),
      baseMs: parsed.PROBE_BASE_MS,
      maxMs: Math.max(parsed.PROBE_MAX_MS, parsed.PROBE_BASE_MS),
    },
    shutdownTimeoutMs: parsed.SHUTDOWN_TIMEOUT_MS,
    healthPort: parsed.HEALTH_PORT ?? parsed.PORT ?? 8080,
    logLevel: parsed.LOG_LEVEL,
  };
}
