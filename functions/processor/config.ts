import {
  ConfigError,
  knativePort,
  parseEnv,
  port,
  positiveInt,
  type Env,
} from '../../lib/config/env.js';
import {
  databaseLimits,
  databaseShape,
  inferenceTimeoutShape,
  logShape,
  recognizerAddressShape,
  recognizerSecretShape,
  resolveDatabaseUrl,
} from '../../lib/config/common.js';
import { z } from 'zod';

export function loadProcessorConfig(env: Env) {
  const parsed = parseEnv(
    {
      ...databaseShape,
      ...recognizerAddressShape,
      ...recognizerSecretShape,
      ...logShape,
      ...inferenceTimeoutShape,
      PORT: knativePort,
      PROCESSOR_PORT: port(8082),
      RECOGNIZER_TIMEOUT_MS: positiveInt(30_000),
      LEASE_MS: positiveInt(120_000),
      MAX_IMAGE_ATTEMPTS: positiveInt(10),
      MAX_IMAGE_CRASHES: positiveInt(2),
      BREAKER_ERROR_THRESHOLD_PERCENT: z.coerce.number().min(1).max(100).default(50),
      BREAKER_VOLUME_THRESHOLD: positiveInt(3),
      BREAKER_RESET_MS: positiveInt(5_000),
      RETRY_AFTER_SECONDS: positiveInt(5),
    },
    env,
  );
  if (parsed.RECOGNIZER_TIMEOUT_MS <= parsed.INFERENCE_TIMEOUT_MS) {
    throw new ConfigError(
      `invalid configuration:\n  RECOGNIZER_TIMEOUT_MS: ${parsed.RECOGNIZER_TIMEOUT_MS} must be longer than the recognizer's INFERENCE_TIMEOUT_MS (${parsed.INFERENCE_TIMEOUT_MS}), or calls are given up while the recognizer still works on them`,
    );
  }
  if (parsed.LEASE_MS <= parsed.RECOGNIZER_TIMEOUT_MS) {
    throw new Error(
      `LEASE_MS (${parsed.LEASE_MS}) must be longer than RECOGNIZER_TIMEOUT_MS (${parsed.RECOGNIZER_TIMEOUT_MS}), or a slow call could outlive its claim`,
    );
  }
  return {
    databaseUrl: resolveDatabaseUrl(parsed),
    databasePoolSize: parsed.DATABASE_POOL_SIZE,
    databaseLimits: databaseLimits(parsed),
    recognizerAddress: parsed.RECOGNIZER_ADDRESS,
    recognizerTimeoutMs: parsed.RECOGNIZER_TIMEOUT_MS,
    recognizerSecret: parsed.RECOGNIZER_SECRET,
    port: parsed.PORT ?? parsed.PROCESSOR_PORT,
    leaseMs: parsed.LEASE_MS,
    maxImageAttempts: parsed.MAX_IMAGE_ATTEMPTS,
    maxImageCrashes: parsed.MAX_IMAGE_CRASHES,
    inferenceTimeoutMs: parsed.INFERENCE_TIMEOUT_MS,
    breaker: {
      errorThresholdPercentage: parsed.BREAKER_ERROR_THRESHOLD_PERCENT,
      volumeThreshold: parsed.BREAKER_VOLUME_THRESHOLD,
      resetTimeoutMs: parsed.BREAKER_RESET_MS,
    },
    retryAfterSeconds: parsed.RETRY_AFTER_SECONDS,
    logLevel: parsed.LOG_LEVEL,
  };
}

export type ProcessorConfig = ReturnType<typeof loadProcessorConfig>;
