import { knativePort, parseEnv, port, positiveInt, type Env } from '../../lib/config/env.js';
import {
  accessShape,
  databaseLimits,
  databaseShape,
  imagesRootShape,
  logShape,
  queueShape,
  recognizerAddressShape,
  recognizerSecretShape,
  resolveDatabaseUrl,
  resolveImagesRoot,
} from '../../lib/config/common.js';

export function loadReceiverConfig(env: Env) {
  const parsed = parseEnv(
    {
      ...databaseShape,
      ...queueShape,
      ...imagesRootShape,
      ...recognizerAddressShape,
      ...recognizerSecretShape,
      ...accessShape,
      ...logShape,
      PORT: knativePort,
      RECEIVER_PORT: port(8080),
      MAX_UPLOAD_BYTES: positiveInt(25 * 1024 * 1024),
      /** JSON bodies (submissions by path, keys, people), decoded: above it, 413. */
      MAX_JSON_BYTES: positiveInt(1024 * 1024),
      MAX_PATHS_PER_REQUEST: positiveInt(1000),
      RECOGNIZER_TIMEOUT_MS: positiveInt(30_000),
    },
    env,
  );
  return {
    databaseUrl: resolveDatabaseUrl(parsed),
    databasePoolSize: parsed.DATABASE_POOL_SIZE,
    databaseLimits: databaseLimits(parsed),
    nsqdTcpAddress: parsed.NSQD_TCP_ADDRESS,
    topic: parsed.NSQ_TOPIC,
    imagesRoot: resolveImagesRoot(parsed),
    recognizerAddress: parsed.RECOGNIZER_ADDRESS,
    recognizerTimeoutMs: parsed.RECOGNIZER_TIMEOUT_MS,
    recognizerSecret: parsed.RECOGNIZER_SECRET,
    // Knative sets PORT; RECEIVER_PORT is for running every component on one machine.
    port: parsed.PORT ?? parsed.RECEIVER_PORT,
    adminToken: parsed.ADMIN_TOKEN,
    keyCacheMs: parsed.KEY_CACHE_SECONDS * 1000,
    maxUploadBytes: parsed.MAX_UPLOAD_BYTES,
    maxJsonBytes: parsed.MAX_JSON_BYTES,
    maxPathsPerRequest: parsed.MAX_PATHS_PER_REQUEST,
    logLevel: parsed.LOG_LEVEL,
  };
}

export type ReceiverConfig = ReturnType<typeof loadReceiverConfig>;
