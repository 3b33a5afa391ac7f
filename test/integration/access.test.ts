import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadFrontendConfig } from '../../functions/frontend/config.js';
import { createFrontend } from '../../functions/frontend/wiring.js';
import { loadProcessorConfig } from '../../functions/processor/config.js';
import { createProcessor } from '../../functions/processor/wiring.js';
import { loadReceiverConfig } from '../../functions/receiver/config.js';
import { createReceiver } from '../../functions/receiver/wiring.js';
import { loadRedeemerConfig } from '../../functions/redeemer/config.js';
import { createRedeemer } from '../../functions/redeemer/wiring.js';
import { ImageIngestRepository } from '../../lib/db/images/ingest-repo.js';
import { PeopleRepository } from '../../lib/db/people-repo.js';
import type { RunningFunctionServer } from '../../lib/http/function-server.js';
import { createLogger } from '../../lib/logger.js';
import { MemoryQueue } from '../../lib/queue/memory-queue.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { FIXTURES } from '../support/fixtures.js';
import { serveForTest } from '../support/function-server.js';
import { freePort } from '../support/ports.js';
import { TEST_RECOGNIZER_SECRET } from '../support/recognizer.js';

const ADMIN_TOKEN = 'access-table-admin-token-0123456789';
const WHO = ['none', 'wrong', 'revoked', 'ingest', 'viewer', 'admin'] as const;
type Who = (typeof WHO)[number];
type Fn = 'receiver' | 'frontend' | 'processor' | 'redeemer';
type Expected = Record<Who, number>;

/** A route anyone may call, with the same answer whoever asks. */
const open = (status: number): Expected =>
  Object.fromEntries(WHO.map((who) => [who, status])) as Expected;
/** A route behind a key: no key, a wrong or a revoked one get 401; the roles as given. */
const keyed = (roles: { ingest: number; viewer: number; admin: number }): Expected => ({
  none: 401,
  wrong: 401,
  revoked: 401,
  ...roles,
});
const INGEST = keyed({ ingest: 202, viewer: 403, admin: 202 });
const READ = keyed({ ingest: 403, viewer: 200, admin: 200 });
const ADMIN = (status: number) => keyed({ ingest: 403, viewer: 403, admin: status });

interface Route {
  fn: Fn;
  method: 'GET' | 'POST' | 'DELETE';
  /** The path, or a function making a fresh target for each call (what a delete removes). */
  path: string | (() => Promise<string>);
  /** How the route reads in the test name when `path` is a function. */
  label?: string;
  body?: () => Promise<{ type: string; data: string | Buffer }>;
  accept?: string;
  /** An endless answer (an event stream): only its status is read. */
  stream?: boolean;
  expect: Expected;
}

/**
 * Every route of every function against every kind of caller, on real servers and MariaDB.
 * The processor and the redeemer take no key: they are cluster-local (the adapter and the
 * PingSource call them), answer the same to everyone and reveal nothing personal; the
 * NetworkPolicies keep everyone else away from them in the cluster.
 */
