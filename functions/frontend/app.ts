import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, {
  type ErrorRequestHandler,
  type Request,
  type RequestHandler,
  type Response,
  type Router,
} from 'express';
import helmet from 'helmet';
import { DateTime } from 'luxon';
import type { AuditRepository } from '../../lib/db/audit-repo.js';
import type { FacesRepository } from '../../lib/db/faces-repo.js';
import type { ImageReadsRepository } from '../../lib/db/images/reads-repo.js';
import type { PeopleAdminRepository } from '../../lib/db/people-admin-repo.js';
import type { PeopleRepository } from '../../lib/db/people-repo.js';
import { imageOr404, readRoutes } from '../../lib/http/read-routes.js';
import type { PrivacyRepository } from '../../lib/db/privacy-repo.js';
import type { ResultsRepository } from '../../lib/db/results-repo.js';
import type { EnrollClient } from '../../lib/enrollment.js';
import { AppError, isAppError } from '../../lib/errors.js';
import { findUp } from '../../lib/find-up.js';
import { principalOf, requireRole } from '../../lib/http/auth.js';
import { healthRoutes } from '../../lib/http/health.js';
import {
  DEFAULT_RETRY_AFTER_SECONDS,
  jsonErrorHandler,
  toAppError,
} from '../../lib/http/json-errors.js';
import { positiveIntParam } from '../../lib/http/list-query.js';
import type { Metrics } from '../../lib/http/metrics.js';
import { isMultipart, parseMultipart, type FormFile } from '../../lib/http/multipart.js';
import type { Logger } from '../../lib/logger.js';
import { deleteImage, forgetPerson } from '../../lib/privacy/forgetting.js';
import type { RecognizerClient } from '../../lib/recognizer/client.js';
import { assignFace, rescoreRecent } from './face-actions.js';
import { resolveQuery, zoneOf } from './filters.js';
import type { SafeHtml } from './html.js';
import { eventStream, LiveFeed } from './live.js';
import {
  addPerson,
  enrollUploads,
  mergePeople,
  removeEnrollmentPhoto,
  renamePerson,
  type Actor,
} from './people-actions.js';
import { auditPage } from './pages/audit.js';
import { imagePage, imageRegion, type ImagePageInput } from './pages/image.js';
import type { Flash, Viewer } from './pages/layout.js';
import { confirmPage, errorPage, loginPage } from './pages/misc.js';
import { peoplePage, personPage, personSightings, type PersonPageInput } from './pages/people.js';
import { resultsPage, resultsRegion, type ResultsPageInput } from './pages/results.js';
import { faceCrop, fullPhoto, initialsSvg, thumbnail, uprightSize } from './photos.js';
import { sessionExpired, type Sessions } from './session.js';

