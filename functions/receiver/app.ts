import { createHash } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { AppError } from '../../lib/errors.js';
import type { IdempotencyInput, ImagesRepository } from '../../lib/db/images-repo.js';
import type { PeopleRepository } from '../../lib/db/people-repo.js';
import { requireBearerToken } from '../../lib/http/bearer-auth.js';
import { healthRoutes } from '../../lib/http/health.js';
import { jsonErrorHandler } from '../../lib/http/json-errors.js';
import { listFilter } from '../../lib/http/list-query.js';
import type { Metrics } from '../../lib/http/metrics.js';
import type { Logger } from '../../lib/logger.js';
import type { Publisher } from '../../lib/queue/publisher.js';
import type { RescoreFilter, RescoreSummary } from '../../lib/rescore.js';
import { createPerson, enrolPhoto, type Enroller } from './enrolment.js';
import { rescoreRequest } from './rescore.js';
import { checkUpload, saveUpload } from './uploads.js';
import { findReplay, submitImages, submitUploaded, type SubmitResult } from './submit-images.js';

export interface ReceiverDeps {
  images: ImagesRepository;
  people: PeopleRepository;
  publisher: Publisher;
  enroller: Enroller;
  topic: string;
  imagesRoot: string;
  adminToken: string | undefined;
  maxPathsPerRequest: number;
  logger: Logger;
  metrics: Metrics;
  ready: () => Promise<boolean>;
  /** Decides stored faces again (lib/rescore.ts through the recognizer's Rescore). */
  rescore(filter: RescoreFilter): Promise<RescoreSummary>;
}

const isJson = (req: Request) => Boolean(req.is(['json', '+json']));

function idempotencyOf(req: Request): IdempotencyInput | undefined {
  const key = req.get('idempotency-key');
  if (key === undefined) return undefined;
  if (key.trim() === '' || key.length > 255)
    throw new AppError('INVALID_REQUEST', 'Idempotency-Key must be 1 to 255 characters');
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.from(JSON.stringify(req.body ?? null));
  const requestHash = createHash('sha256')
    .update(`${req.method} ${req.path}\n`)
    .update(body)
    .digest('hex');
  return { key: key.trim(), requestHash };
}

/** `{"paths":[...]}`, seed-style `{"paths":[{"path":...}]}` or `{"path":...}` to a list of paths, or undefined. */
function pathsOf(body: unknown, seedBulk: boolean): { paths: unknown[]; bulk: boolean } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new AppError('INVALID_REQUEST', 'send {"path": "..."} or {"paths": ["...", ...]}');
  }
  const { path, paths } = body as { path?: unknown; paths?: unknown };
  if (paths !== undefined) {
    if (!Array.isArray(paths) || paths.length === 0)
      throw new AppError('INVALID_REQUEST', '"paths" must be a non-empty array');
    return {
      paths: seedBulk
        ? paths.map((item) => (item as { path?: unknown } | null)?.path ?? item)
        : paths,
      bulk: true,
    };
  }
  if (path !== undefined) return { paths: [path], bulk: false };
  throw new AppError('INVALID_REQUEST', 'send {"path": "..."} or {"paths": ["...", ...]}');
}

function answer(res: Response, result: SubmitResult, bulk: boolean): void {
  if (result.replayed) res.set('Idempotent-Replayed', 'true');
  if (!bulk) {
    const [item] = result.items;
    if (item && 'error' in item) {
      const error = new AppError(item.error.code as never, item.error.message);
      res.status(error.status).json(error.toJSON());
      return;
    }
  }
  // A bulk request answers per item; 422 only when not a single image was accepted.
  res.status(result.accepted > 0 ? 202 : 422).json({ images: result.items });
}