describe('who may call what: every route × every role', () => {
  let database: TestDatabase;
  let root: string;
  const servers = {} as Record<Fn, RunningFunctionServer>;
  const closers: Array<() => Promise<void>> = [];
  const keys = {} as Record<Who, string | undefined>;
  let ingest: ImageIngestRepository;
  let people: PeopleRepository;
  let imageId = 0;
  let personId = 0;
  let photoId = 0;
  let serial = 0;

  const json = (value: unknown) => async () => ({
    type: 'application/json',
    data: JSON.stringify(value),
  });
  const newPerson = async () => `/people/${(await people.create(`Target ${++serial}`)).id}`;
  /** Form fields as a browser posts them. */
  const form = (fields: () => Record<string, string>) => async () => ({
    type: 'application/x-www-form-urlencoded',
    data: new URLSearchParams(fields()).toString(),
  });
  /** An upload form with no file chosen. */
  const emptyUpload = async () => ({
    type: 'multipart/form-data; boundary=x-boundary',
    data: '--x-boundary\r\nContent-Disposition: form-data; name="name"\r\n\r\nNobody\r\n--x-boundary--\r\n',
  });
  let mergeFrom = 0;
  const newImage = async () => `/images/${(await ingest.createImages(['door-1/a.jpg'])).ids[0]!}`;

  const TABLE: Route[] = [
    // receiver: cameras submit, screens and people read, admins enroll, forget and hold keys
    {
      fn: 'receiver',
      method: 'POST',
      path: '/images',
      body: json({ path: 'door-1/a.jpg' }),
      expect: INGEST,
    },
    {
      fn: 'receiver',
      method: 'POST',
      path: '/images',
      body: async () => ({
        type: 'image/jpeg',
        data: await readFile(path.join(root, 'door-1/a.jpg')),
      }),
      expect: INGEST,
    },
    // An HTML form upload (multipart/form-data) with the photo and a door.
    {
      fn: 'receiver',
      method: 'POST',
      path: '/images',
      body: async () => ({
        type: 'multipart/form-data; boundary=x-boundary',
        data: Buffer.concat([
          Buffer.from(
            '--x-boundary\r\nContent-Disposition: form-data; name="door"\r\n\r\ndoor-1\r\n' +
              '--x-boundary\r\nContent-Disposition: form-data; name="photo"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n',
          ),
          await readFile(path.join(root, 'door-1/a.jpg')),
          Buffer.from('\r\n--x-boundary--\r\n'),
        ]),
      }),
      expect: INGEST,
    },
    {
      fn: 'receiver',
      method: 'POST',
      path: '/image/post',
      body: json({ path: 'door-1/a.jpg' }),
      expect: INGEST,
    },
    {
      fn: 'receiver',
      method: 'POST',
      path: '/images/post',
      body: json({ paths: [{ path: 'door-1/a.jpg' }] }),
      expect: INGEST,
    },
    { fn: 'receiver', method: 'GET', path: '/images', expect: READ },
    { fn: 'receiver', method: 'GET', path: '/images/{image}', expect: READ },
    { fn: 'receiver', method: 'GET', path: '/people', expect: READ },
    {
      fn: 'receiver',
      method: 'POST',
      path: '/people',
      body: async () => json({ name: `New ${++serial}` })(),
      expect: ADMIN(201),
    },
    // An admin passes the role check and reaches enrollment, which finds no such person.
    {
      fn: 'receiver',
      method: 'POST',
      path: '/people/999999/images',
      body: json({ path: 'door-1/a.jpg' }),
      expect: ADMIN(404),
    },
    { fn: 'receiver', method: 'DELETE', path: newPerson, label: '/people/:id', expect: ADMIN(204) },
    { fn: 'receiver', method: 'DELETE', path: newImage, label: '/images/:id', expect: ADMIN(204) },
    {
      fn: 'receiver',
      method: 'POST',
      path: '/keys',
      body: async () => json({ name: `k-${++serial}`, role: 'viewer' })(),
      expect: ADMIN(201),
    },
    { fn: 'receiver', method: 'GET', path: '/keys', expect: ADMIN(200) },
    {
      fn: 'receiver',
      method: 'DELETE',
      path: async () => {
        const name = `doomed-${++serial}`;
        await post('receiver', '/keys', { name, role: 'viewer' });
        return `/keys/${name}`;
      },
      label: '/keys/:name',
      expect: ADMIN(204),
    },
    { fn: 'receiver', method: 'GET', path: '/dead-letters', expect: ADMIN(200) },
    {
      fn: 'receiver',
      method: 'POST',
      path: '/dead-letters/replay',
      body: json({ ids: [987654] }),
      expect: ADMIN(200),
    },
    {
      fn: 'receiver',
      method: 'DELETE',
      path: '/dead-letters?id=987654',
      label: '/dead-letters',
      expect: ADMIN(200),
    },
    { fn: 'receiver', method: 'GET', path: '/healthz', expect: open(200) },
    { fn: 'receiver', method: 'GET', path: '/readyz', expect: open(200) },
    { fn: 'receiver', method: 'GET', path: '/metrics', expect: open(200) },

    // frontend: a page sends a browser to /login; JSON clients get 401
    {
      fn: 'frontend',
      method: 'GET',
      path: '/',
      accept: 'text/html',
      expect: { none: 303, wrong: 303, revoked: 303, ingest: 403, viewer: 200, admin: 200 },
    },
    { fn: 'frontend', method: 'GET', path: '/', expect: READ },
    { fn: 'frontend', method: 'GET', path: '/people/{person}', expect: READ },
    { fn: 'frontend', method: 'GET', path: '/api/images', expect: READ },
    { fn: 'frontend', method: 'GET', path: '/api/images/{image}', expect: READ },
    { fn: 'frontend', method: 'GET', path: '/api/people', expect: READ },
    { fn: 'frontend', method: 'GET', path: '/images/{image}/thumbnail', expect: READ },
    { fn: 'frontend', method: 'GET', path: '/images/{image}', expect: READ },
    { fn: 'frontend', method: 'GET', path: '/images/{image}/photo', expect: READ },
    { fn: 'frontend', method: 'GET', path: '/people', expect: READ },
    { fn: 'frontend', method: 'GET', path: '/people/{person}/face', expect: READ },
    { fn: 'frontend', method: 'GET', path: '/people/{person}/photos/{photo}', expect: READ },
    { fn: 'frontend', method: 'GET', path: '/events', stream: true, expect: READ },
    { fn: 'frontend', method: 'GET', path: '/audit', expect: ADMIN(200) },
    // Admin forms: a Bearer key needs no CSRF token. An upload form without a photo reaches
    // the enrollment, which asks for one.
    { fn: 'frontend', method: 'POST', path: '/people', body: emptyUpload, expect: ADMIN(400) },
    {
      fn: 'frontend',
      method: 'POST',
      path: '/people/{person}/photos',
      body: emptyUpload,
      expect: ADMIN(400),
    },
    {
      fn: 'frontend',
      method: 'POST',
      path: async () => `${await newPerson()}/rename`,
      label: '/people/:id/rename',
      body: form(() => ({ name: `Renamed ${++serial}` })),
      expect: ADMIN(303),
    },
    {
      fn: 'frontend',
      method: 'POST',
      path: async () => {
        mergeFrom = (await people.create(`Merged ${++serial}`)).id;
        return `${await newPerson()}/merge`;
      },
      label: '/people/:id/merge',
      body: form(() => ({ from: String(mergeFrom) })),
      expect: ADMIN(303),
    },
    {
      fn: 'frontend',
      method: 'POST',
      path: async () => {
        const person = await people.create(`Enrolled ${++serial}`);
        const photo = await people.addPersonImage({
          personId: person.id,
          imageName: `p${serial}.jpg`,
          contentHash: `${serial}`.padStart(64, '0'),
          descriptor: new Float32Array(128),
        });
        return `/people/${person.id}/photos/${photo.id}/remove`;
      },
      label: '/people/:id/photos/:photoId/remove',
      expect: ADMIN(303),
    },
    // Corrections: "this is …" reaches the face (none with this id); a re-score of the last
    // day (no stored descriptors here) goes back where it was asked from.
    {
      fn: 'frontend',
      method: 'POST',
      path: '/faces/999999/assign',
      body: form(() => ({ name: 'Somebody' })),
      expect: ADMIN(404),
    },
    {
      fn: 'frontend',
      method: 'POST',
      path: '/rescore',
      body: form(() => ({ days: '1', next: '/' })),
      expect: ADMIN(303),
    },
    { fn: 'frontend', method: 'GET', path: '/people/{person}/forget', expect: ADMIN(200) },
    { fn: 'frontend', method: 'GET', path: '/images/{image}/delete', expect: ADMIN(200) },
    // A form post with a Bearer key needs no CSRF token (no cookie rides along).
    {
      fn: 'frontend',
      method: 'POST',
      path: async () => `${await newPerson()}/forget`,
      label: '/people/:id/forget',
      expect: ADMIN(303),
    },
    {
      fn: 'frontend',
      method: 'POST',
      path: async () => `${await newImage()}/delete`,
      label: '/images/:id/delete',
      expect: ADMIN(303),
    },
    {
      fn: 'frontend',
      method: 'DELETE',
      path: async () => `/api${await newPerson()}`,
      label: '/api/people/:id',
      expect: ADMIN(204),
    },
    {
      fn: 'frontend',
      method: 'DELETE',
      path: async () => `/api${await newImage()}`,
      label: '/api/images/:id',
      expect: ADMIN(204),
    },
    // Signing in: the page is open; a key in the header is checked (and a good one is sent on).
    {
      fn: 'frontend',
      method: 'GET',
      path: '/login',
      expect: { none: 200, wrong: 401, revoked: 401, ingest: 303, viewer: 303, admin: 303 },
    },
    // Without the sign-in page's CSRF token nobody posts the sign-in form; with a Bearer key
    // the form is checked, and its key "x" is refused.
    {
      fn: 'frontend',
      method: 'POST',
      path: '/login',
      body: json({ key: 'x' }),
      expect: { none: 403, wrong: 401, revoked: 401, ingest: 401, viewer: 401, admin: 401 },
    },
    {
      fn: 'frontend',
      method: 'POST',
      path: '/logout',
      expect: { none: 303, wrong: 401, revoked: 401, ingest: 303, viewer: 303, admin: 303 },
    },
    { fn: 'frontend', method: 'GET', path: '/static/facetrail.css', expect: open(200) },
    { fn: 'frontend', method: 'GET', path: '/healthz', expect: open(200) },
    { fn: 'frontend', method: 'GET', path: '/readyz', expect: open(200) },
    { fn: 'frontend', method: 'GET', path: '/metrics', expect: open(200) },

    // processor and redeemer: cluster-local, no key, same answer for all
    {
      fn: 'processor',
      method: 'POST',
      path: '/',
      body: json({ not: 'a CloudEvent' }),
      expect: open(400),
    },
    { fn: 'processor', method: 'GET', path: '/healthz', expect: open(200) },
    { fn: 'processor', method: 'GET', path: '/metrics', expect: open(200) },
    { fn: 'redeemer', method: 'POST', path: '/', body: json({}), expect: open(200) },
    { fn: 'redeemer', method: 'GET', path: '/healthz', expect: open(200) },
    { fn: 'redeemer', method: 'GET', path: '/metrics', expect: open(200) },
  ];

  async function post(fn: Fn, url: string, body: unknown): Promise<Response> {
    return fetch(`${servers[fn].url}${url}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  async function call(route: Route, who: Who): Promise<number> {
    const raw = typeof route.path === 'string' ? route.path : await route.path();
    const url = raw
      .replace('{image}', String(imageId))
      .replace('{person}', String(personId))
      .replace('{photo}', String(photoId));
    const headers: Record<string, string> = { accept: route.accept ?? 'application/json' };
    const key = keys[who];
    if (key) headers.authorization = `Bearer ${key}`;
    const body = route.body ? await route.body() : undefined;
    if (body) headers['content-type'] = body.type;
    const response = await fetch(`${servers[route.fn].url}${url}`, {
      method: route.method,
      headers,
      body: body?.data,
      redirect: 'manual',
    });
    if (route.stream) await response.body?.cancel();
    else await response.arrayBuffer();
    return response.status;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    ingest = new ImageIngestRepository(database.db);
    people = new PeopleRepository(database.db);
    root = await mkdtemp(path.join(tmpdir(), 'facetrail-access-'));
    await mkdir(path.join(root, 'door-1'));
    await copyFile(
      path.join(FIXTURES, 'seed/unknown_people/unknown.jpg'),
      path.join(root, 'door-1/a.jpg'),
    );
    const common = {
      DATABASE_URL: database.url,
      IMAGES_ROOT: root,
      ADMIN_TOKEN,
      RECOGNIZER_SECRET: TEST_RECOGNIZER_SECRET,
      RECOGNIZER_ADDRESS: `127.0.0.1:${await freePort()}`,
    };
    const logger = (name: string) => createLogger(name, 'silent');
    const queue = new MemoryQueue();
    const receiverConfig = loadReceiverConfig(common);
    const receiver = createReceiver(receiverConfig, logger('receiver'), { publisher: queue });
    const frontend = createFrontend(
      loadFrontendConfig({ ...common, SESSION_SECRET: 'access-table-session-secret-0123456789' }),
      logger('frontend'),
    );
    const processor = createProcessor(loadProcessorConfig(common), logger('processor'));
    const redeemer = createRedeemer(loadRedeemerConfig(common), logger('redeemer'), {
      publisher: queue,
    });
    for (const [fn, app] of [
      ['receiver', receiver],
      ['frontend', frontend],
      ['processor', processor],
      ['redeemer', redeemer],
    ] as const) {
      servers[fn] = await serveForTest(
        app.app,
        fn === 'receiver' ? receiverConfig.maxUploadBytes : undefined,
      );
      closers.push(
        () => servers[fn].close(),
        () => app.close(),
      );
    }
    closers.push(() => queue.close());

    keys.none = undefined;
    keys.wrong = 'ftk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    for (const role of ['ingest', 'viewer', 'admin', 'revoked'] as const) {
      const response = await post('receiver', '/keys', {
        name: `${role}-key`,
        role: role === 'revoked' ? 'admin' : role,
      });
      expect(response.status).toBe(201);
      keys[role] = ((await response.json()) as { key: string }).key;
    }
    const revoked = await fetch(`${servers.receiver.url}/keys/revoked-key`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(revoked.status).toBe(204);
    imageId = (await ingest.createImages(['door-1/a.jpg'])).ids[0]!;
    personId = (await people.create('Somebody')).id;
    // An enrollment photo facetrail stored (its thumbnail route needs a file).
    await mkdir(path.join(root, 'enrollments', String(personId)), { recursive: true });
    await copyFile(
      path.join(root, 'door-1/a.jpg'),
      path.join(root, 'enrollments', String(personId), 'a.jpg'),
    );
    photoId = (
      await people.addPersonImage({
        personId,
        imageName: 'a.jpg',
        contentHash: 'f'.repeat(64),
        descriptor: new Float32Array(128),
        storedPath: `enrollments/${personId}/a.jpg`,
      })
    ).id;
  }, 60_000);

  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await database?.drop();
    await rm(root, { recursive: true, force: true });
  });

  it.each(
    TABLE.map(
      (route) =>
        [
          `${route.fn} ${route.method} ${typeof route.path === 'string' ? route.path : route.label}${route.accept ? ` (${route.accept})` : ''}`,
          route,
        ] as const,
    ),
  )('%s', async (_name, route) => {
    const got = {} as Expected;
    for (const who of WHO) got[who] = await call(route, who);
    expect(got).toEqual(route.expect);
  });
});
