import { createHash } from 'node:crypto';
import { parse as parseDisposition } from 'content-disposition';
import express, { type Request, type Response, type Router } from 'express';
import { AppError } from '../../lib/errors.js';
import type { IdempotencyInput, ImageIngestRepository } from '../../lib/db/images/ingest-repo.js';
import type { ImageReadsRepository } from '../../lib/db/images/reads-repo.js';
import type { ImageInserts } from '../../lib/db/images/batch-inserts.js';
import type { Authenticator } from '../../lib/auth/authenticator.js';
import type { KeysRepository } from '../../lib/db/keys-repo.js';
import type { DeadLettersRepository } from '../../lib/db/dead-letters-repo.js';
import { replayDeadLetters } from '../../lib/dead-letters.js';
import type { PeopleRepository } from '../../lib/db/people-repo.js';
import { idParam, readRoutes } from '../../lib/http/read-routes.js';
import type { PrivacyRepository } from '../../lib/db/privacy-repo.js';
import { authenticateBearer, requireRole } from '../../lib/http/auth.js';
import { healthRoutes } from '../../lib/http/health.js';
import { jsonErrorHandler } from '../../lib/http/json-errors.js';
import { listFilter, positiveIntParam } from '../../lib/http/list-query.js';
import { isMultipart, parseMultipart } from '../../lib/http/multipart.js';
import type { Metrics } from '../../lib/http/metrics.js';
import type { Logger } from '../../lib/logger.js';
import { deleteImage, forgetPerson } from '../../lib/privacy/forgetting.js';
import type { Publisher } from '../../lib/queue/publisher.js';
import type { RescoreFilter, RescoreSummary } from '../../lib/rescore.js';
import { sniffImageType, type ImageType } from '../../lib/image-type.js';
import {
  parseMetadata,
  type ImageMetadata,
  type RawMetadata,
} from '../../lib/submission-metadata.js';
import { createPerson, enrollPhoto, type EnrollClient } from '../../lib/enrollment.js';
import { IngestBatcher } from './ingest-batcher.js';
import { rescoreRequest } from './rescore.js';
import { checkKeyName, createKey } from './keys.js';
import { checkUpload, discardUpload, stageUpload } from './uploads.js';
import {
  findReplay,
  submitImages,
  submitUploaded,
  type PathSubmission,
  type SavedUpload,
  type SubmitItem,
  type SubmitResult,
} from './submit-images.js';

export interface ReceiverDeps {
  images: ImageIngestRepository;
  /** Records by id: GET /images/:id and the answer to a replayed submission. */
  imageReads: ImageReadsRepository;
  /** Many submissions' rows in one transaction (the ingest batcher's writes). */
  imageInserts: ImageInserts;
  people: PeopleRepository;
  keys: KeysRepository;
  privacy: PrivacyRepository;
  /** Dead letters the redeemer drained from the dead-letter topic (list, replay, purge). */
  deadLetters: DeadLettersRepository;
  authenticator: Authenticator;
  publisher: Publisher;
  enroller: EnrollClient;
  /** Tells the recognizers the gallery changed (after a person is forgotten). */
  galleryChanged: () => Promise<void>;
  topic: string;
  imagesRoot: string;
  maxPathsPerRequest: number;
  /** The largest photo an upload may carry (one file of a form too). */
  maxUploadBytes: number;
  logger: Logger;
  metrics: Metrics;
  ready: () => Promise<boolean>;
  /** Decides stored faces again (lib/rescore.ts through the recognizer's Rescore). */
  rescore(filter: RescoreFilter): Promise<RescoreSummary>;
}

const isJson = (req: Request) => Boolean(req.is(['json', '+json']));

function idempotencyOf(req: Request, metadata?: ImageMetadata): IdempotencyInput | undefined {
  const key = req.get('idempotency-key');
  if (key === undefined) return undefined;
  if (key.trim() === '' || key.length > 255)
    throw new AppError('INVALID_REQUEST', 'Idempotency-Key must be 1 to 255 characters');
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.from(JSON.stringify(req.body ?? null));
  const hash = createHash('sha256').update(`${req.method} ${req.path}\n`).update(body);
  // An upload's metadata travels beside its body: the same photo named otherwise is another request.
  const described = metadata && Object.values(metadata).some((value) => value !== null);
  if (described) hash.update(`\n${JSON.stringify(metadata)}`);
  return { key: key.trim(), requestHash: hash.digest('hex') };
}

/** What a submission may say about its photos, read from an object (JSON body, form fields). */
function rawMetadataOf(source: Record<string, unknown>, withFilename: boolean): RawMetadata {
  return {
    door: source.door,
    camera: source.camera,
    capturedAt: source.capturedAt,
    ...(withFilename ? { filename: source.filename } : {}),
  };
}

