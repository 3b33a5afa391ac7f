import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { processImage } from '../../functions/processor/process-image.js';
import { loadReceiverConfig } from '../../functions/receiver/config.js';
import { createReceiver } from '../../functions/receiver/wiring.js';
import { ImageIngestRepository } from '../../lib/db/images/ingest-repo.js';
import { ImageClaimsRepository } from '../../lib/db/images/claims-repo.js';
import { ImageReadsRepository } from '../../lib/db/images/reads-repo.js';
import { decodeDescriptor } from '../../lib/db/people-repo.js';
import type { RunningFunctionServer } from '../../lib/http/function-server.js';
import { createLogger } from '../../lib/logger.js';
import { createRecognizerClient, type RecognizerClient } from '../../lib/recognizer/client.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { FIXTURES } from '../support/fixtures.js';
import { serveForTest } from '../support/function-server.js';
import { freePort } from '../support/ports.js';
import {
  startRecognizer,
  TEST_RECOGNIZER_SECRET,
  type RunningRecognizer,
} from '../support/recognizer.js';

const ADMIN_TOKEN = 'rescore-admin-token-0123456789';

/**
 * Decisions replayed on MariaDB: the processor stores each face's descriptor, quality and
 * versions; after a new enrollment, POST /rescore decides the stored faces again through the
 * real recognizer's Rescore, without inference.
 */
