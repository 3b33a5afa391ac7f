import path from 'node:path';
import express, {
  type ErrorRequestHandler,
  type Request,
  type RequestHandler,
  type Router,
} from 'express';
import helmet from 'helmet';
import sharp from 'sharp';
import { AppError, isAppError } from '../../lib/errors.js';
import type { ImagesRepository } from '../../lib/db/images-repo.js';
import type { PeopleRepository } from '../../lib/db/people-repo.js';
import type { PrivacyRepository } from '../../lib/db/privacy-repo.js';
import { principalOf, requireRole } from '../../lib/http/auth.js';
import { healthRoutes } from '../../lib/http/health.js';
import { jsonErrorHandler } from '../../lib/http/json-errors.js';
import { listFilter, positiveIntParam } from '../../lib/http/list-query.js';
import type { Metrics } from '../../lib/http/metrics.js';
import { resolveImagePath } from '../../lib/image-paths.js';
import type { Logger } from '../../lib/logger.js';
import { deleteImage, forgetPerson } from '../../lib/privacy/forgetting.js';
import {
  confirmPage,
  errorPage,
  loginPage,
  personPage,
  resultsPage,
  STYLESHEET,
  type Viewer,
} from './pages.js';
import { sessionExpired, type Sessions } from './session.js';

export interface FrontendDeps {
  images: ImagesRepository;
  people: PeopleRepository;
  privacy: PrivacyRepository;
  sessions: Sessions;
  imagesRoot: string;
  pageSize: number;
  refreshSeconds: number;
  logger: Logger;
  metrics: Metrics;
  ready: () => Promise<boolean>;
}

/** A browser navigating (it asks for HTML) gets pages and redirects; anything else gets JSON. */
const wantsHtml = (req: Request) => (req.get('accept') ?? '').includes('text/html');

/** Only same-site paths are followed after sign-in (no open redirect). */
const safeNext = (value: unknown) =>
  typeof value === 'string' && /^\/(?![/\\])/.test(value) ? value : '/';

/** Outcomes an admin action reports on the next page; fixed texts, never taken from the URL. */
const NOTICES: Record<string, string> = {
  forgotten: 'The person was forgotten: their descriptors and enrolment photos are deleted.',
  deleted: 'The image, its faces and any upload facetrail stored were deleted.',
};

/** Security headers for every answer: a CSP with no inline script or style, no framing, no sniffing. */
const securityHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      objectSrc: ["'none'"],
    },
  },
  referrerPolicy: { policy: 'same-origin' },
  // Sign-in over plain HTTP is allowed for standalone mode on loopback; TLS is the cluster's.
  strictTransportSecurity: false,
});

/** Photos, sightings and pages about people must not sit in shared or browser caches. */
const noStore: RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'private, no-store');
  next();
};

/**
 * The web page and its JSON API. Everything but health, the stylesheet and the sign-in page
 * needs a viewer or admin: a session from /login, or `Authorization: Bearer <key>`. Admins
 * also get the delete actions, each behind a confirmation page and a CSRF token.
 */