const shapeError = () =>
  new AppError(
    'INVALID_REQUEST',
    'send {"path": "..."} or {"paths": ["...", ...]} (items may be {"path", "door", "capturedAt", "filename"})',
  );

/**
 * `{"path": …}`, `{"paths": [...]}` or the seed's `{"paths": [{"path": …}]}` as submissions.
 * Every form may carry `door` (or `camera`), `capturedAt` and `filename`; a bulk request's
 * top-level door and capturedAt apply to each item that does not say otherwise.
 */
function submissionsOf(body: unknown): { items: PathSubmission[]; bulk: boolean } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw shapeError();
  const top = body as Record<string, unknown>;
  if (top.paths !== undefined) {
    if (!Array.isArray(top.paths) || top.paths.length === 0)
      throw new AppError('INVALID_REQUEST', '"paths" must be a non-empty array');
    const shared = rawMetadataOf(top, false);
    const items = top.paths.map((item: unknown): PathSubmission => {
      if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
        const own = item as Record<string, unknown>;
        const metadata = rawMetadataOf(own, true);
        return {
          path: own.path,
          metadata: {
            ...shared,
            ...Object.fromEntries(
              Object.entries(metadata).filter(([, value]) => value !== undefined),
            ),
          },
        };
      }
      return { path: item, metadata: shared };
    });
    return { items, bulk: true };
  }
  if (top.path !== undefined)
    return { items: [{ path: top.path, metadata: rawMetadataOf(top, true) }], bulk: false };
  throw shapeError();
}

/** A raw upload's metadata: query parameters, else headers (the file name also from Content-Disposition). */
function uploadMetadataOf(req: Request): ImageMetadata {
  const query = req.query as Record<string, unknown>;
  let dispositionName: string | undefined;
  const disposition = req.get('content-disposition');
  if (disposition) {
    try {
      dispositionName = parseDisposition(disposition).parameters.filename;
    } catch {
      throw new AppError('INVALID_REQUEST', 'the Content-Disposition header cannot be read');
    }
  }
  return parseMetadata({
    door: query.door ?? req.get('x-door'),
    camera: query.camera ?? req.get('x-camera'),
    capturedAt: query.capturedAt ?? req.get('x-captured-at'),
    filename: query.filename ?? dispositionName,
  });
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

/** `{"ids":[1,2]}` (JSON body) or `?id=1&id=2`; none = every one. */
function deadLetterIds(req: Request): number[] | undefined {
  const fromBody = isJson(req) ? (req.body as { ids?: unknown } | undefined)?.ids : undefined;
  const fromQuery = req.query.id;
  const raw = fromBody ?? fromQuery;
  if (raw === undefined) return undefined;
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length > 1000) throw new AppError('INVALID_REQUEST', 'at most 1000 ids at once');
  return list.map((value) => positiveIntParam(value, 'ids') ?? 0).filter((id) => id > 0);
}

