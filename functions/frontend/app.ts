import path from 'node:path';
import express, { type Router } from 'express';
import sharp from 'sharp';
import { AppError } from '../../lib/errors.js';
import type { ImagesRepository } from '../../lib/db/images-repo.js';
import type { PeopleRepository } from '../../lib/db/people-repo.js';
import { healthRoutes } from '../../lib/http/health.js';
import { jsonErrorHandler } from '../../lib/http/json-errors.js';
import { listFilter, positiveIntParam } from '../../lib/http/list-query.js';
import type { Metrics } from '../../lib/http/metrics.js';
import { resolveImagePath } from '../../lib/image-paths.js';
import type { Logger } from '../../lib/logger.js';
import { errorPage, personPage, resultsPage } from './pages.js';

export interface FrontendDeps {
  images: ImagesRepository;
  people: PeopleRepository;
  imagesRoot: string;
  pageSize: number;
  refreshSeconds: number;
  logger: Logger;
  metrics: Metrics;
  ready: () => Promise<boolean>;
}

/** Results page, a person's history, the JSON API and thumbnails; all read-only. */
export function createFrontendApp(deps: FrontendDeps): Router {
  const app = express.Router();
  app.use(deps.metrics.middleware);
  app.use(healthRoutes({ ready: deps.ready, registry: deps.metrics.registry }));

  app.get('/api/images', async (req, res) => {
    res.json(await deps.images.list(listFilter(req, deps.pageSize)));
  });
  app.get('/api/images/:id', async (req, res) => {
    const id = positiveIntParam(req.params.id, 'id');
    const record = id === undefined ? undefined : await deps.images.get(id);
    if (!record) throw new AppError('NOT_FOUND', `no image with id ${req.params.id}`);
    res.json(record);
  });
  app.get('/api/people', async (_req, res) => {
    res.json({ people: await deps.people.list() });
  });

  app.get('/images/:id/thumbnail', async (req, res) => {
    const id = positiveIntParam(req.params.id, 'id');
    const record = id === undefined ? undefined : await deps.images.get(id);
    if (!record) throw new AppError('NOT_FOUND', `no image with id ${req.params.id}`);
    // The stored path was confined at submission; confine again in case the volume changed.
    const { absolute } = await resolveImagePath(deps.imagesRoot, record.path);
    const thumbnail = await sharp(absolute, { limitInputPixels: 100_000_000 })
      .rotate()
      .resize(192, 144, { fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 75 })
      .toBuffer()
      .catch(() => {
        throw new AppError('CORRUPT_IMAGE', `image ${record.id} cannot be decoded`);
      });
    res.type('image/jpeg').set('Cache-Control', 'public, max-age=86400').send(thumbnail);
  });

  app.get('/', async (req, res) => {
    const filter = listFilter(req, deps.pageSize);
    const [{ images, next }, people] = await Promise.all([
      deps.images.list(filter),
      deps.people.list(),
    ]);
    res
      .type('html')
      .send(resultsPage({ images, next, people, filter, refreshSeconds: deps.refreshSeconds }));
  });
  app.get('/people/:id', async (req, res) => {
    const id = positiveIntParam(req.params.id, 'id');
    const person = id === undefined ? undefined : await deps.people.get(id);
    if (!person) {
      res
        .status(404)
        .type('html')
        .send(errorPage(404, `No person with id ${req.params.id}.`));
      return;
    }
    const { images, next } = await deps.images.list({
      personId: person.id,
      limit: deps.pageSize,
      before: positiveIntParam(req.query.before, 'before'),
    });
    res.type('html').send(personPage(person, images, next));
  });

  app.use((req, _res, next) =>
    next(new AppError('NOT_FOUND', `no route for ${req.method} ${path.posix.normalize(req.path)}`)),
  );
  app.use(jsonErrorHandler(deps.logger));
  return app;
}