/** The receiver's routes: accepting images, enrolment, health. */
export function createReceiverApp(deps: ReceiverDeps): Router {
  const app = express.Router();
  const submitDeps = {
    images: deps.images,
    publisher: deps.publisher,
    topic: deps.topic,
    imagesRoot: deps.imagesRoot,
    logger: deps.logger,
  };
  const enrolDeps = { people: deps.people, enroller: deps.enroller, imagesRoot: deps.imagesRoot };
  const admin = requireBearerToken(deps.adminToken);
  const accepted = deps.metrics.counter(
    'facetrail_receiver_images_accepted_total',
    'Images accepted',
  );

  app.use(deps.metrics.middleware);
  app.use(healthRoutes({ ready: deps.ready, registry: deps.metrics.registry }));

  const submitJson = (seedBulk: boolean) => async (req: Request, res: Response) => {
    if (!isJson(req))
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'send Content-Type: application/json');
    const { paths, bulk } = pathsOf(req.body, seedBulk);
    if (paths.length > deps.maxPathsPerRequest) {
      throw new AppError(
        'TOO_MANY_PATHS',
        `send at most ${deps.maxPathsPerRequest} paths per request`,
      );
    }
    const result = await submitImages(submitDeps, paths, idempotencyOf(req));
    if (!result.replayed) accepted.inc(result.accepted);
    answer(res, result, bulk);
  };

  app.post('/images', async (req, res) => {
    if (isJson(req)) return submitJson(false)(req, res);
    const idempotency = idempotencyOf(req);
    const replay = await findReplay(submitDeps, idempotency);
    if (replay) return answer(res, replay, false);
    const upload = checkUpload(req.get('content-type'), req.body);
    const saved = await saveUpload(deps.imagesRoot, upload);
    const result = await submitUploaded(submitDeps, saved, idempotency);
    if (!result.replayed) accepted.inc(result.accepted);
    answer(res, result, false);
  });
  // The seed's API, kept for its clients.
  app.post('/image/post', submitJson(false));
  app.post('/images/post', submitJson(true));

  // Read endpoints the CLI uses, so that one URL (the receiver's) serves every command.
  app.get('/images', async (req, res) => {
    res.json(await deps.images.list(listFilter(req, 50)));
  });
  app.get('/people', async (_req, res) => {
    res.json({ people: await deps.people.list() });
  });

  app.get('/images/:id', async (req, res) => {
    const id = Number(req.params.id);
    if (!Number.isSafeInteger(id) || id <= 0)
      throw new AppError('NOT_FOUND', `no image with id "${req.params.id}"`);
    const record = await deps.images.get(id);
    if (!record) throw new AppError('NOT_FOUND', `no image with id ${id}`);
    res.json(record);
  });

  app.post('/people', admin, async (req, res) => {
    if (!isJson(req))
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'send Content-Type: application/json');
    res.status(201).json(await createPerson(enrolDeps, req.body));
  });

  app.post('/people/:id/images', admin, async (req, res) => {
    const personId = Number(req.params.id);
    if (!Number.isSafeInteger(personId) || personId <= 0)
      throw new AppError('NOT_FOUND', `no person with id "${req.params.id}"`);
    const photo = isJson(req)
      ? { path: (req.body as { path?: unknown } | null)?.path }
      : { upload: checkUpload(req.get('content-type'), req.body).bytes };
    const enrolled = await enrolPhoto(enrolDeps, personId, photo);
    res.status(enrolled.alreadyEnrolled ? 200 : 201).json(enrolled);
  });

  // Re-scores past photos against today's gallery and rule; the CLI's `rescore` and the
  // results page call it.
  app.post('/rescore', admin, async (req, res) => {
    if (req.body !== undefined && !isJson(req) && Number(req.get('content-length') ?? 0) > 0)
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'send Content-Type: application/json');
    try {
      res.json(await rescoreRequest(deps, isJson(req) ? req.body : undefined));
    } catch (error) {
      throw toRescoreError(error);
    }
  });

  app.use((req, _res, next) =>
    next(new AppError('NOT_FOUND', `no route for ${req.method} ${req.path}`)),
  );
  app.use(jsonErrorHandler(deps.logger));
  return app;
}

/** The recognizer's failure as the receiver's error; ours pass through. */
function toRescoreError(error: unknown): unknown {
  if (error instanceof AppError) return error;
  const { retryable, errorCode } = error as { retryable?: boolean; errorCode?: string };
  if (retryable !== undefined || errorCode !== undefined)
    return new AppError(
      'RECOGNIZER_UNAVAILABLE',
      'the recognizer could not re-score now; retry later',
    );
  return error;
}
