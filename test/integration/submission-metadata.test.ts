import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadReceiverConfig } from '../../functions/receiver/config.js';
import { createReceiver } from '../../functions/receiver/wiring.js';
import { ImageReadsRepository } from '../../lib/db/images/reads-repo.js';
import type { RunningFunctionServer } from '../../lib/http/function-server.js';
import { createLogger } from '../../lib/logger.js';
import { MemoryQueue } from '../../lib/queue/memory-queue.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { FIXTURES } from '../support/fixtures.js';
import { serveForTest } from '../support/function-server.js';
import { freePort } from '../support/ports.js';
import { TEST_RECOGNIZER_SECRET } from '../support/recognizer.js';

const ADMIN_TOKEN = 'metadata-admin-token-0123456789';
const AUTH = { authorization: `Bearer ${ADMIN_TOKEN}` };

type Answer = {
  images?: Array<{ id?: number; error?: { code: string } }>;
  error?: { code: string; message: string };
};

/** door (or camera), capturedAt and filename on every way in: JSON, raw uploads, HTML forms. */
describe('submission metadata on the receiver (MariaDB)', () => {
  let database: TestDatabase;
  let root: string;
  let server: RunningFunctionServer;
  let receiver: ReturnType<typeof createReceiver>;
  let photo: Buffer;
  const queue = new MemoryQueue();
  const reads = () => new ImageReadsRepository(database.db);

  const post = async (url: string, body: string | Buffer, headers: Record<string, string>) => {
    const response = await fetch(`${server.url}${url}`, {
      method: 'POST',
      headers: { ...AUTH, ...headers },
      body,
    });
    return { status: response.status, data: (await response.json()) as Answer };
  };
  const postJson = (body: unknown) =>
    post('/images', JSON.stringify(body), { 'content-type': 'application/json' });
  const stored = async (id: number | undefined) => {
    const record = await reads().get(id!);
    return {
      door: record?.door,
      capturedAt: record?.capturedAt,
      originalName: record?.originalName,
    };
  };
  /** A multipart/form-data body as a browser sends it. */
  const form = (
    fields: Record<string, string>,
    files: Array<{ name: string; filename: string; type: string; bytes: Buffer }>,
  ) => {
    const boundary = 'facetrail-test-boundary';
    const parts: Buffer[] = [];
    for (const [name, value] of Object.entries(fields))
      parts.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
        ),
      );
    for (const file of files)
      parts.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="${file.filename}"\r\nContent-Type: ${file.type}\r\n\r\n`,
        ),
        file.bytes,
        Buffer.from('\r\n'),
      );
    parts.push(Buffer.from(`--${boundary}--\r\n`));
    return { body: Buffer.concat(parts), type: `multipart/form-data; boundary=${boundary}` };
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    root = await mkdtemp(path.join(tmpdir(), 'facetrail-metadata-'));
    await mkdir(path.join(root, 'door-7'));
    await mkdir(path.join(root, 'misc'));
    photo = await readFile(path.join(FIXTURES, 'seed/unknown_people/unknown.jpg'));
    await copyFile(
      path.join(FIXTURES, 'seed/unknown_people/unknown.jpg'),
      path.join(root, 'door-7/a.jpg'),
    );
    await copyFile(
      path.join(FIXTURES, 'seed/unknown_people/unknown.jpg'),
      path.join(root, 'misc/b.jpg'),
    );
    await writeFile(path.join(root, 'misc/notes.txt'), 'not an image');
    const config = loadReceiverConfig({
      DATABASE_URL: database.url,
      IMAGES_ROOT: root,
      ADMIN_TOKEN,
      RECOGNIZER_SECRET: TEST_RECOGNIZER_SECRET,
      RECOGNIZER_ADDRESS: `127.0.0.1:${await freePort()}`,
    });
    receiver = createReceiver(config, createLogger('receiver', 'silent'), { publisher: queue });
    server = await serveForTest(receiver.app, config.maxUploadBytes);
  }, 30_000);

  afterAll(async () => {
    await server?.close();
    await receiver?.close();
    await queue.close();
    await database?.drop();
    await rm(root, { recursive: true, force: true });
  });

  it('stores door, capturedAt and filename sent with a path, in UTC', async () => {
    const { status, data } = await postJson({
      path: 'misc/b.jpg',
      door: 'Lobby east',
      capturedAt: '2026-11-25T11:00:00+01:00',
      filename: 'C:\\camera\\IMG_0042.JPG',
    });
    expect(status).toBe(202);
    await expect(stored(data.images![0]!.id)).resolves.toEqual({
      door: 'Lobby east',
      capturedAt: '2026-11-25T10:00:00.000Z',
      originalName: 'IMG_0042.JPG',
    });
  });

  it('takes the door from a door-N/... path, and camera as another name for door', async () => {
    const fromPath = await postJson({ path: 'door-7/a.jpg' });
    expect(fromPath.status).toBe(202);
    expect((await stored(fromPath.data.images![0]!.id)).door).toBe('door-7');
    // A door given explicitly wins over the path.
    const given = await postJson({ path: 'door-7/a.jpg', camera: 'cam-garage' });
    expect((await stored(given.data.images![0]!.id)).door).toBe('cam-garage');
    const both = await postJson({ path: 'door-7/a.jpg', door: 'a', camera: 'b' });
    expect(both.status).toBe(400);
    expect(both.data.error!.code).toBe('INVALID_REQUEST');
  });

  it('applies bulk defaults per item, and refuses a bad item alone', async () => {
    const { status, data } = await postJson({
      door: 'gate',
      capturedAt: '2026-11-25T08:00:00Z',
      paths: [
        'misc/b.jpg',
        { path: 'misc/b.jpg', door: 'side', filename: 'second.jpg' },
        { path: 'misc/b.jpg', capturedAt: 'yesterday' },
      ],
    });
    expect(status).toBe(202);
    const [first, second, third] = data.images!;
    await expect(stored(first!.id)).resolves.toEqual({
      door: 'gate',
      capturedAt: '2026-11-25T08:00:00.000Z',
      originalName: null,
    });
    await expect(stored(second!.id)).resolves.toEqual({
      door: 'side',
      capturedAt: '2026-11-25T08:00:00.000Z',
      originalName: 'second.jpg',
    });
    expect(third).toMatchObject({ error: { code: 'INVALID_REQUEST' } });
  });

  it('refuses capture times without a zone or from the future, and doors with odd characters', async () => {
    for (const body of [
      { path: 'misc/b.jpg', capturedAt: '2026-11-25T10:00:00' },
      { path: 'misc/b.jpg', capturedAt: '2999-01-01T00:00:00Z' },
      { path: 'misc/b.jpg', capturedAt: 1764064800000 },
      { path: 'misc/b.jpg', door: '<script>' },
      { path: 'misc/b.jpg', filename: 'a\u0000b.jpg' },
    ]) {
      const { status, data } = await postJson(body);
      expect({ body, status, code: data.error?.code }).toEqual({
        body,
        status: 400,
        code: 'INVALID_REQUEST',
      });
    }
  });

  it('reads a raw upload’s metadata from query parameters or headers', async () => {
    const byQuery = await post(
      `/images?${new URLSearchParams({ door: 'door-2', capturedAt: '2026-11-25T10:00:00Z', filename: 'Zoë.jpg' })}`,
      photo,
      { 'content-type': 'image/jpeg' },
    );
    expect(byQuery.status).toBe(202);
    await expect(stored(byQuery.data.images![0]!.id)).resolves.toEqual({
      door: 'door-2',
      capturedAt: '2026-11-25T10:00:00.000Z',
      originalName: 'Zoë.jpg',
    });
    const byHeader = await post('/images', photo, {
      'content-type': 'image/jpeg',
      'content-disposition': `inline; filename="x.jpg"; filename*=UTF-8''Caf%C3%A9.jpg`,
      'x-camera': 'cam-3',
      'x-captured-at': '2026-11-25T09:30:00.250Z',
    });
    expect(byHeader.status).toBe(202);
    await expect(stored(byHeader.data.images![0]!.id)).resolves.toEqual({
      door: 'cam-3',
      capturedAt: '2026-11-25T09:30:00.250Z',
      originalName: 'Café.jpg',
    });
    // The same key and photo under another name is another request.
    const key = { 'idempotency-key': 'meta-upload-1', 'content-type': 'image/jpeg' };
    expect((await post('/images?filename=one.jpg', photo, key)).status).toBe(202);
    const again = await post('/images?filename=one.jpg', photo, key);
    expect(again.status).toBe(202);
    const other = await post('/images?filename=two.jpg', photo, key);
    expect(other.data.error?.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('accepts HTML form uploads: each file a photo, the fields for all of them', async () => {
    const one = form({ door: 'door-5', capturedAt: '2026-11-25T07:00:00Z' }, [
      { name: 'photo', filename: 'visitor.jpg', type: 'image/jpeg', bytes: photo },
    ]);
    const single = await post('/images', one.body, { 'content-type': one.type });
    expect(single.status).toBe(202);
    await expect(stored(single.data.images![0]!.id)).resolves.toEqual({
      door: 'door-5',
      capturedAt: '2026-11-25T07:00:00.000Z',
      originalName: 'visitor.jpg',
    });
    const two = form({ camera: 'cam-9' }, [
      { name: 'photos', filename: 'a.jpg', type: 'image/jpeg', bytes: photo },
      { name: 'photos', filename: 'notes.txt', type: 'text/plain', bytes: Buffer.from('hello') },
      { name: 'photos', filename: 'b.jpg', type: 'application/octet-stream', bytes: photo },
    ]);
    const several = await post('/images', two.body, { 'content-type': two.type });
    expect(several.status).toBe(202);
    const [a, notes, b] = several.data.images!;
    expect(notes).toMatchObject({ error: { code: 'NOT_AN_IMAGE' } });
    await expect(stored(a!.id)).resolves.toMatchObject({ door: 'cam-9', originalName: 'a.jpg' });
    await expect(stored(b!.id)).resolves.toMatchObject({ door: 'cam-9', originalName: 'b.jpg' });
    // The upload itself is stored under a UUID, as any upload.
    expect((await reads().get(a!.id!))!.path).toMatch(
      /^uploads\/\d{4}-\d{2}-\d{2}\/[0-9a-f-]+\.jpg$/,
    );
    const empty = form({ door: 'door-5' }, []);
    const none = await post('/images', empty.body, { 'content-type': empty.type });
    expect(none.status).toBe(400);
    expect(none.data.error!.message).toMatch(/no photo/);
  });
});
