import { connectDatabase, databaseAnswers } from '../../lib/db/connect.js';
import { ImageClaimsRepository } from '../../lib/db/images/claims-repo.js';
import { createMetrics } from '../../lib/http/metrics.js';
import type { Logger } from '../../lib/logger.js';
import { createRecognizerClient } from '../../lib/recognizer/client.js';
import { createProcessorApp } from './app.js';
import type { ProcessorConfig } from './config.js';
import { createRecognizerBreaker } from './recognizer-breaker.js';

export function createProcessor(config: ProcessorConfig, logger: Logger) {
  const db = connectDatabase({
    url: config.databaseUrl,
    poolSize: config.databasePoolSize,
    ...config.databaseLimits,
  });
  const recognizer = createRecognizerClient(config.recognizerAddress, {
    deadlineMs: config.recognizerTimeoutMs,
    secret: config.recognizerSecret,
  });
  const guarded = createRecognizerBreaker(
    {
      identify: (request: { path: string; exclusive?: boolean }) =>
        recognizer.identify({ path: request.path }, { exclusive: request.exclusive }),
      checkHealth: () => recognizer.checkHealth(),
    },
    config.breaker,
  );
  const metrics = createMetrics('processor');
  const breakerState = metrics.counter(
    'facetrail_processor_breaker_transitions_total',
    'Circuit breaker state changes',
    ['state'],
  );
  const onState = (state: string) => () => {
    breakerState.inc({ state });
    logger.warn({ state }, `recognizer circuit ${state}`);
  };
  guarded.breaker.on('open', onState('open'));
  guarded.breaker.on('halfOpen', onState('halfOpen'));
  guarded.breaker.on('close', onState('close'));
  const app = createProcessorApp({
    images: new ImageClaimsRepository(db),
    identify: guarded.identify,
    admits: () => guarded.admits(),
    leaseMs: config.leaseMs,
    maxImageAttempts: config.maxImageAttempts,
    maxImageCrashes: config.maxImageCrashes,
    retryAfterSeconds: config.retryAfterSeconds,
    logger,
    metrics,
    // Ready when the database answers; an unavailable recognizer is answered with 503s, not by
    // taking the processor out of rotation.
    ready: () => databaseAnswers(db),
  });
  return {
    app,
    async close() {
      guarded.shutdown();
      recognizer.close();
      await db.destroy();
    },
  };
}
