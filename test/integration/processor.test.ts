import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HTTP } from 'cloudevents';
import { loadProcessorConfig } from '../../functions/processor/config.js';
import { createProcessor } from '../../functions/processor/wiring.js';
import { ImageIngestRepository } from '../../lib/db/images/ingest-repo.js';
import { ImageReadsRepository } from '../../lib/db/images/reads-repo.js';
import { buildImageSubmittedEvent, toStructuredJson } from '../../lib/events/image-event.js';
import type { RunningFunctionServer } from '../../lib/http/function-server.js';
import { createLogger } from '../../lib/logger.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { FIXTURES } from '../support/fixtures.js';
import { serveForTest } from '../support/function-server.js';
import { freePort } from '../support/ports.js';
import { waitFor } from '../support/processes.js';
import {
  startRecognizer,
  TEST_RECOGNIZER_SECRET,
  type RunningRecognizer,
} from '../support/recognizer.js';

describe('processor against a real recognizer and MariaDB', () => {
  let database: TestDatabase;
  let root: string;
  let recognizer: RunningRecognizer;
  let recognizerPort: number;
  let server: RunningFunctionServer;
  let processor: ReturnType<typeof createProcessor>;
  let ingest: ImageIngestRepository;
  let reads: ImageReadsRepository;

  const startTheRecognizer = () =>
    startRecognizer({
      databaseUrl: database.url,
      imagesRoot: root,
      knownPeopleDir: path.join(FIXTURES, 'seed/known_people'),
      port: recognizerPort,
    });

  beforeAll(async () => {
    database = await createTestDatabase();
    ingest = new ImageIngestRepository(database.db);
    reads = new ImageReadsRepository(database.db);
    root = await mkdtemp(path.join(tmpdir(), 'facetrail-processor-'));
    await copyFile(
      path.join(FIXTURES, 'seed/unknown_people/unknown.jpg'),
      path.join(root, 'unknown.jpg'),
    );
    await copyFile(path.join(FIXTURES, 'negatives/dog.jpg'), path.join(root, 'dog.jpg'));
    // JPEG magic bytes, then garbage: passes the receiver's sniffing, fails decoding.
    await writeFile(
      path.join(root, 'corrupt.jpg'),
      Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2048, 7)]),
    );
    recognizerPort = await freePort();
    recognizer = await startTheRecognizer();
    const config = loadProcessorConfig({
      DATABASE_URL: database.url,
      RECOGNIZER_ADDRESS: `127.0.0.1:${recognizerPort}`,
      RECOGNIZER_SECRET: TEST_RECOGNIZER_SECRET,
      RECOGNIZER_TIMEOUT_MS: '30000',
      LEASE_MS: '60000',
      BREAKER_VOLUME_THRESHOLD: '2',
      BREAKER_RESET_MS: '1000',
      RETRY_AFTER_SECONDS: '2',
    });
    processor = createProcessor(config, createLogger('processor', 'silent'));
    server = await serveForTest(processor.app);
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await processor?.close();
    await recognizer?.stop();
    await database?.drop();
    await rm(root, { recursive: true, force: true });
  }, 30_000);

  /** Delivers the image's event as the adapter does: HTTP binary mode. */
  async function deliver(imageId: number, imagePath: string) {
    const message = HTTP.binary(buildImageSubmittedEvent({ imageId, path: imagePath }));
    const response = await fetch(server.url, {
      method: 'POST',
      headers: message.headers as Record<string, string>,
      body: message.body as string,
    });
    return {
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      body: (await response.json()) as Record<string, unknown>,
    };
  }

  const submit = async (imagePath: string) => (await ingest.createImages([imagePath])).ids[0]!;

  it('identifies an image and writes faces, people and PROCESSED once; a duplicate changes nothing', async () => {
    const id = await submit('unknown.jpg');
    const first = await deliver(id, 'unknown.jpg');
    expect(first).toMatchObject({
      status: 200,
      body: { kind: 'processed', imageId: id, faces: 1, matched: 1 },
    });
    const record = await reads.get(id);
    expect(record).toMatchObject({
      status: 'PROCESSED',
      attempts: 1,
      error: null,
      people: [{ name: 'Hannibal' }],
    });
    expect(record?.faces).toHaveLength(1);
    expect(record?.faces[0]?.distance).toBeLessThan(0.6);

    const again = await deliver(id, 'unknown.jpg');
    expect(again).toMatchObject({ status: 200, body: { kind: 'duplicate', status: 'PROCESSED' } });
    const after = await reads.get(id);
    expect(after?.faces).toEqual(record?.faces);
    expect(after?.attempts).toBe(1);
  }, 60_000);

  it('accepts a structured-mode event too, and records a photo without faces as PROCESSED with none', async () => {
    const id = await submit('dog.jpg');
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: toStructuredJson(buildImageSubmittedEvent({ imageId: id, path: 'dog.jpg' })),
    });
    expect(response.status).toBe(200);
    expect(await reads.get(id)).toMatchObject({ status: 'PROCESSED', faces: [], people: [] });
  }, 60_000);

  it('records a missing or corrupt photo as FAILED with its reason and answers 2xx', async () => {
    const missing = await submit('gone.jpg');
    expect(await deliver(missing, 'gone.jpg')).toMatchObject({
      status: 200,
      body: { kind: 'failed', code: 'FILE_NOT_FOUND' },
    });
    expect(await reads.get(missing)).toMatchObject({
      status: 'FAILED',
      error: { code: 'FILE_NOT_FOUND' },
    });

    const corrupt = await submit('corrupt.jpg');
    expect(await deliver(corrupt, 'corrupt.jpg')).toMatchObject({
      status: 200,
      body: { kind: 'failed', code: 'CORRUPT_IMAGE' },
    });
    expect(await reads.get(corrupt)).toMatchObject({
      status: 'FAILED',
      error: { code: 'CORRUPT_IMAGE' },
    });
  }, 60_000);

  it('answers 400 to what is not an image event and 404 to an unknown image', async () => {
    const garbage = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"hello":1}',
    });
    expect(garbage.status).toBe(400);
    const unknown = await deliver(987654, 'x.jpg');
    expect(unknown.status).toBe(404);
  });

  it('answers 503 while the recognizer is down, opens the breaker, and recovers when it is back', async () => {
    await recognizer.stop();
    const ids: number[] = [];
    for (let i = 0; i < 10; i++) ids.push(await submit('unknown.jpg'));

    const first = await deliver(ids[0]!, 'unknown.jpg');
    expect(first.status).toBe(503);
    expect(first.retryAfter).toBe('2');
    // Released for a retry; the attempt is given back: the photo never reached inference.
    expect(await reads.get(ids[0]!)).toMatchObject({
      status: 'PENDING',
      attempts: 0,
      error: { code: 'RECOGNIZER_UNAVAILABLE' },
    });

    // Failures pile up until the breaker opens (earlier successes are still in its window);
    // from then on a delivery is refused without even claiming the image.
    let refusedUnclaimed: number | undefined;
    for (const id of ids.slice(1)) {
      const answer = await deliver(id, 'unknown.jpg');
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ error: { code: 'RECOGNIZER_UNAVAILABLE' } });
      // Untouched: never claimed, so no error was recorded on it.
      if ((await reads.get(id))?.error === null) {
        refusedUnclaimed = id;
        break;
      }
    }
    expect(refusedUnclaimed).toBeDefined();
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(
      /facetrail_processor_breaker_transitions_total\{state="open",component="processor"\} [1-9]/,
    );

    recognizer = await startTheRecognizer();
    // Half-open after BREAKER_RESET_MS: the health probe answers SERVING and work resumes.
    await waitFor(
      'the processor to recover',
      async () => (await deliver(ids[0]!, 'unknown.jpg')).status === 200,
      {
        timeoutMs: 30_000,
        intervalMs: 500,
      },
    );
    for (const id of ids.slice(1)) expect((await deliver(id, 'unknown.jpg')).status).toBe(200);
    for (const id of ids) {
      expect(await reads.get(id)).toMatchObject({
        status: 'PROCESSED',
        people: [{ name: 'Hannibal' }],
        error: null,
      });
    }
  }, 180_000);
});
