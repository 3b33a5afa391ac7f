import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadReceiverConfig } from '../../functions/receiver/config.js';
import { createReceiver } from '../../functions/receiver/wiring.js';
import type { RunningFunctionServer } from '../../lib/http/function-server.js';
import { createLogger } from '../../lib/logger.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { FIXTURES } from '../support/fixtures.js';
import { serveForTest } from '../support/function-server.js';
import { freePort } from '../support/ports.js';
import {
  startRecognizer,
  TEST_RECOGNIZER_SECRET,
  type RunningRecognizer,
} from '../support/recognizer.js';

const ADMIN_TOKEN = 'enrollment-admin-token-0123456789';

/** Enrollment through the receiver's API, computed by a real recognizer with the real models. */
describe('receiver enrollment with a real recognizer', () => {
  let database: TestDatabase;
  let recognizer: RunningRecognizer;
  let server: RunningFunctionServer;
  let receiver: ReturnType<typeof createReceiver>;
  let personId: number;
  let root: string;
  const PHOTOS = [
    'faces/known/Barack Obama/1.jpg',
    'faces/known/Barack Obama/2.jpg',
    'negatives/dog.jpg',
    'faces/probes/obama_and_biden.jpg',
  ];

  const post = (url: string, body: string | Buffer, contentType = 'application/json') =>
    fetch(`${server.url}${url}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': contentType },
      body,
    });
  const errorCode = async (response: Response) =>
    ((await response.json()) as { error: { code: string } }).error.code;

  beforeAll(async () => {
    database = await createTestDatabase();
    // A writable images root (uploaded enrollment photos are kept in it) with a few fixtures.
    root = await mkdtemp(path.join(tmpdir(), 'facetrail-enrollment-'));
    for (const photo of PHOTOS) {
      await mkdir(path.dirname(path.join(root, photo)), { recursive: true });
      await copyFile(path.join(FIXTURES, photo), path.join(root, photo));
    }
    recognizer = await startRecognizer({ databaseUrl: database.url, imagesRoot: root });
    const config = loadReceiverConfig({
      DATABASE_URL: database.url,
      NSQD_TCP_ADDRESS: `127.0.0.1:${await freePort()}`,
      IMAGES_ROOT: root,
      ADMIN_TOKEN,
      RECOGNIZER_SECRET: TEST_RECOGNIZER_SECRET,
      RECOGNIZER_ADDRESS: recognizer.address,
    });
    receiver = createReceiver(config, createLogger('receiver', 'silent'));
    server = await serveForTest(receiver.app, config.maxUploadBytes);
    const created = await post('/people', JSON.stringify({ name: 'Barack Obama' }));
    personId = ((await created.json()) as { id: number }).id;
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await receiver?.close();
    await recognizer?.stop();
    await database?.drop();
    await rm(root, { recursive: true, force: true });
  });

  it('enrolls a photo by path once; the same photo again is recognised as already enrolled', async () => {
    const first = await post(
      `/people/${personId}/images`,
      JSON.stringify({ path: 'faces/known/Barack Obama/1.jpg' }),
    );
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({
      personId,
      imageName: '1.jpg',
      alreadyEnrolled: false,
    });
    const again = await post(
      `/people/${personId}/images`,
      JSON.stringify({ path: 'faces/known/Barack Obama/1.jpg' }),
    );
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ alreadyEnrolled: true });
    const stored = await database.db.selectFrom('person_images').selectAll().execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.descriptor.length).toBe(512);
  }, 60_000);

  it('enrolls an uploaded photo and keeps it where forgetting will find it', async () => {
    const photo = await readFile(path.join(FIXTURES, 'faces/known/Barack Obama/2.jpg'));
    const response = await post(`/people/${personId}/images`, photo, 'image/jpeg');
    expect(response.status).toBe(201);
    const body = (await response.json()) as { id: number; imageName: string };
    expect(body).toMatchObject({
      personId,
      imageName: expect.stringMatching(/^[0-9a-f]{64}\.jpg$/),
    });
    const row = await database.db
      .selectFrom('person_images')
      .select('stored_path')
      .where('id', '=', body.id)
      .executeTakeFirstOrThrow();
    expect(row.stored_path).toBe(`enrollments/${personId}/${body.imageName}`);
    expect(await readFile(path.join(root, row.stored_path!))).toEqual(photo);
    // A refused upload leaves nothing behind.
    const dog = await readFile(path.join(FIXTURES, 'negatives/dog.jpg'));
    const refused = await post(`/people/${personId}/images`, dog, 'image/jpeg');
    expect([refused.status, await errorCode(refused)]).toEqual([422, 'NO_FACE']);
    expect(await readdir(path.join(root, 'enrollments', String(personId)))).toEqual([
      body.imageName,
    ]);
  }, 60_000);

  it('refuses a photo with no face, several faces, or outside the root, each with its code', async () => {
    const noFace = await post(
      `/people/${personId}/images`,
      JSON.stringify({ path: 'negatives/dog.jpg' }),
    );
    expect([noFace.status, await errorCode(noFace)]).toEqual([422, 'NO_FACE']);
    const group = await post(
      `/people/${personId}/images`,
      JSON.stringify({ path: 'faces/probes/obama_and_biden.jpg' }),
    );
    expect([group.status, await errorCode(group)]).toEqual([422, 'MULTIPLE_FACES']);
    const outside = await post(
      `/people/${personId}/images`,
      JSON.stringify({ path: '../fixtures/faces/probes/obama1.jpg' }),
    );
    expect([outside.status, await errorCode(outside)]).toEqual([422, 'PATH_TRAVERSAL']);
  }, 60_000);

  it('answers 503 when the recognizer is gone', async () => {
    await recognizer.stop();
    const response = await post(
      `/people/${personId}/images`,
      JSON.stringify({ path: 'faces/known/Barack Obama/2.jpg' }),
    );
    expect([response.status, await errorCode(response)]).toEqual([503, 'RECOGNIZER_UNAVAILABLE']);
  }, 60_000);
});