describe('re-scoring stored faces (MariaDB, real recognizer)', () => {
  let database: TestDatabase;
  let recognizer: RunningRecognizer;
  let client: RecognizerClient;
  let server: RunningFunctionServer;
  let receiver: ReturnType<typeof createReceiver>;
  let ingest: ImageIngestRepository;
  let claims: ImageClaimsRepository;
  let reads: ImageReadsRepository;
  let root: string;
  const PHOTOS = [
    'faces/known/Joe Biden/1.jpg',
    'faces/known/Barack Obama/1.jpg',
    'faces/probes/obama_and_biden.jpg',
    'faces/probes/two_people.jpg',
  ];

  const request = (route: string, body: unknown, token: string | null = ADMIN_TOKEN) =>
    fetch(`${server.url}${route}`, {
      method: 'POST',
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
    });
  const enroll = async (name: string, photo: string) => {
    const person = (await (await request('/people', { name })).json()) as { id: number };
    const enrolled = await request(`/people/${person.id}/images`, { path: photo });
    expect(enrolled.status).toBe(201);
    return person.id;
  };
  const processPhoto = async (photo: string) => {
    const { ids } = await ingest.createImages([photo]);
    const outcome = await processImage(
      {
        images: claims,
        identify: (input) => client.identify(input),
        admits: async () => true,
        leaseMs: 60_000,
        maxImageAttempts: 3,
        maxImageCrashes: 2,
        logger: createLogger('processor', 'silent'),
      },
      ids[0]!,
    );
    expect(outcome.kind).toBe('processed');
    return ids[0]!;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    ingest = new ImageIngestRepository(database.db);
    claims = new ImageClaimsRepository(database.db);
    reads = new ImageReadsRepository(database.db);
    // A writable images root (uploaded enrollment photos are kept in it) with the photos used.
    root = await mkdtemp(path.join(tmpdir(), 'facetrail-rescore-'));
    for (const photo of PHOTOS) {
      await mkdir(path.dirname(path.join(root, photo)), { recursive: true });
      await copyFile(path.join(FIXTURES, photo), path.join(root, photo));
    }
    recognizer = await startRecognizer({ databaseUrl: database.url, imagesRoot: root });
    client = createRecognizerClient(recognizer.address, {
      deadlineMs: 60_000,
      secret: TEST_RECOGNIZER_SECRET,
    });
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
  }, 120_000);

  afterAll(async () => {
    client?.close();
    await server?.close();
    await receiver?.close();
    await recognizer?.stop();
    await database?.drop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('stores descriptors and quality, and a new enrollment re-scores past photos without inference', async () => {
    await enroll('Joe Biden', 'faces/known/Joe Biden/1.jpg');
    const group = await processPhoto('faces/probes/obama_and_biden.jpg');
    const pair = await processPhoto('faces/probes/two_people.jpg');

    const rows = await database.db.selectFrom('faces').selectAll().orderBy('id').execute();
    // Obama, Biden and a child on the group photo; Obama and Biden on the other.
    expect(rows).toHaveLength(5);
    const description = await client.describe();
    for (const row of rows) {
      expect(decodeDescriptor(row.descriptor!)).toHaveLength(128);
      expect(row.descriptor_version).toBe(description.descriptorVersion);
      expect(row.match_version).toBe(description.matchVersion);
      expect(row.quality_size).toBeGreaterThan(100);
      expect(row.quality_sharpness).toBeGreaterThan(0.2);
      expect(Math.abs(row.quality_yaw!)).toBeLessThan(45);
      expect(row.unidentifiable).toBeNull();
    }
    const before = await reads.get(group);
    expect(before!.people.map((person) => person.name)).toEqual(['Joe Biden']);
    expect(before!.faces[0]!.quality).toMatchObject({ size: expect.any(Number) });

    const obama = await enroll('Barack Obama', 'faces/known/Barack Obama/1.jpg');
    const inferences = (await client.describe()).inferences;
    const response = await request('/rescore', { person: 'Barack Obama' });
    expect(response.status).toBe(200);
    const summary = (await response.json()) as {
      examined: number;
      changed: number;
      matched: number;
      skipped: number;
      images: number[];
      personId: number;
    };
    expect(summary).toMatchObject({
      examined: 5,
      changed: 2,
      matched: 2,
      skipped: 0,
      images: [group, pair],
      personId: obama,
    });
    // Decided from the stored descriptors: the recognizer ran no inference.
    expect((await client.describe()).inferences).toBe(inferences);
    for (const id of [group, pair]) {
      const record = await reads.get(id);
      expect(record!.people.map((person) => person.name)).toEqual(['Barack Obama', 'Joe Biden']);
    }
    // The same answer as identifying the photo again now.
    const fresh = await client.identify({ path: 'faces/probes/two_people.jpg' });
    const replayed = await reads.get(pair);
    expect(replayed!.faces.map((face) => face.person?.name ?? null)).toEqual(
      fresh.faces.map((face) => face.match?.personName ?? null),
    );

    const again = (await (await request('/rescore', {})).json()) as { changed: number };
    expect(again.changed).toBe(0);
  }, 180_000);

  it('skips faces whose descriptor another model or setting made', async () => {
    await database.db
      .updateTable('faces')
      .set({ descriptor_version: 'an older model' })
      .where(
        'id',
        '=',
        (await database.db.selectFrom('faces').select('id').executeTakeFirstOrThrow()).id,
      )
      .execute();
    const summary = (await (await request('/rescore', {})).json()) as { skipped: number };
    expect(summary.skipped).toBe(1);
  }, 60_000);

  it('refuses without the admin token, a bad time and an unknown person', async () => {
    const anonymous = await request('/rescore', {}, null);
    expect(anonymous.status).toBe(401);
    const badTime = await request('/rescore', { since: 'not a time' });
    expect([
      badTime.status,
      ((await badTime.json()) as { error: { code: string } }).error.code,
    ]).toEqual([400, 'INVALID_REQUEST']);
    const nobody = await request('/rescore', { person: 'Nobody Known' });
    expect(nobody.status).toBe(404);
    const future = (await (await request('/rescore', { since: '2999-01-01' })).json()) as {
      examined: number;
    };
    expect(future.examined).toBe(0);
  }, 60_000);

  it.each([
    [
      'too small',
      (image: Sharp) => image.resize(110),
      'FACE_TOO_SMALL',
      /\d+ px; enroll a photo where it is at least 40 px/,
    ],
    ['too blurred', (image: Sharp) => image.blur(8), 'FACE_TOO_BLURRED', /too blurred/],
  ])(
    'refuses an enrollment photo whose face is %s, saying why',
    async (_label, spoil, code, message) => {
      const person = (await (await request('/people', { name: `Poor photo ${code}` })).json()) as {
        id: number;
      };
      const photo = await spoil(sharp(path.join(FIXTURES, 'faces/known/Joe Biden/1.jpg')))
        .jpeg()
        .toBuffer();
      const response = await fetch(`${server.url}/people/${person.id}/images`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'image/jpeg' },
        body: photo,
      });
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect([response.status, body.error.code]).toEqual([422, code]);
      expect(body.error.message).toMatch(message);
    },
    60_000,
  );
});
