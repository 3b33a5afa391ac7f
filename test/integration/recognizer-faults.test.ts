import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { processImage } from '../../functions/processor/process-image.js';
import { ImageIngestRepository } from '../../lib/db/images/ingest-repo.js';
import { ImageClaimsRepository } from '../../lib/db/images/claims-repo.js';
import { createLogger } from '../../lib/logger.js';
import {
  createRecognizerClient,
  RecognizerError,
  type RecognizerClient,
} from '../../lib/recognizer/client.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { FIXTURES } from '../support/fixtures.js';
import { freePort } from '../support/ports.js';
import { waitFor } from '../support/processes.js';
import {
  startRecognizer,
  TEST_RECOGNIZER_SECRET,
  type RunningRecognizer,
} from '../support/recognizer.js';

/**
 * Issue 9, finding 1: a photo that kills the recognizer process (the test-only switch
 * FACETRAIL_FAULT_CRASH_PATH) is not retried for ever, and the recognizer's refusals carry
 * their own code in the `error-code` trailer.
 */
describe('recognizer faults (real recognizer, MariaDB)', () => {
  let database: TestDatabase;
  let root: string;
  let port: number;
  let recognizer: RunningRecognizer | undefined;
  let client: RecognizerClient;
  let ingest: ImageIngestRepository;
  let claims: ImageClaimsRepository;

  const start = (env: Record<string, string> = {}) =>
    startRecognizer({
      databaseUrl: database.url,
      imagesRoot: root,
      knownPeopleDir: path.join(FIXTURES, 'seed/known_people'),
      port,
      env: { FACETRAIL_FAULT_CRASH_PATH: 'crash-me', INFERENCE_WORKERS: '1', ...env },
    });
  const killedItself = (running: RunningRecognizer) =>
    waitFor('the recognizer to kill itself', () => running.process.child.signalCode === 'SIGKILL', {
      timeoutMs: 20_000,
      intervalMs: 20,
    });
  const row = (id: number) =>
    database.db
      .selectFrom('images')
      .select(['status', 'error_code', 'attempts', 'recognizer_crashes'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  const processPhoto = (id: number) =>
    processImage(
      {
        images: claims,
        identify: ({ path: photo, exclusive }) => client.identify({ path: photo }, { exclusive }),
        admits: async () => true,
        leaseMs: 60_000,
        maxImageAttempts: 10,
        maxImageCrashes: 2,
        logger: createLogger('processor', 'silent'),
      },
      id,
    );

  beforeAll(async () => {
    database = await createTestDatabase();
    ingest = new ImageIngestRepository(database.db);
    claims = new ImageClaimsRepository(database.db);
    root = await mkdtemp(path.join(tmpdir(), 'facetrail-faults-'));
    const photo = path.join(FIXTURES, 'seed/unknown_people/unknown.jpg');
    await copyFile(photo, path.join(root, 'crash-me.jpg'));
    await copyFile(photo, path.join(root, 'fine.jpg'));
    port = await freePort();
    recognizer = await start();
    client = createRecognizerClient(`127.0.0.1:${port}`, {
      deadlineMs: 30_000,
      secret: TEST_RECOGNIZER_SECRET,
    });
  }, 180_000);

  afterAll(async () => {
    client?.close();
    await recognizer?.stop();
    await database?.drop();
    await rm(root, { recursive: true, force: true });
  }, 30_000);

  it('refuses calls beyond its queue with RECOGNIZER_BUSY in the error-code trailer', async () => {
    // One worker: two photos decoded at once, one more may wait (INFERENCE_QUEUE_LIMIT=1).
    await recognizer!.stop();
    recognizer = await start({ INFERENCE_QUEUE_LIMIT: '1' });
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () =>
        client.identify({ path: 'fine.jpg' }).then(
          () => 'identified',
          (error: RecognizerError) => error,
        ),
      ),
    );
    const refused = outcomes.filter((outcome) => outcome instanceof RecognizerError);
    expect(refused.length).toBeGreaterThan(0);
    for (const error of refused) {
      expect(error).toMatchObject({
        grpcCode: grpc.status.RESOURCE_EXHAUSTED,
        errorCode: 'RECOGNIZER_BUSY',
        fromServer: true,
        inferenceStarted: false,
      });
    }
    expect(outcomes).toContain('identified');
  }, 180_000);

  it('ends a photo that kills the recognizer FAILED RECOGNIZER_CRASHED after 2 crashes; refuses while starting', async () => {
    const [id] = (await ingest.createImages(['crash-me.jpg'])).ids;
    const [fine] = (await ingest.createImages(['fine.jpg'])).ids;

    // 1st crash: counted as an attempt (not given back, as the message-text test did).
    expect(await processPhoto(id!)).toMatchObject({ kind: 'retry' });
    await killedItself(recognizer!);
    expect(await row(id!)).toMatchObject({ status: 'PENDING', attempts: 1, recognizer_crashes: 1 });

    // While the recognizer is away, calls fail before reaching it: no attempt is spent.
    expect(await processPhoto(fine!)).toMatchObject({ kind: 'retry' });
    expect(await row(fine!)).toMatchObject({ status: 'PENDING', attempts: 0 });

    // Restart it, and while it warms up a call is refused with RECOGNIZER_STARTING.
    const restarting = start();
    const refusal = await waitFor(
      'a RECOGNIZER_STARTING refusal',
      async () => {
        const error = await client.identify({ path: 'fine.jpg' }, { deadlineMs: 2000 }).then(
          () => undefined,
          (caught: RecognizerError) => caught,
        );
        return error?.errorCode === 'RECOGNIZER_STARTING' ? error : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 20 },
    );
    expect(refusal).toMatchObject({
      grpcCode: grpc.status.UNAVAILABLE,
      fromServer: true,
      inferenceStarted: false,
    });
    recognizer = await restarting;

    // 2nd crash, the photo running alone: FAILED with its own reason, never sent again.
    expect(await processPhoto(id!)).toEqual({
      kind: 'failed',
      imageId: id,
      code: 'RECOGNIZER_CRASHED',
    });
    await killedItself(recognizer);
    expect(await row(id!)).toMatchObject({
      status: 'FAILED',
      error_code: 'RECOGNIZER_CRASHED',
      attempts: 2,
      recognizer_crashes: 2,
    });
    expect(await processPhoto(id!)).toMatchObject({ kind: 'duplicate', status: 'FAILED' });

    // Other photos are unharmed.
    recognizer = await start();
    expect(await processPhoto(fine!)).toMatchObject({ kind: 'processed', faces: 1 });
  }, 400_000);
});
