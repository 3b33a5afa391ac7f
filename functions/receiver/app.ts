import { createHash } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { AppError } from '../../lib/errors.js';
import type { IdempotencyInput, ImagesRepository } from '../../lib/db/images-repo.js';
import type { Authenticator } from '../../lib/auth/authenticator.js';
import type { KeysRepository } from '../../lib/db/keys-repo.js';
import type { PeopleRepository } from '../../lib/db/people-repo.js';
import type { PrivacyRepository } from '../../lib/db/privacy-repo.js';
import { authenticateBearer, requireRole } from '../../lib/http/auth.js';
import { healthRoutes } from '../../lib/http/health.js';
import { jsonErrorHandler } from '../../lib/http/json-errors.js';
import { listFilter } from '../../lib/http/list-query.js';
import type { Metrics } from '../../lib/http/metrics.js';
import type { Logger } from '../../lib/logger.js';
import { deleteImage, forgetPerson } from '../../lib/privacy/forgetting.js';
import type { Publisher } from '../../lib/queue/publisher.js';
import type { RescoreFilter, RescoreSummary } from '../../lib/rescore.js';
import { createPerson, enrolPhoto, type Enroller } from './enrolment.js';
import { rescoreRequest } from './rescore.js';
import { checkKeyName, createKey } from './keys.js';
import { checkUpload, saveUpload } from './uploads.js';
import { findReplay, submitImages, submitUploaded, type SubmitResult } from './submit-images.js';

export interface ReceiverDeps {
  images: ImagesRepository;
  people: PeopleRepository;
  keys: KeysRepository;
  privacy: PrivacyRepository;
  authenticator: Authenticator;
  publisher: Publisher;
  enroller: Enroller;
  /** Tells the recognizers the gallery changed (after a person is forgotten). */
  galleryChanged: () => Promise<void>;
  topic: string;
  imagesRoot: string;
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

/** A positive integer id from the URL, or a 404 naming what was looked for. */
function idParam(value: string | string[] | undefined, what: string): number {
  const id = Number(value);
  if (!Number.isSafeInteger(id) || id <= 0)
    throw new AppError('NOT_FOUND', `no ${what} with id "${String(value)}"`);
  return id;
}

/** The receiver's routes: accepting images, reading results, enrolment, forgetting, keys, health. */
export function createReceiverApp(deps: ReceiverDeps): Router {
  const app = express.Router();
  const submitDeps = {
    images: deps.images,
    publisher: deps.publisher,
    topic: deps.topic,
    imagesRoot: deps.imagesRoot,
    logger: deps.logger,
  };
  const enrolDeps = {
    people: deps.people,
    privacy: deps.privacy,
    enroller: deps.enroller,
    imagesRoot: deps.imagesRoot,
    logger: deps.logger,
  };
  const forgetDeps = {
    privacy: deps.privacy,
    imagesRoot: deps.imagesRoot,
    logger: deps.logger,
    galleryChanged: deps.galleryChanged,
  };
  // Cameras submit; screens and people read; admins enrol, delete and manage keys.
  const ingest = requireRole('ingest', 'admin');
  const viewer = requireRole('viewer', 'admin');
  const admin = requireRole('admin');
  const accepted = deps.metrics.counter(
    'facetrail_receiver_images_accepted_total',
    'Images accepted',
  );

  app.use(deps.metrics.middleware);
  // Health, readiness and metrics stay open (probes and Prometheus carry no key); they reveal
  // nothing personal. Everything after this needs a key.
  app.use(healthRoutes({ ready: deps.ready, registry: deps.metrics.registry }));
  app.use(authenticateBearer(deps.authenticator));

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

  app.post('/images', ingest, async (req, res) => {
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
  app.post('/image/post', ingest, submitJson(false));
  app.post('/images/post', ingest, submitJson(true));

  // Read endpoints the CLI uses, so that one URL (the receiver's) serves every command.
  app.get('/images', viewer, async (req, res) => {
    res.json(await deps.images.list(listFilter(req, 50)));
  });
  app.get('/people', viewer, async (_req, res) => {
    res.json({ people: await deps.people.list() });
  });

  app.get('/images/:id', viewer, async (req, res) => {
    const id = idParam(req.params.id, 'image');
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
    const personId = idParam(req.params.id, 'person');
    const photo = isJson(req)
      ? { path: (req.body as { path?: unknown } | null)?.path }
      : { upload: checkUpload(req.get('content-type'), req.body) };
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

  // Forgetting (GDPR art. 17): the person, their descriptors and stored photos; or one image.
  app.delete('/people/:id', admin, async (req, res) => {
    await forgetPerson(forgetDeps, idParam(req.params.id, 'person'));
    res.status(204).end();
  });
  app.delete('/images/:id', admin, async (req, res) => {
    await deleteImage(forgetDeps, idParam(req.params.id, 'image'));
    res.status(204).end();
  });

  // API keys: the key is shown once, in the answer to its creation.
  app.post('/keys', admin, async (req, res) => {
    if (!isJson(req))
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'send Content-Type: application/json');
    res.status(201).json(await createKey(deps.keys, req.body));
  });
  app.get('/keys', admin, async (_req, res) => {
    res.json({ keys: await deps.keys.list() });
  });
  app.delete('/keys/:name', admin, async (req, res) => {
    const name = checkKeyName(req.params.name);
    if (!(await deps.keys.revoke(name))) throw new AppError('NOT_FOUND', `no key named "${name}"`);
    // Revoked here: this process stops accepting it at once; others within their cache time.
    deps.authenticator.invalidate();
    res.status(204).end();
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
