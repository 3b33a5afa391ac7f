import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import sharp from 'sharp';
import { PeopleRepository } from '../../lib/db/people-repo.js';
import { DEFAULT_MATCH_THRESHOLD } from '../../recognizer/config.js';
import { createRecognizerClient, type RecognizerClient } from '../../lib/recognizer/client.js';
import { RECOGNIZER_SERVICE, type IdentifyResult } from '../../lib/recognizer/protocol.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { FIXTURES } from '../support/fixtures.js';
import { waitFor } from '../support/processes.js';
import {
  startRecognizer,
  TEST_RECOGNIZER_SECRET,
  type RunningRecognizer,
} from '../support/recognizer.js';

const SEED_KNOWN = path.join(FIXTURES, 'seed/known_people');
const FACES_KNOWN = path.join(FIXTURES, 'faces/known');
const verbose = Boolean(process.env.FACETRAIL_TEST_VERBOSE);

/** Message of each JSON log line, in order. */
const messages = (recognizer: RunningRecognizer) =>
  recognizer.logs().map((line) => String(line.msg));

const matchedNames = (result: IdentifyResult) =>
  result.faces.flatMap((face) => (face.match ? [face.match.personName] : [])).sort();

describe('recognizer process with the seed folder (MariaDB)', () => {
  let database: TestDatabase;
  let recognizer: RunningRecognizer | undefined;
  let client: RecognizerClient;

  const start = () =>
    startRecognizer({
      databaseUrl: database.url,
      imagesRoot: FIXTURES,
      knownPeopleDir: SEED_KNOWN,
      env: { MAX_IMAGE_PIXELS: '5000000' },
    });

  beforeAll(async () => {
    database = await createTestDatabase();
    recognizer = await start();
    client = createRecognizerClient(recognizer.address, {
      deadlineMs: 30_000,
      secret: TEST_RECOGNIZER_SECRET,
    });
  }, 180_000);

  afterAll(async () => {
    client?.close();
    await recognizer?.stop();
    await database?.drop();
  }, 30_000);

  it('answers NOT_SERVING until the models are warm and the folder is enrolled, then SERVING', async () => {
    const running = recognizer!;
    expect(running.healthHistory.at(-1)).toBe('SERVING');
    expect(running.healthHistory).toContain('NOT_SERVING');
    expect(running.healthHistory.indexOf('NOT_SERVING')).toBeLessThan(
      running.healthHistory.indexOf('SERVING'),
    );
    // Health can answer SERVING a moment before the log line reaches this process.
    await waitFor('the SERVING log line', () => messages(running).includes('SERVING'), {
      timeoutMs: 10_000,
      intervalMs: 20,
    });
    const log = messages(running);
    const listening = log.findIndex((msg) => msg.startsWith('listening'));
    const warm = log.indexOf('inference pool warm');
    const enrolled = log.indexOf('known-people folder enrolled');
    const serving = log.indexOf('SERVING');
    expect(listening).toBeGreaterThanOrEqual(0);
    expect(listening).toBeLessThan(warm);
    expect(warm).toBeLessThan(enrolled);
    expect(enrolled).toBeLessThan(serving);
    await expect(client.checkHealth({ service: RECOGNIZER_SERVICE })).resolves.toBe(true);
    const description = await client.describe();
    // wasm here; tfjs-node where its optional native library installed.
    expect(description.backend).toMatch(/^(wasm|tensorflow)/);
    expect(description.detector).toMatch(/^ssd_mobilenet_v1 \(min score 0\.5\)/);
    expect(description).toMatchObject({
      ready: true,
      matchThreshold: DEFAULT_MATCH_THRESHOLD,
      galleryDescriptors: 3,
      galleryPeople: 2,
      folderEnrollment: {
        photos: 3,
        enrolled: 3,
        alreadyEnrolled: 0,
        refused: 0,
        failed: 0,
        forgotten: 0,
      },
    });
    if (verbose) console.log(`startup to SERVING: ${running.startupMs} ms`, running.healthHistory);
  });

  it('refuses every Recognizer call without the shared secret (UNAUTHENTICATED); health stays open', async () => {
    for (const secret of ['', 'not-the-recognizer-secret', `${TEST_RECOGNIZER_SECRET}x`]) {
      const stranger = createRecognizerClient(recognizer!.address, { deadlineMs: 10_000, secret });
      try {
        for (const call of [
          () => stranger.identify({ path: 'seed/unknown_people/unknown.jpg' }),
          () =>
            stranger.enroll({ personId: 1, image: { path: 'seed/known_people/hannibal_2.jpg' } }),
          () => stranger.refreshGallery(),
          () => stranger.describe(),
        ]) {
          await expect(call()).rejects.toMatchObject({
            grpcCode: grpc.status.UNAUTHENTICATED,
            errorCode: 'UNAUTHORIZED',
            retryable: false,
          });
        }
        // Kubernetes probes carry no secret: the health service answers them.
        await expect(stranger.checkHealth()).resolves.toBe(true);
      } finally {
        stranger.close();
      }
    }
    // Nothing was enrolled by the refused Enroll.
    expect((await client.describe()).galleryDescriptors).toBe(3);
  }, 30_000);

  it('identifies the seed unknown.jpg as Hannibal, by path and by bytes', async () => {
    const byPath = await client.identify({ path: 'seed/unknown_people/unknown.jpg' });
    expect(byPath.imageWidth).toBeGreaterThan(0);
    expect(byPath.faces).toHaveLength(1);
    const face = byPath.faces[0]!;
    expect(face.match).toMatchObject({ personName: 'Hannibal' });
    // The same photo as hannibal_1.jpg, compared with the mean of Hannibal's two (rather
    // different) photos: well within the threshold, though not 0.
    expect(face.match!.distance).toBeGreaterThan(0);
    expect(face.match!.distance).toBeLessThan(DEFAULT_MATCH_THRESHOLD);
    expect(face.nearest).toEqual(face.match);
    expect(face.score).toBeGreaterThan(0.9);
    expect(face.box.width).toBeGreaterThan(50);
    const byBytes = await client.identify({
      content: await readFile(path.join(FIXTURES, 'seed/unknown_people/unknown.jpg')),
    });
    expect(byBytes).toEqual(byPath);
  }, 30_000);

  it('finds the face on a 150×150 LFW photo that the plain detector misses', async () => {
    // lfw-detections.tsv: SSD MobileNet at 0.5 finds nothing on this photo as it is.
    const result = await client.identify({ path: 'lfw/Alejandro_Toledo/6.jpg' });
    expect(result).toMatchObject({ imageWidth: 150, imageHeight: 150 });
    expect(result.faces).toHaveLength(1);
    const { box } = result.faces[0]!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(150);
    expect(box.width).toBeGreaterThan(30);
  });

  it('finds no face on any negative photo', async () => {
    const files = (await readdir(path.join(FIXTURES, 'negatives'))).sort();
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const result = await client.identify({ path: `negatives/${file}` });
      expect({ file, faces: result.faces }).toEqual({ file, faces: [] });
    }
  }, 60_000);

  it.each([
    ['a missing file', 'seed/nobody.jpg', grpc.status.NOT_FOUND, 'FILE_NOT_FOUND'],
    ['a path with ../', '../main/package.json', grpc.status.INVALID_ARGUMENT, 'PATH_TRAVERSAL'],
    [
      'an absolute path outside',
      '/etc/hostname',
      grpc.status.INVALID_ARGUMENT,
      'PATH_OUTSIDE_ROOT',
    ],
    ['a directory', 'negatives', grpc.status.INVALID_ARGUMENT, 'PATH_IS_DIRECTORY'],
    [
      'a file that is not an image',
      'faces/probes/labels.json',
      grpc.status.INVALID_ARGUMENT,
      'CORRUPT_IMAGE',
    ],
  ] as const)(
    'refuses %s with the gRPC status and the facetrail code',
    async (_what, imagePath, status, code) => {
      await expect(client.identify({ path: imagePath })).rejects.toMatchObject({
        grpcCode: status,
        errorCode: code,
        retryable: false,
      });
    },
  );

  it('refuses an image with more pixels than MAX_IMAGE_PIXELS', async () => {
    const huge = await sharp({
      create: { width: 3000, height: 2000, channels: 3, background: '#777' },
    })
      .jpeg()
      .toBuffer();
    await expect(client.identify({ content: huge })).rejects.toMatchObject({
      grpcCode: grpc.status.INVALID_ARGUMENT,
      errorCode: 'IMAGE_TOO_LARGE',
    });
  });

  it('refuses to enroll a group photo, a photo without a face, and an unknown person', async () => {
    const people = new PeopleRepository(database.db);
    const person = await people.create('Group Tester');
    await expect(
      client.enroll({ personId: person.id, image: { path: 'faces/probes/obama_and_biden.jpg' } }),
    ).rejects.toMatchObject({
      grpcCode: grpc.status.FAILED_PRECONDITION,
      errorCode: 'MULTIPLE_FACES',
      retryable: false,
    });
    await expect(
      client.enroll({ personId: person.id, image: { path: 'negatives/dog.jpg' } }),
    ).rejects.toMatchObject({
      grpcCode: grpc.status.FAILED_PRECONDITION,
      errorCode: 'NO_FACE',
    });
    await expect(
      client.enroll({ personId: 999_999, image: { path: 'seed/known_people/hannibal_1.jpg' } }),
    ).rejects.toMatchObject({
      grpcCode: grpc.status.FAILED_PRECONDITION,
      errorCode: 'NOT_FOUND',
    });
    expect((await client.describe()).galleryDescriptors).toBe(3);
  }, 30_000);

  it('answers a photo enrolled before from its content hash, without inference', async () => {
    const hannibal = (await new PeopleRepository(database.db).findByName('Hannibal'))!;
    const before = (await client.describe()).inferences;
    const result = await client.enroll({
      personId: hannibal.id,
      image: { path: 'seed/known_people/hannibal_2.jpg' },
    });
    expect(result).toMatchObject({ alreadyEnrolled: true, box: null });
    expect((await client.describe()).inferences).toBe(before);
  });

  it('skips the already enrolled photos after a restart: no inference at all', async () => {
    const first = recognizer!;
    await first.stop();
    expect(first.process.child.exitCode).toBe(0);
    expect(messages(first)).toContain('stopped');
    recognizer = undefined;
    client.close();

    recognizer = await start();
    client = createRecognizerClient(recognizer.address, {
      deadlineMs: 30_000,
      secret: TEST_RECOGNIZER_SECRET,
    });
    const description = await client.describe();
    expect(description).toMatchObject({
      inferences: 0,
      galleryDescriptors: 3,
      folderEnrollment: { photos: 3, enrolled: 0, alreadyEnrolled: 3, refused: 0, failed: 0 },
    });
    const summary = recognizer.logs().find((line) => line.msg === 'known-people folder enrolled');
    expect(summary).toMatchObject({ enrolled: 0, alreadyEnrolled: 3 });
    if (verbose)
      console.log(
        `restart to SERVING: ${recognizer.startupMs} ms, folder pass ${String(summary?.ms)} ms`,
      );
    const result = await client.identify({ path: 'seed/unknown_people/unknown.jpg' });
    expect(matchedNames(result)).toEqual(['Hannibal']);
  }, 180_000);
});

