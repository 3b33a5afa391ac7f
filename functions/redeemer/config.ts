import {
  knativePort,
  parseEnv,
  port,
  positiveInt,
  nonNegativeInt,
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
    imagesRoot: resolveImagesRoot(parsed),
    retention: retentionPolicy(parsed),
    logLevel: parsed.LOG_LEVEL,
  };
}

export type RedeemerConfig = ReturnType<typeof loadRedeemerConfig>;