export interface FrontendDeps {
  images: ImageReadsRepository;
  results: ResultsRepository;
  people: PeopleRepository;
  peopleAdmin: PeopleAdminRepository;
  privacy: PrivacyRepository;
  audit: AuditRepository;
  sessions: Sessions;
  /** Enrollment from the page; undefined when the frontend has no recognizer secret. */
  enroller: EnrollClient | undefined;
  /** Corrections ("this is …", re-scoring); undefined without the recognizer secret. */
  recognizer: Pick<RecognizerClient, 'rescore' | 'refreshGallery'> | undefined;
  faces: FacesRepository;
  now: () => Date;
  galleryChanged: () => Promise<void>;
  imagesRoot: string;
  pageSize: number;
  refreshSeconds: number;
  maxUploadBytes: number;
  livePollMs: number;
  eventsStreamMs: number;
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
  forgotten: 'The person was forgotten: their descriptors and enrollment photos are deleted.',
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
      connectSrc: ["'self'"],
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

/** The page's stylesheet and script, read once from functions/frontend/static/. */
function loadStatic(): Record<string, { type: string; body: Buffer }> {
  const dir = findUp(
    path.join('functions', 'frontend', 'static'),
    path.dirname(fileURLToPath(import.meta.url)),
  );
  return {
    'facetrail.css': { type: 'text/css', body: readFileSync(path.join(dir, 'facetrail.css')) },
    'facetrail.js': {
      type: 'text/javascript',
      body: readFileSync(path.join(dir, 'facetrail.js')),
    },
  };
}

const formFiles = new WeakMap<Request, FormFile[]>();

/**
 * The web page and its JSON API. Everything but health, the static files and the sign-in page
 * needs a viewer or admin: a session from /login, or `Authorization: Bearer <key>`. Admins
 * also get the actions (enroll, rename, merge, remove, forget, delete), each a form with the
 * session's CSRF token, and every one of them is written to the audit log.
 */
export function createFrontendApp(deps: FrontendDeps): Router {
  const { sessions } = deps;
  const app = express.Router();
  const statics = loadStatic();
  const feed = new LiveFeed(deps.results, deps.livePollMs, deps.logger);
  const forgetDeps = {
    privacy: deps.privacy,
    imagesRoot: deps.imagesRoot,
    logger: deps.logger,
    galleryChanged: deps.galleryChanged,
  };
  const actionDeps = {
    people: deps.people,
    admin: deps.peopleAdmin,
    privacy: deps.privacy,
    audit: deps.audit,
    enroller: deps.enroller,
    galleryChanged: deps.galleryChanged,
    imagesRoot: deps.imagesRoot,
    logger: deps.logger,
  };
  const faceDeps = {
    faces: deps.faces,
    people: deps.people,
    privacy: deps.privacy,
    audit: deps.audit,
    recognizer: deps.recognizer,
    imagesRoot: deps.imagesRoot,
    logger: deps.logger,
  };
  const viewerOf = (req: Request): Viewer | undefined => {
    const principal = principalOf(req);
    return principal
      ? { name: principal.name, role: principal.role, csrfToken: sessions.formToken(req) }
      : undefined;
  };
  const actorOf = (req: Request): Actor => {
    const principal = principalOf(req)!;
    return { name: principal.name, role: principal.role };
  };
  const flashOf = (req: Request): Flash[] => {
    const messages: Flash[] = sessions.takeFlash(req);
    const notice = NOTICES[String(req.query.done)];
    if (notice) messages.unshift({ kind: 'notice', text: notice });
    return messages;
  };
  /** After a form: messages for the next page, then a redirect to it (post, redirect, get). */
  const done = (req: Request, res: Response, to: string, messages: Flash[]) => {
    sessions.flash(req, messages);
    res.redirect(303, to);
  };
  const page = (res: Response, content: string) => res.type('html').send(content);
  const fragment = (req: Request) => req.query.fragment === '1';
  const sendFragment = (res: Response, region: SafeHtml) => res.type('html').send(region.value);
  const maxUploadMb = Math.floor(deps.maxUploadBytes / (1024 * 1024));

  app.use(deps.metrics.middleware);
  app.use(securityHeaders);
  app.use(healthRoutes({ ready: deps.ready, registry: deps.metrics.registry }));
  app.get('/static/:file', (req, res, next) => {
    const asset = statics[req.params.file];
    if (!asset) return next();
    res.type(asset.type).set('Cache-Control', 'public, max-age=3600').send(asset.body);
  });

  app.use(sessions.authenticate);
  app.use(noStore);

  app.get('/login', (req, res) => {
    const next = safeNext(req.query.next);
    if (principalOf(req)) return res.redirect(303, next);
    page(
      res,
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

  /** Reads a multipart form (files aside) before the CSRF check, which needs its fields. */
  const formBody: RequestHandler = (req, _res, next) => {
    if (!isMultipart(req.get('content-type'))) return next();
    parseMultipart(req.headers, req.body, { maxFiles: 20, maxFileBytes: deps.maxUploadBytes })
      .then((form) => {
        req.body = form.fields;
        formFiles.set(req, form.files);
        next();
      })
      .catch(next);
  };
  const admin = [requireRole('admin'), formBody, sessions.requireCsrfToken];

  // Live updates: a Server-Sent Events stream, driven by the database (see live.ts).
  app.get('/events', eventStream(feed, deps.eventsStreamMs));

  // ---- JSON -------------------------------------------------------------------------------
  app.get('/api/images', async (req, res) => {
    const query = await resolveQuery(req, deps.results);
    const limit = Math.min(positiveIntParam(req.query.limit, 'limit') ?? deps.pageSize, 500);
    const found = await deps.results.search(query.filter, query.cursor, limit);
    // `next` is the older page's cursor, as before; `newer` pages back.
    res.json({
      images: await deps.images.getMany(found.ids),
      next: found.older,
      newer: found.newer,
    });
  });
  app.use('/api', readRoutes(deps));

  // ---- results ----------------------------------------------------------------------------
  app.get('/', async (req, res) => {
    const query = await resolveQuery(req, deps.results);
    const [found, people, doors] = await Promise.all([
      deps.results.search(query.filter, query.cursor, deps.pageSize),
      deps.results.allNames(),
      deps.results.doors(),
    ]);
    const input: ResultsPageInput = {
      query,
      images: await deps.images.getMany(found.ids),
      newer: found.newer,
      older: found.older,
      people,
      doors,
      viewer: viewerOf(req),
      flash: fragment(req) ? [] : flashOf(req),
      refreshSeconds: deps.refreshSeconds,
    };
    if (fragment(req)) return sendFragment(res, resultsRegion(input));
    page(res, resultsPage(input));
  });

  // ---- one image --------------------------------------------------------------------------
  app.get('/images/:id', async (req, res) => {
    const image = await imageOr404(deps, req);
    let size: ImagePageInput['size'];
    let photoProblem: string | undefined;
    try {
      size = await uprightSize(deps.imagesRoot, image.path);
    } catch (error) {
      if (!isAppError(error)) throw error;
      photoProblem = `The photo cannot be shown: ${error.message}.`;
    }
    const viewer = viewerOf(req);
    const input: ImagePageInput = {
      image,
      size,
      photoProblem,
      viewer,
      // Admins name faces ("this is …") from the known names.
      people: viewer?.role === 'admin' ? await deps.results.allNames() : [],
      flash: fragment(req) ? [] : flashOf(req),
    };
    if (fragment(req)) return sendFragment(res, imageRegion(input));
    page(res, imagePage(input));
  });
  app.get('/images/:id/photo', async (req, res) => {
    const image = await imageOr404(deps, req);
    const photo = await fullPhoto(deps.imagesRoot, image.path);
    res.type(photo.type).send(photo.bytes);
  });
  app.get('/images/:id/thumbnail', async (req, res) => {
    const image = await imageOr404(deps, req);
    res.type('image/jpeg').send(await thumbnail(deps.imagesRoot, image.path));
  });

  // ---- people -----------------------------------------------------------------------------
  async function personOr404(req: Request) {
    const id = positiveIntParam(req.params.id, 'id');
    const person = id === undefined ? undefined : await deps.people.get(id);
    if (!person) throw new AppError('NOT_FOUND', `No person with id ${String(req.params.id)}.`);
    return person;
  }
  app.get('/people', async (req, res) => {
    const search = typeof req.query.q === 'string' ? req.query.q.trim().slice(0, 255) : '';
    const after = typeof req.query.after === 'string' ? req.query.after : undefined;
    const before = typeof req.query.before === 'string' ? req.query.before : undefined;
    const limit = 48;
    const found = await deps.results.people({ search, after, before, limit });
    const stats = await deps.results.stats(found.people.map((person) => person.id));
    const link = (key: 'after' | 'before', name: string) =>
      `/people?${new URLSearchParams({ ...(search ? { q: search } : {}), [key]: name })}`;
    const first = found.people[0];
    const last = found.people.at(-1);
    const hasOlder = before !== undefined ? true : found.hasMore;
    const hasNewer = before !== undefined ? found.hasMore : after !== undefined;
    page(
      res,
      peoplePage({
        people: found.people.map((person) => ({ ...person, stats: stats.get(person.id)! })),
        search,
        next: hasOlder && last ? link('after', last.name) : null,
        previous: hasNewer && first ? link('before', first.name) : null,
        viewer: viewerOf(req),
        flash: flashOf(req),
        canEnroll: deps.enroller !== undefined,
        maxUploadMb,
      }),
    );
  });
  app.get('/people/:id', async (req, res) => {
    const person = await personOr404(req);
    const zone = zoneOf(req);
    const cursor = readPersonCursor(req);
    const today = DateTime.now().setZone(zone).startOf('day');
    const days = 14;
    const boundaries = Array.from({ length: days + 1 }, (_, index) =>
      today.minus({ days: days - 1 - index }),
    );
    const [stats, photos, counts, found, others] = await Promise.all([
      deps.results.stats([person.id]),
      deps.results.enrollmentPhotos(person.id),
      deps.results.sightingsBetween(
        person.id,
        boundaries.map((boundary) => boundary.toJSDate()),
      ),
      deps.results.search({ personId: person.id }, cursor, deps.pageSize),
      deps.results.allNames(),
    ]);
    const base = `/people/${person.id}`;
    const input: PersonPageInput = {
      person,
      stats: stats.get(person.id)!,
      photos,
      days: boundaries.slice(0, -1).map((boundary, index) => ({
        label: boundary.toFormat('ccc d LLL'),
        iso: boundary.toISODate() ?? '',
        count: counts[index] ?? 0,
      })),
      zone,
      sightings: await deps.images.getMany(found.ids),
      newer: found.newer !== null ? `${base}?after=${found.newer}` : null,
      older: found.older !== null ? `${base}?before=${found.older}` : null,
      first: cursor ? base : null,
      others: others.filter((other) => other.id !== person.id),
      viewer: viewerOf(req),
      flash: fragment(req) ? [] : flashOf(req),
      canEnroll: deps.enroller !== undefined,
      maxUploadMb,
      live: cursor ? 'ids' : 'head',
    };
    if (fragment(req)) return sendFragment(res, personSightings(input));
    page(res, personPage(input));
  });
  app.get('/people/:id/face', async (req, res) => {
    const person = await personOr404(req);
    const source = await deps.results.faceSource(person.id);
    if (source) {
      try {
        const relative =
          source.kind === 'enrollment'
            ? source.storedPath
            : (await deps.images.get(source.imageId))?.path;
        if (relative) {
          return res.type('image/jpeg').send(await faceCrop(deps.imagesRoot, relative, source.box));
        }
      } catch (error) {
        // A photo gone from the volume: the placeholder says as much as can be said.
        if (!isAppError(error)) throw error;
      }
    }
    res.type('image/svg+xml').send(initialsSvg(person.name));
  });
  app.get('/people/:id/photos/:photoId', async (req, res) => {
    const person = await personOr404(req);
    const photoId = positiveIntParam(req.params.photoId, 'photoId');
    const photo = (await deps.results.enrollmentPhotos(person.id)).find(
      (candidate) => candidate.id === photoId,
    );
    if (!photo?.storedPath)
      throw new AppError('NOT_FOUND', `No stored enrollment photo ${String(req.params.photoId)}.`);
    res.type('image/jpeg').send(await thumbnail(deps.imagesRoot, photo.storedPath, 320, 320));
  });

  // ---- admin: correcting the recogniser ------------------------------------------------------
  app.post('/faces/:id/assign', ...admin, async (req, res) => {
    const faceId = positiveIntParam(req.params.id, 'id');
    if (faceId === undefined) throw new AppError('NOT_FOUND', 'no such face');
    const outcome = await assignFace(
      faceDeps,
      actorOf(req),
      faceId,
      (req.body as { name?: unknown } | undefined)?.name,
    );
    done(req, res, `/images/${outcome.imageId}`, outcome.flash);
  });
  app.post('/rescore', ...admin, async (req, res) => {
    const body = (req.body ?? {}) as { days?: unknown; personId?: unknown; next?: unknown };
    const outcome = await rescoreRecent(faceDeps, actorOf(req), {
      days: body.days,
      personId: positiveIntParam(body.personId, 'personId'),
      now: deps.now(),
    });
    done(req, res, safeNext(body.next), outcome.flash);
  });

  // ---- admin: people ----------------------------------------------------------------------
  app.post('/people', ...admin, async (req, res) => {
    const body = (req.body ?? {}) as { name?: unknown };
    const outcome = await addPerson(actionDeps, actorOf(req), body.name, formFiles.get(req) ?? []);
    done(req, res, outcome.personId ? `/people/${outcome.personId}` : '/people', outcome.flash);
  });
  app.post('/people/:id/photos', ...admin, async (req, res) => {
    const person = await personOr404(req);
    const outcome = await enrollUploads(
      actionDeps,
      actorOf(req),
      person.id,
      formFiles.get(req) ?? [],
    );
    done(req, res, `/people/${person.id}`, outcome.flash);
  });
  app.post('/people/:id/rename', ...admin, async (req, res) => {
    const id = idOf(req, 'person');
    const message = await renamePerson(
      actionDeps,
      actorOf(req),
      id,
      (req.body as { name?: unknown })?.name,
    );
    done(req, res, `/people/${id}`, [message]);
  });
  app.post('/people/:id/merge', ...admin, async (req, res) => {
    const id = idOf(req, 'person');
    const message = await mergePeople(
      actionDeps,
      actorOf(req),
      id,
      (req.body as { from?: unknown })?.from,
    );
    done(req, res, `/people/${id}`, [message]);
  });
  app.post('/people/:id/photos/:photoId/remove', ...admin, async (req, res) => {
    const id = idOf(req, 'person');
    const photoId = positiveIntParam(req.params.photoId, 'photoId');
    if (photoId === undefined) throw new AppError('NOT_FOUND', 'no such enrollment photo');
    const message = await removeEnrollmentPhoto(actionDeps, actorOf(req), id, photoId);
    done(req, res, `/people/${id}`, [message]);
  });

  // Deletions: a confirmation page, then a form POST with the session's CSRF token.
  app.get('/people/:id/forget', requireRole('admin'), async (req, res) => {
    const person = await personOr404(req);
    page(
      res,
      confirmPage({
        title: `Forget ${person.name}?`,
        explanation: `This deletes ${person.name}, their face descriptors and the enrollment photos facetrail stored. Photos they were recognised on stay, with their faces marked unknown. It cannot be undone, and a known-people folder will not enroll them again.`,
        action: `/people/${person.id}/forget`,
        button: `Forget ${person.name}`,
        cancel: `/people/${person.id}`,
        viewer: viewerOf(req)!,
      }),
    );
  });
  app.post('/people/:id/forget', ...admin, async (req, res) => {
    const id = idOf(req, 'person');
    await forgetPerson(forgetDeps, id);
    await deps.audit.record({ actor: actorOf(req), action: 'person.forget', personId: id });
    res.redirect(303, '/people?done=forgotten');
  });
  app.get('/images/:id/delete', requireRole('admin'), async (req, res) => {
    const record = await imageOr404(deps, req);
    page(
      res,
      confirmPage({
        title: `Delete photo ${record.id}?`,
        explanation: `This deletes photo ${record.id} (${record.originalName ?? record.path}), its faces, and the photo itself if it was uploaded to facetrail. It cannot be undone.`,
        action: `/images/${record.id}/delete`,
        button: 'Delete the photo',
        cancel: `/images/${record.id}`,
        viewer: viewerOf(req)!,
      }),
    );
  });
  app.post('/images/:id/delete', ...admin, async (req, res) => {
    const id = idOf(req, 'image');
    await deleteImage(forgetDeps, id);
    await deps.audit.record({ actor: actorOf(req), action: 'image.delete', imageId: id });
    res.redirect(303, '/?done=deleted');
  });
  // The same for scripts: DELETE with a Bearer admin key (or a session and X-CSRF-Token).
  app.delete('/api/people/:id', ...admin, async (req, res) => {
    const id = idOf(req, 'person');
    await forgetPerson(forgetDeps, id);
    await deps.audit.record({ actor: actorOf(req), action: 'person.forget', personId: id });
    res.status(204).end();
  });
  app.delete('/api/images/:id', ...admin, async (req, res) => {
    const id = idOf(req, 'image');
    await deleteImage(forgetDeps, id);
    await deps.audit.record({ actor: actorOf(req), action: 'image.delete', imageId: id });
    res.status(204).end();
  });

  // ---- audit log --------------------------------------------------------------------------
  app.get('/audit', requireRole('admin'), async (req, res) => {
    const before = positiveIntParam(req.query.before, 'before');
    const { entries, next } = await deps.audit.list({ before, limit: 50 });
    page(res, auditPage({ entries, next, newest: before !== undefined, viewer: viewerOf(req)! }));
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

function readPersonCursor(req: Request) {
  const before = positiveIntParam(req.query.before, 'before');
  const after = positiveIntParam(req.query.after, 'after');
  if (before !== undefined) return { before };
  if (after !== undefined) return { after };
  return undefined;
}

/** A person in a browser gets an error page (a JSON client gets the JSON error next). */
function htmlErrorPages(viewerOf: (req: Request) => Viewer | undefined): ErrorRequestHandler {
  return (failure, req, res, next) => {
    // A database outage gets its 503 page too; a bug goes on to the JSON handler's 500.
    const error = toAppError(failure);
    if (res.headersSent || !wantsHtml(req) || !error) return next(failure);
    if (error.status === 401) return res.redirect(303, '/login');
    if (error.status === 503) res.set('Retry-After', String(DEFAULT_RETRY_AFTER_SECONDS));
    res
      .status(error.status)
      .type('html')
      .send(errorPage(error.status, error.message, error.status < 500 ? viewerOf(req) : undefined));
  };
}
