import { mkdir, mkdtemp, readFile, rm, symlink, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger } from '../../lib/logger.js';
import { loadReceiverConfig } from '../../functions/receiver/config.js';
import { createReceiver } from '../../functions/receiver/wiring.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { serveForTest } from '../support/function-server.js';
import { startNsq, type NsqCluster } from '../support/nsq.js';
import { readMessages } from '../support/nsq-consumer.js';
import { freePort } from '../support/ports.js';
import { FIXTURES } from '../support/fixtures.js';
import { TEST_RECOGNIZER_SECRET } from '../support/recognizer.js';
import type { RunningFunctionServer } from '../../lib/http/function-server.js';

const ADMIN_TOKEN = 'test-admin-token-0123456789';
const AUTH = { authorization: `Bearer ${ADMIN_TOKEN}` };

describe('receiver on real MariaDB and nsqd', () => {
  let database: TestDatabase;
  let nsq: NsqCluster;
  let root: string;
  let server: RunningFunctionServer;
  let receiver: ReturnType<typeof createReceiver>;
  const topic = 'receiver_images';

  /** POSTs as the admin unless `headers` carries its own authorization (or `null` for none). */
  const post = (url: string, body: unknown, headers: Record<string, string | null> = {}) =>
    fetch(`${server.url}${url}`, {
      method: 'POST',
      headers: Object.fromEntries(
        Object.entries({ 'content-type': 'application/json', ...AUTH, ...headers }).filter(
          (entry): entry is [string, string] => entry[1] !== null,
        ),
      ),
      body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    [database, nsq] = await Promise.all([createTestDatabase(), startNsq()]);
    root = await mkdtemp(path.join(tmpdir(), 'facetrail-receiver-'));
    await mkdir(path.join(root, 'door-1'));
    await copyFile(
      path.join(FIXTURES, 'seed/unknown_people/unknown.jpg'),
      path.join(root, 'door-1/a.jpg'),
    );
    await copyFile(
      path.join(FIXTURES, 'seed/known_people/hannibal_2.jpg'),
      path.join(root, 'door-1/b.jpg'),
    );
    await writeFile(path.join(root, 'door-1/notes.txt'), 'not an image');
    await writeFile(path.join(path.dirname(root), `outside-${path.basename(root)}.jpg`), 'x');
    await symlink(
      path.join(path.dirname(root), `outside-${path.basename(root)}.jpg`),
      path.join(root, 'escape.jpg'),
    );
    const config = loadReceiverConfig({
      DATABASE_URL: database.url,
      NSQD_TCP_ADDRESS: nsq.nsqdTcpAddress,
      NSQ_TOPIC: topic,
      IMAGES_ROOT: root,
      ADMIN_TOKEN,
      RECOGNIZER_SECRET: TEST_RECOGNIZER_SECRET,
      RECOGNIZER_ADDRESS: `127.0.0.1:${await freePort()}`,
      MAX_UPLOAD_BYTES: String(2 * 1024 * 1024),
      MAX_PATHS_PER_REQUEST: '5',
    });
    receiver = createReceiver(config, createLogger('receiver', 'silent'));
    server = await serveForTest(receiver.app, config.maxUploadBytes);
  }, 30_000);

  afterAll(async () => {
    await server?.close();
    await receiver?.close();
    await nsq?.stop();
    await database?.drop();
    await rm(root, { recursive: true, force: true });
    await rm(path.join(path.dirname(root), `outside-${path.basename(root)}.jpg`), { force: true });
  });

  it('accepts a path: a PENDING row, then the CloudEvent on NSQ', async () => {
    const response = await post('/images', { path: 'door-1/a.jpg' });
    expect(response.status).toBe(202);
    const body = (await response.json()) as {
      images: Array<{ id: number; path: string; status: string }>;
    };
    expect(body.images).toEqual([
      { id: expect.any(Number), path: 'door-1/a.jpg', status: 'PENDING' },
    ]);
    const id = body.images[0]!.id;

    const [message] = await readMessages(nsq.nsqdTcpAddress, topic, 1);
    const event = JSON.parse(message!);
    expect(event).toMatchObject({
      specversion: '1.0',
      type: 'dev.facetrail.image.submitted',
      source: '/facetrail/receiver',
      subject: String(id),
      datacontenttype: 'application/json',
      data: { imageId: id, path: 'door-1/a.jpg' },
    });
    const row = await database.db
      .selectFrom('images')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('PENDING');
    expect(row.published_at).not.toBeNull();

    const record = await fetch(`${server.url}/images/${id}`, { headers: AUTH });
    expect(record.status).toBe(200);
    expect(await record.json()).toMatchObject({
      id,
      path: 'door-1/a.jpg',
      status: 'PENDING',
      attempts: 0,
      faces: [],
      people: [],
    });
  });

  it('answers a bulk request per item, each refusal with its own code', async () => {
    const response = await post('/images', {
      paths: [
        'door-1/b.jpg',
        '../x.jpg',
        '/etc/hostname',
        'escape.jpg',
        'door-1',
        'door-1/missing.jpg',
      ],
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'TOO_MANY_PATHS',
    );

    const bulk = await post('/images', {
      paths: ['door-1/b.jpg', '../x.jpg', '/etc/hostname', 'escape.jpg', 'door-1'],
    });
    expect(bulk.status).toBe(202);
    const items = (
      (await bulk.json()) as { images: Array<{ id?: number; error?: { code: string } }> }
    ).images;
    expect(items.map((item) => item.error?.code ?? 'ACCEPTED')).toEqual([
      'ACCEPTED',
      'PATH_TRAVERSAL',
      'PATH_OUTSIDE_ROOT',
      'SYMLINK_OUTSIDE_ROOT',
      'PATH_IS_DIRECTORY',
    ]);
    const more = await post('/images', { paths: ['door-1/missing.jpg', 'door-1/notes.txt'] });
    expect(more.status).toBe(422);
    const refused = ((await more.json()) as { images: Array<{ error: { code: string } }> }).images;
    expect(refused.map((item) => item.error.code)).toEqual(['FILE_NOT_FOUND', 'NOT_AN_IMAGE']);
  });

  it('refuses a single bad path with the error contract', async () => {
    const response = await post('/images', { path: '../../etc/passwd' });
    expect(response.status).toBe(422);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('PATH_TRAVERSAL');
    expect(body.error.message).toContain('..');
  });

  it('keeps the seed aliases', async () => {
    const single = await post('/image/post', { path: 'door-1/a.jpg' });
    expect(single.status).toBe(202);
    const bulk = await post('/images/post', {
      paths: [{ path: 'door-1/a.jpg' }, { path: 'door-1/b.jpg' }],
    });
    expect(bulk.status).toBe(202);
    expect(((await bulk.json()) as { images: unknown[] }).images).toHaveLength(2);
  });

  it('stores a raw upload under uploads/ and refuses what is not an image', async () => {
    const jpeg = await readFile(path.join(root, 'door-1/a.jpg'));
    const response = await post('/images', jpeg, { 'content-type': 'image/jpeg' });
    expect(response.status).toBe(202);
    const [image] = ((await response.json()) as { images: Array<{ path: string }> }).images;
    expect(image!.path).toMatch(/^uploads\/\d{4}-\d{2}-\d{2}\/[0-9a-f-]{36}\.jpg$/);
    expect(await readFile(path.join(root, image!.path))).toEqual(jpeg);

    const text = await post('/images', 'hello', { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    const fake = await post('/images', Buffer.from('not really a png'), {
      'content-type': 'image/png',
    });
    expect(fake.status).toBe(422);
    expect(((await fake.json()) as { error: { code: string } }).error.code).toBe('NOT_AN_IMAGE');
    const huge = await post('/images', Buffer.alloc(3 * 1024 * 1024, 0xff), {
      'content-type': 'image/jpeg',
    });
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { error: { code: string } }).error.code).toBe(
      'PAYLOAD_TOO_LARGE',
    );
  });

  it('refuses an oversized chunked upload (no Content-Length) with 413 instead of buffering it', async () => {
    const count = async () =>
      (await database.db.selectFrom('images').select('id').execute()).length;
    const before = await count();
    const chunk = Buffer.alloc(256 * 1024, 0xff);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        // 4 MiB in all, over the 2 MiB limit; a well-behaved server stops us early.
        if (sent >= 16) return controller.close();
        sent++;
        controller.enqueue(chunk);
      },
    });
    const response = await fetch(`${server.url}/images`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg', ...AUTH },
      body,
      duplex: 'half',
    } as RequestInit & { duplex: 'half' }).catch((error: Error) => error);
    // Either the 413 arrives, or the server cut the connection after answering it.
    if (response instanceof Error)
      expect(response.message).toMatch(/fetch failed|terminated|socket/i);
    else {
      expect(response.status).toBe(413);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
        'PAYLOAD_TOO_LARGE',
      );
    }
    expect(await count()).toBe(before);
  });

  it('answers unparsable JSON with a JSON 400, never a stack trace', async () => {
    const response = await post('/images', '{"path": ');
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('INVALID_JSON');
    expect(JSON.stringify(body)).not.toMatch(/at .*\.js:\d+/);
    const shape = await post('/images', { paht: 'x' });
    expect(shape.status).toBe(400);
    expect(((await shape.json()) as { error: { code: string } }).error.code).toBe(
      'INVALID_REQUEST',
    );
  });

  it('replays a request with the same Idempotency-Key and refuses the key for another body', async () => {
    const headers = { 'idempotency-key': 'camera-7-frame-42' };
    const first = await post('/images', { paths: ['door-1/a.jpg', 'door-1/b.jpg'] }, headers);
    const second = await post('/images', { paths: ['door-1/a.jpg', 'door-1/b.jpg'] }, headers);
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const ids = (response: unknown) =>
      (response as { images: Array<{ id: number }> }).images.map((image) => image.id);
    expect(ids(await second.json())).toEqual(ids(await first.json()));
    const other = await post('/images', { paths: ['door-1/a.jpg'] }, headers);
    expect(other.status).toBe(422);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe(
      'IDEMPOTENCY_KEY_REUSED',
    );
  });

  it('still answers 202 when nsqd is down, leaving the image PENDING and unpublished', async () => {
    await nsq.nsqd.stop();
    try {
      const response = await post('/images', { path: 'door-1/b.jpg' });
      expect(response.status).toBe(202);
      const [image] = ((await response.json()) as { images: Array<{ id: number }> }).images;
      const row = await database.db
        .selectFrom('images')
        .selectAll()
        .where('id', '=', image!.id)
        .executeTakeFirstOrThrow();
      expect(row.status).toBe('PENDING');
      expect(row.published_at).toBeNull();
    } finally {
      await nsq.restartNsqd();
    }
    // The publisher reconnects by itself once nsqd is back.
    const again = await post('/images', { path: 'door-1/b.jpg' });
    const [image] = ((await again.json()) as { images: Array<{ id: number }> }).images;
    const row = await database.db
      .selectFrom('images')
      .selectAll()
      .where('id', '=', image!.id)
      .executeTakeFirstOrThrow();
    expect(row.published_at).not.toBeNull();
  }, 30_000);

  it('guards enrollment with the admin token', async () => {
    const anonymous = await post('/people', { name: 'Hannibal' }, { authorization: null });
    expect(anonymous.status).toBe(401);
    const wrong = await post(
      '/people',
      { name: 'Hannibal' },
      { authorization: 'Bearer wrong-token' },
    );
    expect(wrong.status).toBe(401);
    const created = await post(
      '/people',
      { name: 'Hannibal' },
      { authorization: `Bearer ${ADMIN_TOKEN}` },
    );
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ id: expect.any(Number), name: 'Hannibal' });
    const duplicate = await post(
      '/people',
      { name: 'Hannibal' },
      { authorization: `Bearer ${ADMIN_TOKEN}` },
    );
    expect(duplicate.status).toBe(409);
    const noPerson = await post(
      '/people/99999/images',
      { path: 'door-1/a.jpg' },
      { authorization: `Bearer ${ADMIN_TOKEN}` },
    );
    expect(noPerson.status).toBe(404);
  });

  it('serves health, readiness, metrics and a JSON 404', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/facetrail_receiver_images_accepted_total\{component="receiver"\} \d+/);
    const missing = await fetch(`${server.url}/images/424242`, { headers: AUTH });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });
});
