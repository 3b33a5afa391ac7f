import express, { type Router } from 'express';
import { AppError } from '../../lib/errors.js';
import { healthRoutes } from '../../lib/http/health.js';
import { jsonErrorHandler } from '../../lib/http/json-errors.js';
import type { Metrics } from '../../lib/http/metrics.js';
import type { PurgeResult } from '../../lib/privacy/retention.js';
import { sweepStrandedImages, type SweepDeps } from './sweep.js';
import type { DrainCounts } from './dead-letters.js';

export interface RedeemerAppDeps extends SweepDeps {
  /** Deletes results past their retention (RETENTION_HOURS, RETENTION_UNKNOWN_HOURS). */
  purge: () => Promise<PurgeResult>;
  /** Moves the dead-letter topic into the dead_letters table (undefined: not configured). */
  drainDeadLetters: () => Promise<DrainCounts | undefined>;
  metrics: Metrics;
  ready: () => Promise<boolean>;
}

/**
 * Any event POSTed here (the PingSource's tick) runs one sweep, the retention purge, and drains
 * the dead-letter topic.
 */
export function createRedeemerApp(deps: RedeemerAppDeps): Router {
  const app = express.Router();
  const republished = deps.metrics.counter(
    'facetrail_redeemer_republished_total',
    'Images re-sent to the queue',
  );
  const purged = deps.metrics.counter(
    'facetrail_redeemer_purged_images_total',
    'Results deleted because their retention ran out',
  );
  app.use(deps.metrics.middleware);
  app.use(healthRoutes({ ready: deps.ready, registry: deps.metrics.registry }));
  app.post('/', async (_req, res) => {
    try {
      const result = await sweepStrandedImages(deps);
      republished.inc(result.republished);
      const purge = await deps.purge();
      purged.inc(purge.images);
      const deadLetters = await deps.drainDeadLetters();
      res.json({ ...result, purged: purge, ...(deadLetters ? { deadLetters } : {}) });
    } catch (error) {
      deps.logger.warn({ err: (error as Error).message }, 'sweep failed');
      // The error handler answers a database or queue outage with 503 (its own code), so the
      // PingSource's delivery retries; the next tick would sweep anyway.
      throw error;
    }
  });
  app.use((req, _res, next) =>
    next(new AppError('NOT_FOUND', `no route for ${req.method} ${req.path}`)),
  );
  app.use(jsonErrorHandler(deps.logger));
  return app;
}
