import { z } from 'zod';
import {
  knativePort,
  parseEnv,
  port,
  positiveInt,
  nonNegativeInt,
  hostPortList,
  type Env,
} from '../../lib/config/env.js';
import {
  databaseLimits,
  databaseShape,
  imagesRootShape,
  logShape,
  queueShape,
  resolveDatabaseUrl,
  resolveImagesRoot,
  retentionPolicy,
  retentionShape,
} from '../../lib/config/common.js';

export function loadRedeemerConfig(env: Env) {
  const parsed = parseEnv(
    {
      ...databaseShape,
      ...queueShape,
      ...imagesRootShape,
      ...retentionShape,
      ...logShape,
      PORT: knativePort,
      REDEEMER_PORT: port(8083),
      UNPUBLISHED_AFTER_MS: positiveInt(30_000),
      REPUBLISH_AFTER_MS: positiveInt(15 * 60_000),
      REDEEM_BATCH_SIZE: positiveInt(500),
      // Local runs have no PingSource: sweep on a timer instead (0 = only when called).
      REDEEM_INTERVAL_MS: nonNegativeInt(0),
      // Lost messages: nsqd's /stats, through nsqlookupd (or nsqd HTTP addresses directly).
      NSQLOOKUPD_HTTP_ADDRESSES: hostPortList.optional(),
      NSQD_HTTP_ADDRESSES: hostPortList.optional(),
      NSQ_CHANNEL: z
        .string()
        .regex(/^[.a-zA-Z0-9_-]{1,64}$/, 'expected an NSQ channel name')
        .default('processor'),
      // Two processor leases (LEASE_MS, 120 s by default).
      LOST_AFTER_MS: positiveInt(240_000),
      // Dead letters drained into the dead_letters table on every tick.
      NSQ_DEAD_LETTER_TOPIC: z
        .string()
        .regex(/^[.a-zA-Z0-9_-]{1,64}$/, 'expected an NSQ topic name')
        .optional(),
      DEAD_LETTER_CHANNEL: z
        .string()
        .regex(/^[.a-zA-Z0-9_-]{1,64}$/, 'expected an NSQ channel name')
        .default('redeemer'),
      DEAD_LETTER_IDLE_MS: positiveInt(1000),
    },
    env,
  );
  return {
    databaseUrl: resolveDatabaseUrl(parsed),
    databasePoolSize: parsed.DATABASE_POOL_SIZE,
    databaseLimits: databaseLimits(parsed),
    nsqdTcpAddress: parsed.NSQD_TCP_ADDRESS,
    topic: parsed.NSQ_TOPIC,
    port: parsed.PORT ?? parsed.REDEEMER_PORT,
    unpublishedAfterMs: parsed.UNPUBLISHED_AFTER_MS,
    republishAfterMs: parsed.REPUBLISH_AFTER_MS,
    batchSize: parsed.REDEEM_BATCH_SIZE,
    intervalMs: parsed.REDEEM_INTERVAL_MS,
    /** Where nsqd's stats are read; both empty = the lost-message re-send is off. */
    queueStats: {
      lookupdHttpAddresses: parsed.NSQLOOKUPD_HTTP_ADDRESSES ?? [],
      nsqdHttpAddresses: parsed.NSQD_HTTP_ADDRESSES ?? [],
    },
    channel: parsed.NSQ_CHANNEL,
    lostAfterMs: parsed.LOST_AFTER_MS,
    deadLetters: {
      topic: parsed.NSQ_DEAD_LETTER_TOPIC ?? `${parsed.NSQ_TOPIC}.dead`,
      channel: parsed.DEAD_LETTER_CHANNEL,
      idleMs: parsed.DEAD_LETTER_IDLE_MS,
    },
    imagesRoot: resolveImagesRoot(parsed),
    retention: retentionPolicy(parsed),
    logLevel: parsed.LOG_LEVEL,
  };
}

export type RedeemerConfig = ReturnType<typeof loadRedeemerConfig>;