/** The receiver's routes: accepting images, reading results, enrollment, forgetting, keys, health. */
export function createReceiverApp(deps: ReceiverDeps): Router {
  const app = express.Router();
  const submitDeps = {
    images: deps.images,
    imageReads: deps.imageReads,
    publisher: deps.publisher,
    batcher: new IngestBatcher({
      inserts: deps.imageInserts,
      images: deps.images,
      publisher: deps.publisher,
      topic: deps.topic,
      logger: deps.logger,
    }),
    topic: deps.topic,
    imagesRoot: deps.imagesRoot,
    logger: deps.logger,
  };
  const enrollDeps = {
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
  // Cameras submit; screens and people read; admins enroll, delete and manage keys.
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

  const submitJson = async (req: Request, res: Response) => {
    if (!isJson(req))
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'send Content-Type: application/json');
    const { items, bulk } = submissionsOf(req.body);
    if (items.length > deps.maxPathsPerRequest) {
      throw new AppError(
        'TOO_MANY_PATHS',
        `send at most ${deps.maxPathsPerRequest} paths per request`,
      );
    }
    const result = await submitImages(submitDeps, items, idempotencyOf(req));
    if (!result.replayed) accepted.inc(result.accepted);
    answer(res, result, bulk);
  };

  /**
   * An HTML form (multipart/form-data): each file a photo, the fields door (or camera),
   * capturedAt and filename for all of them. Files that are not images are refused one by one.
   */
  const submitForm = async (req: Request, res: Response) => {
    const form = await parseMultipart(req.headers, req.body, {
      maxFiles: deps.maxPathsPerRequest,
      maxFileBytes: deps.maxUploadBytes,
    });
    if (form.files.length === 0)
      throw new AppError('INVALID_REQUEST', 'the form has no photo: add a file field');
    const shared = parseMetadata(rawMetadataOf(form.fields, form.files.length === 1));
    const idempotency = idempotencyOf(req);
    const replay = await findReplay(submitDeps, idempotency);
    if (replay) return answer(res, replay, form.files.length > 1);
    const refused = new Map<number, SubmitItem>();
    const photos: Array<{ file: (typeof form.files)[number]; type: ImageType }> = [];
    for (const [index, file] of form.files.entries()) {
      const type = sniffImageType(file.bytes);
      if (type) {
        photos.push({ file, type });
        continue;
      }
      const error = new AppError(
        'NOT_AN_IMAGE',
        `"${file.filename ?? file.field}" is not a JPEG, PNG or WebP image`,
      );
      refused.set(index, {
        path: file.filename ?? file.field,
        error: { code: error.code, message: error.message },
      });
    }
    const saved: SavedUpload[] = [];
    try {
      for (const { file, type } of photos) {
        const staged = await stageUpload(deps.imagesRoot, { type, bytes: file.bytes });
        saved.push({
          ...staged,
          metadata: {
            ...shared,
            originalName:
              shared.originalName ?? parseMetadata({ filename: file.filename }).originalName,
          },
        });
      }
    } catch (error) {
      // Staging failed half-way: the files staged so far go (submitUploaded discards the rest).
      await Promise.all(saved.map((upload) => discardUpload(upload))).catch(() => undefined);
      throw error;
    }
    const result =
      saved.length > 0
        ? await submitUploaded(submitDeps, saved, idempotency)
        : { items: [], accepted: 0, replayed: false };
    if (!result.replayed) accepted.inc(result.accepted);
    // The answer lists the files in the form's order, refused ones in their place.
    const items: SubmitItem[] = [];
    let next = 0;
    for (let index = 0; index < form.files.length; index++)
      items.push(refused.get(index) ?? result.items[next++]!);
    answer(res, { ...result, items }, form.files.length > 1);
  };

  app.post('/images', ingest, async (req, res) => {
    if (isJson(req)) return submitJson(req, res);
    if (isMultipart(req.get('content-type'))) return submitForm(req, res);
    const metadata = uploadMetadataOf(req);
    const idempotency = idempotencyOf(req, metadata);
    const replay = await findReplay(submitDeps, idempotency);
    if (replay) return answer(res, replay, false);
    const upload = checkUpload(req.get('content-type'), req.body);
    const staged = await stageUpload(deps.imagesRoot, upload);
    const result = await submitUploaded(submitDeps, [{ ...staged, metadata }], idempotency);
    if (!result.replayed) accepted.inc(result.accepted);
    answer(res, result, false);
  });
  // The seed's API, kept for its clients.
  app.post('/image/post', ingest, submitJson);
  app.post('/images/post', ingest, submitJson);

  // Read endpoints the CLI uses, so that one URL (the receiver's) serves every command.
  app.get('/images', viewer, async (req, res) => {
    res.json(await deps.images.list(listFilter(req, 50)));
  });
  app.use(readRoutes({ images: deps.imageReads, people: deps.people }, [viewer]));

  app.post('/people', admin, async (req, res) => {
    if (!isJson(req))
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'send Content-Type: application/json');
    res.status(201).json(await createPerson(enrollDeps, req.body));
  });

  app.post('/people/:id/images', admin, async (req, res) => {
    const personId = idParam(req.params.id, 'person');
    const photo = isJson(req)
      ? { path: (req.body as { path?: unknown } | null)?.path }
      : { upload: checkUpload(req.get('content-type'), req.body) };
    const enrolled = await enrollPhoto(enrollDeps, personId, photo);
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

  // Dead letters: events the adapter gave up on. Those whose image is final (or deleted) are
  // dropped before any answer; replay re-publishes the original event; purge deletes rows.
  app.get('/dead-letters', admin, async (req, res) => {
    const dropped = await deps.deadLetters.dropSettled();
    const limit = Math.min(1000, positiveIntParam(req.query.limit, 'limit') ?? 100);
    const afterId = positiveIntParam(req.query.after, 'after');
    res.json({ deadLetters: await deps.deadLetters.list({ limit, afterId }), dropped });
  });
  app.post('/dead-letters/replay', admin, async (req, res) => {
    const ids = deadLetterIds(req);
    const result = await replayDeadLetters(
      {
        deadLetters: deps.deadLetters,
        images: deps.images,
        publisher: deps.publisher,
        topic: deps.topic,
      },
      ids,
    );
    res.json(result);
  });
  app.delete('/dead-letters', admin, async (req, res) => {
    res.json({ purged: await deps.deadLetters.purge(deadLetterIds(req)) });
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
