import { z } from 'zod';
import { knativePort, parseEnv, port, positiveInt, type Env } from '../../lib/config/env.js';
import {
  databaseShape,
  imagesRootShape,
  logShape,
  queueShape,
  recognizerAddressShape,
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
      ...logShape,
      PORT: knativePort,
      RECEIVER_PORT: port(8080),
      ADMIN_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),
      MAX_UPLOAD_BYTES: positiveInt(25 * 1024 * 1024),
      MAX_PATHS_PER_REQUEST: positiveInt(1000),
      RECOGNIZER_TIMEOUT_MS: positiveInt(30_000),
    },
    env,
  );
  return {
    databaseUrl: resolveDatabaseUrl(parsed),
    databasePoolSize: parsed.DATABASE_POOL_SIZE,
    nsqdTcpAddress: parsed.NSQD_TCP_ADDRESS,
    topic: parsed.NSQ_TOPIC,
    imagesRoot: resolveImagesRoot(parsed),
    recognizerAddress: parsed.RECOGNIZER_ADDRESS,
    recognizerTimeoutMs: parsed.RECOGNIZER_TIMEOUT_MS,
    // Knative sets PORT; RECEIVER_PORT is for running every component on one machine.
    port: parsed.PORT ?? parsed.RECEIVER_PORT,
    adminToken: parsed.ADMIN_TOKEN,
    maxUploadBytes: parsed.MAX_UPLOAD_BYTES,
    maxPathsPerRequest: parsed.MAX_PATHS_PER_REQUEST,
    logLevel: parsed.LOG_LEVEL,
  };
}

export type ReceiverConfig = ReturnType<typeof loadReceiverConfig>;