describe('recognizer processes on faces/known (MariaDB)', () => {
  let database: TestDatabase;
  let first: RunningRecognizer | undefined;
  let second: RunningRecognizer | undefined;
  let firstClient: RecognizerClient;
  let secondClient: RecognizerClient | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    first = await startRecognizer({
      databaseUrl: database.url,
      imagesRoot: FIXTURES,
      knownPeopleDir: FACES_KNOWN,
    });
    firstClient = createRecognizerClient(first.address, {
      deadlineMs: 30_000,
      secret: TEST_RECOGNIZER_SECRET,
    });
  }, 180_000);

  afterAll(async () => {
    firstClient?.close();
    secondClient?.close();
    await Promise.all([first?.stop(), second?.stop()]);
    await database?.drop();
  }, 30_000);

  it('enrolls the five people of the folder', async () => {
    await expect(firstClient.describe()).resolves.toMatchObject({
      galleryPeople: 5,
      galleryDescriptors: 9,
      folderEnrollment: { photos: 9, enrolled: 9, refused: 0, failed: 0 },
    });
  });

  it('finds exactly the labelled people on every probe photo', async () => {
    const labels = JSON.parse(
      await readFile(path.join(FIXTURES, 'faces/probes/labels.json'), 'utf8'),
    ) as Record<string, string[]>;
    const report: string[] = [];
    for (const [file, expected] of Object.entries(labels)) {
      const started = Date.now();
      const result = await firstClient.identify({ path: `faces/probes/${file}` });
      report.push(
        `${file} (${Date.now() - started} ms): ${result.faces
          .map(
            (face) =>
              `${face.match?.personName ?? 'unknown'} d=${(face.match ?? face.nearest)?.distance.toFixed(3)} score=${face.score.toFixed(2)}`,
          )
          .join(', ')}`,
      );
      expect({ file, people: matchedNames(result) }).toEqual({
        file,
        people: [...expected].sort(),
      });
      // Nobody else (checked above: the people matched are exactly the labels). A face the
      // labels do not list (the child at the edge of obama_and_biden.jpg, found at
      // SSD_INPUT_SIZE 448) stays unknown, and every labelled face is matched.
      expect(result.faces.filter((face) => face.match)).toHaveLength(expected.length);
    }
    if (verbose) console.log(report.join('\n'));
  }, 60_000);

  it('identifies Obama on a 32-bit RGBA PNG', async () => {
    const result = await firstClient.identify({ path: 'faces/edge/32bit.png' });
    expect(matchedNames(result)).toContain('Barack Obama');
  });

  it('lets a second replica on the same database find a person enrolled through the first', async () => {
    second = await startRecognizer({
      databaseUrl: database.url,
      imagesRoot: FIXTURES,
      env: { INFERENCE_WORKERS: '1', GALLERY_REFRESH_MS: '200' },
    });
    secondClient = createRecognizerClient(second.address, {
      deadlineMs: 30_000,
      secret: TEST_RECOGNIZER_SECRET,
    });
    // The gallery comes from the database: no photo was read, no inference ran.
    await expect(secondClient.describe()).resolves.toMatchObject({
      galleryDescriptors: 9,
      inferences: 0,
      workers: 1,
    });
    const probe = { path: 'seed/unknown_people/unknown.jpg' };
    expect(matchedNames(await secondClient.identify(probe))).toEqual([]);

    const hannibal = await new PeopleRepository(database.db).create('Hannibal');
    const enrolled = await firstClient.enroll({
      personId: hannibal.id,
      image: { path: 'seed/known_people/hannibal_1.jpg' },
    });
    expect(enrolled).toMatchObject({ alreadyEnrolled: false });
    expect(enrolled.personImageId).toBeGreaterThan(0);
    // The replica that enrolled knows at once; the other within its refresh interval.
    expect(matchedNames(await firstClient.identify(probe))).toEqual(['Hannibal']);
    const enrolledAt = Date.now();
    const seen = await waitFor(
      'the second replica to match Hannibal',
      async () => {
        const result = await secondClient!.identify(probe);
        return matchedNames(result).includes('Hannibal') ? result : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(seen.faces[0]!.match).toMatchObject({ personId: hannibal.id, personName: 'Hannibal' });
    if (verbose)
      console.log(`second replica matched ${Date.now() - enrolledAt} ms after the enrollment`);
  }, 180_000);
});
