import express, { type Request, type Response, type Router } from 'express';
import { HTTP, type CloudEvent } from 'cloudevents';
import { AppError } from '../../lib/errors.js';
import { IMAGE_SUBMITTED_TYPE, imageEventDataSchema } from '../../lib/events/image-event.js';
import { healthRoutes } from '../../lib/http/health.js';
import { jsonErrorHandler } from '../../lib/http/json-errors.js';
import type { Metrics } from '../../lib/http/metrics.js';
import type { Logger } from '../../lib/logger.js';
import { processImage, type ProcessDeps } from './process-image.js';

export interface ProcessorAppDeps extends ProcessDeps {
  metrics: Metrics;
  retryAfterSeconds: number;
  ready: () => Promise<boolean>;
  logger: Logger;
}

/** The CloudEvent (binary or structured mode) in the request; 400 when it is not one we handle. */
function imageIdOf(req: Request): number {
  const raw = (req as Request & { rawBody?: Buffer }).rawBody;
  let event: CloudEvent<unknown>;
  try {
    const parsed = HTTP.toEvent({
      headers: req.headers,
      body: raw ? raw.toString('utf8') : req.body,
    });
    event = (Array.isArray(parsed) ? parsed[0] : parsed) as CloudEvent<unknown>;
  } catch (error) {
    throw new AppError('INVALID_REQUEST', `not a CloudEvent: ${(error as Error).message}`);
  }
  if (event?.type !== IMAGE_SUBMITTED_TYPE) {
    throw new AppError(
      'INVALID_REQUEST',
      `unexpected event type "${event?.type}"; expected ${IMAGE_SUBMITTED_TYPE}`,
    );
  }
  const data = typeof event.data === 'string' ? safeJson(event.data) : event.data;
  const parsed = imageEventDataSchema.safeParse(data);
  if (!parsed.success)
    throw new AppError(
      'INVALID_REQUEST',
      'the event data must be {"imageId": <positive integer>, "path": "..."}',
    );
  return parsed.data.imageId;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The processor: one CloudEvent in, the image's final status recorded, an answer the adapter acts on. */
export function createProcessorApp(deps: ProcessorAppDeps): Router {
  const app = express.Router();
  const outcomes = deps.metrics.counter('facetrail_processor_outcomes_total', 'Events by outcome', [
    'outcome',
  ]);
  app.use(deps.metrics.middleware);
  app.use(healthRoutes({ ready: deps.ready, registry: deps.metrics.registry }));

  app.post('/', async (req: Request, res: Response) => {
    const imageId = imageIdOf(req);
    const outcome = await processImage(deps, imageId);
    outcomes.inc({ outcome: outcome.kind });
    switch (outcome.kind) {
      case 'retry': {
        const error = new AppError(
          'RECOGNIZER_UNAVAILABLE',
          `image ${imageId} stays queued: ${outcome.reason}`,
        );
        res.set('Retry-After', String(deps.retryAfterSeconds)).status(503).json(error.toJSON());
        return;
      }
      case 'unknown-image': {
        // Not retryable: the adapter dead-letters it at once.
        throw new AppError('NOT_FOUND', `no image with id ${imageId}`);
      }
      default:
        res.status(200).json(outcome);
    }
  });

  app.use((req, _res, next) =>
    next(new AppError('NOT_FOUND', `no route for ${req.method} ${req.path}`)),
  );
  // A database outage (claim or completion failed) is a 503 the adapter backs off from too.
  app.use(jsonErrorHandler(deps.logger, { retryAfterSeconds: deps.retryAfterSeconds }));
  return app;
}