export function createFrontendApp(deps: FrontendDeps): Router {
  const { sessions } = deps;
  const app = express.Router();
  const forgetDeps = { privacy: deps.privacy, imagesRoot: deps.imagesRoot, logger: deps.logger };
  const viewerOf = (req: Request): Viewer | undefined => {
    const principal = principalOf(req);
    return principal
      ? { name: principal.name, role: principal.role, csrfToken: sessions.formToken(req) }
      : undefined;
  };

  app.use(deps.metrics.middleware);
  app.use(securityHeaders);
  app.use(healthRoutes({ ready: deps.ready, registry: deps.metrics.registry }));
  app.get('/static/facetrail.css', (_req, res) => {
    res.type('text/css').set('Cache-Control', 'public, max-age=3600').send(STYLESHEET);
  });

  app.use(sessions.authenticate);
  app.use(noStore);

  app.get('/login', (req, res) => {
    const next = safeNext(req.query.next);
    if (principalOf(req)) return res.redirect(303, next);
    res.type('html').send(
      loginPage({
        csrfToken: sessions.csrfToken(req),
        next,
        message: sessionExpired(req) || req.query.expired ? 'Your session expired.' : undefined,
      }),
    );
  });
  app.post('/login', sessions.requireCsrfToken, async (req, res) => {
    const form = (req.body ?? {}) as { key?: unknown; next?: unknown };
    const key = typeof form.key === 'string' ? form.key.trim() : '';
    const principal = key ? await sessions.authenticator.authenticate(key) : undefined;
    const refuse = (status: number, message: string) =>
      res
        .status(status)
        .type('html')
        .send(
          loginPage({ csrfToken: sessions.csrfToken(req), next: safeNext(form.next), message }),
        );
    if (!principal) return refuse(401, 'That key is unknown or was revoked.');
    if (principal.role === 'ingest')
      return refuse(403, 'That key may only submit photos; sign in with a viewer or admin key.');
    sessions.signIn(req, principal);
    deps.logger.info({ key: principal.name, role: principal.role }, 'signed in');
    res.redirect(303, safeNext(form.next));
  });
  app.post('/logout', (req, res, next) => {
    // An expired session has nothing left to end.
    if (!principalOf(req)) return res.redirect(303, '/login');
    sessions.requireCsrfToken(req, res, (error?: unknown) => {
      if (error) return next(error);
      sessions.signOut(req);
      res.redirect(303, '/login');
    });
  });

  // From here on: a viewer or an admin.
  app.use((req, res, next) => {
    if (principalOf(req)) return next();
    if (wantsHtml(req)) {
      const query = new URLSearchParams({ next: req.originalUrl });
      if (sessionExpired(req)) query.set('expired', '1');
      return res.redirect(303, `/login?${query}`);
    }
    next(
      new AppError(
        'UNAUTHORIZED',
        sessionExpired(req)
          ? 'the session expired; sign in again at /login'
          : 'sign in at /login, or send Authorization: Bearer <key>',
      ),
    );
  });
  app.use(requireRole('viewer', 'admin'));
  const admin = [requireRole('admin'), sessions.requireCsrfToken];

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
    res.type('image/jpeg').send(thumbnail);
  });

  app.get('/', async (req, res) => {
    const filter = listFilter(req, deps.pageSize);
    const [{ images, next }, people] = await Promise.all([
      deps.images.list(filter),
      deps.people.list(),
    ]);
    res.type('html').send(
      resultsPage({
        images,
        next,
        people,
        filter,
        refreshSeconds: deps.refreshSeconds,
        viewer: viewerOf(req),
        notice: NOTICES[String(req.query.done)],
      }),
    );
  });
  app.get('/people/:id', async (req, res) => {
    const id = positiveIntParam(req.params.id, 'id');
    const person = id === undefined ? undefined : await deps.people.get(id);
    if (!person) throw new AppError('NOT_FOUND', `No person with id ${req.params.id}.`);
    const { images, next } = await deps.images.list({
      personId: person.id,
      limit: deps.pageSize,
      before: positiveIntParam(req.query.before, 'before'),
    });
    res.type('html').send(personPage(person, images, next, viewerOf(req)));
  });

  // Admin actions: a confirmation page, then a form POST with the session's CSRF token.
  app.get('/people/:id/forget', requireRole('admin'), async (req, res) => {
    const id = positiveIntParam(req.params.id, 'id');
    const person = id === undefined ? undefined : await deps.people.get(id);
    if (!person) throw new AppError('NOT_FOUND', `No person with id ${req.params.id}.`);
    res.type('html').send(
      confirmPage({
        title: `Forget ${person.name}?`,
        explanation: `This deletes ${person.name}, their face descriptors and the enrolment photos facetrail stored. Photos they were recognised on stay, with their faces marked unknown. It cannot be undone, and a known-people folder will not enrol them again.`,
        action: `/people/${person.id}/forget`,
        button: `Forget ${person.name}`,
        viewer: viewerOf(req)!,
      }),
    );
  });
  app.post('/people/:id/forget', ...admin, async (req, res) => {
    await forgetPerson(forgetDeps, idOf(req, 'person'));
    res.redirect(303, '/?done=forgotten');
  });
  app.get('/images/:id/delete', requireRole('admin'), async (req, res) => {
    const id = idOf(req, 'image');
    const record = await deps.images.get(id);
    if (!record) throw new AppError('NOT_FOUND', `No image with id ${id}.`);
    res.type('html').send(
      confirmPage({
        title: `Delete image ${id}?`,
        explanation: `This deletes image ${id} (${record.path}), its faces, and the photo itself if it was uploaded to facetrail. It cannot be undone.`,
        action: `/images/${id}/delete`,
        button: 'Delete the image',
        viewer: viewerOf(req)!,
      }),
    );
  });
  app.post('/images/:id/delete', ...admin, async (req, res) => {
    await deleteImage(forgetDeps, idOf(req, 'image'));
    res.redirect(303, '/?done=deleted');
  });
  // The same for scripts: DELETE with a Bearer admin key (or a session and X-CSRF-Token).
  app.delete('/api/people/:id', ...admin, async (req, res) => {
    await forgetPerson(forgetDeps, idOf(req, 'person'));
    res.status(204).end();
  });
  app.delete('/api/images/:id', ...admin, async (req, res) => {
    await deleteImage(forgetDeps, idOf(req, 'image'));
    res.status(204).end();
  });

  app.use((req, _res, next) =>
    next(new AppError('NOT_FOUND', `no route for ${req.method} ${path.posix.normalize(req.path)}`)),
  );
  app.use(htmlErrorPages(viewerOf));
  app.use(jsonErrorHandler(deps.logger));
  return app;
}

function idOf(req: Request, what: string): number {
  const id = positiveIntParam(req.params.id, 'id');
  if (id === undefined) throw new AppError('NOT_FOUND', `no ${what} with id ${req.params.id}`);
  return id;
}

/** A person in a browser gets an error page (a JSON client gets the JSON error next). */
function htmlErrorPages(viewerOf: (req: Request) => Viewer | undefined): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent || !wantsHtml(req) || !isAppError(error)) return next(error);
    if (error.status === 401) return res.redirect(303, '/login');
    res
      .status(error.status)
      .type('html')
      .send(errorPage(error.status, error.message, error.status < 500 ? viewerOf(req) : undefined));
  };
}
