import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { createLogger } from '../../lib/logger.js';
import { loadReceiverConfig } from '../../functions/receiver/config.js';
import { createReceiver } from '../../functions/receiver/wiring.js';
import type { RunningFunctionServer } from '../../lib/http/function-server.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { FIXTURES } from '../support/fixtures.js';
import { serveForTest } from '../support/function-server.js';
import { startNsq, type NsqCluster } from '../support/nsq.js';
import { freePort } from '../support/ports.js';
import { TEST_RECOGNIZER_SECRET } from '../support/recognizer.js';

const ADMIN_TOKEN = 'test-admin-token-0123456789';
const AUTH = { authorization: `Bearer ${ADMIN_TOKEN}` };
const MiB = 1024 * 1024;
/** The receiver's defaults: 25 MiB per upload, 1 MiB of JSON, 1000 paths per request. */
const UPLOAD_LIMIT = 25 * MiB;

/** A JPEG as far as the receiver can tell (it sniffs the first bytes), padded to `size`. */
const jpegOf = (size: number) => {
  const bytes = Buffer.alloc(size);
  Buffer.from([0xff, 0xd8, 0xff, 0xe0]).copy(bytes);
  return bytes;
};

/** Every file below `dir` (relative), staged ones included; [] when there is no such folder. */
async function filesUnder(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** A multipart/form-data body of the given files (all image/jpeg). */
function multipart(files: Buffer[]): { body: Buffer; contentType: string } {
  const boundary = 'facetrail-test-boundary';
  const parts = files.flatMap((bytes, index) => [
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="photo"; filename="p${index}.jpg"\r\n` +
        'Content-Type: image/jpeg\r\n\r\n',
    ),
    bytes,
    Buffer.from('\r\n'),
  ]);
  return {
    body: Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

/**
 * Issue 9, findings 3, 4 and 9: the receiver's limits hold on decoded bytes, unknown encodings
 * are refused, a big JSON body is a 413, bulk checks stay within a file-handle budget, and no
 * upload is left on disk without its row.
 */
describe('receiver inputs: limits, encodings, file handles and orphan uploads (real MariaDB, nsqd)', () => {
  let database: TestDatabase;
  let nsq: NsqCluster;
  let root: string;
  let server: RunningFunctionServer;
  let receiver: ReturnType<typeof createReceiver>;
  const uploads = () => filesUnder(path.join(root, 'uploads'));

  const post = (url: string, body: Buffer | string, headers: Record<string, string>) =>
    fetch(`${server.url}${url}`, { method: 'POST', headers: { ...AUTH, ...headers }, body });
  const errorCode = async (response: Response) =>
    ((await response.json()) as { error: { code: string } }).error.code;

  let config: ReturnType<typeof loadReceiverConfig>;

  beforeAll(async () => {
    [database, nsq] = await Promise.all([createTestDatabase(), startNsq()]);
    root = await mkdtemp(path.join(tmpdir(), 'facetrail-receiver-inputs-'));
    await mkdir(path.join(root, 'bulk'));
    const photo = jpegOf(64);
    for (let index = 0; index < 1000; index++)
      await writeFile(path.join(root, 'bulk', `${index}.jpg`), photo);
    // Defaults for the limits: what `npm start` and the cluster run with.
    config = loadReceiverConfig({
      DATABASE_URL: database.url,
      NSQD_TCP_ADDRESS: nsq.nsqdTcpAddress,
      NSQ_TOPIC: 'receiver_inputs',
      IMAGES_ROOT: root,
      ADMIN_TOKEN,
      RECOGNIZER_SECRET: TEST_RECOGNIZER_SECRET,
      RECOGNIZER_ADDRESS: `127.0.0.1:${await freePort()}`,
    });
    expect(config.maxUploadBytes).toBe(UPLOAD_LIMIT);
    receiver = createReceiver(config, createLogger('receiver', 'silent'));
    server = await serveForTest(receiver.app, config.maxUploadBytes, config.maxJsonBytes);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await receiver?.close();
    await nsq?.stop();
    await database?.drop();
    await rm(root, { recursive: true, force: true });
  });

  afterEach(async () => {
    await rm(path.join(root, 'uploads'), { recursive: true, force: true });
  });

  it('still takes a gzip-compressed photo within the limit', async () => {
    const jpeg = await readFile(path.join(FIXTURES, 'seed/unknown_people/unknown.jpg'));
    const response = await post('/images', gzipSync(jpeg), {
      'content-type': 'image/jpeg',
      'content-encoding': 'gzip',
    });
    expect(response.status).toBe(202);
    const [image] = ((await response.json()) as { images: Array<{ path: string }> }).images;
    expect(await readFile(path.join(root, image!.path))).toEqual(jpeg);
    expect(await uploads()).toEqual([path.relative('uploads', image!.path)]);
  });

  it('refuses a gzip bomb (small on the wire, past the limit inflated) with 413 and writes nothing', async () => {
    const bomb = gzipSync(jpegOf(UPLOAD_LIMIT + MiB));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const response = await post('/images', bomb, {
      'content-type': 'image/jpeg',
      'content-encoding': 'gzip',
    });
    expect(response.status).toBe(413);
    expect(await errorCode(response)).toBe('PAYLOAD_TOO_LARGE');
    expect(await uploads()).toEqual([]);
  });

  it('counts a compressed form as a whole: two files under the per-file limit, past the body limit', async () => {
    const form = multipart([jpegOf(13 * MiB), jpegOf(13 * MiB)]);
    const response = await post('/images', gzipSync(form.body), {
      'content-type': form.contentType,
      'content-encoding': 'gzip',
    });
    expect(response.status).toBe(413);
    expect(await errorCode(response)).toBe('PAYLOAD_TOO_LARGE');
    expect(await uploads()).toEqual([]);
  });

  it('refuses a Content-Encoding it does not decode with 415', async () => {
    for (const encoding of ['compress', 'zstd', 'gzip, br']) {
      const response = await post('/images', Buffer.from('{"path":"bulk/1.jpg"}'), {
        'content-type': 'application/json',
        'content-encoding': encoding,
      });
      expect([encoding, response.status]).toEqual([encoding, 415]);
      expect(await errorCode(response)).toBe('UNSUPPORTED_CONTENT_ENCODING');
    }
  });

  it('answers a 20 MB JSON body with 413 in JSON, plain or compressed', async () => {
    const big = JSON.stringify({ path: 'x'.repeat(20_000_000) });
    const plain = await post('/images', big, { 'content-type': 'application/json' });
    expect(plain.status).toBe(413);
    expect(await errorCode(plain)).toBe('PAYLOAD_TOO_LARGE');
    const compressed = await post('/images', gzipSync(big), {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    expect(compressed.status).toBe(413);
    expect(await errorCode(compressed)).toBe('PAYLOAD_TOO_LARGE');
    // The process still answers.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('answers a 1000-path bulk request per path within a small file-handle budget', async () => {
    const paths = Array.from({ length: 1000 }, (_, index) => `bulk/${index}.jpg`);
    paths[500] = 'bulk/missing.jpg';
    const body = JSON.stringify({ paths });
    // This process gets 64 more file handles than it holds now: enough for 16 checks at a
    // time beside the database pool and nsqd, far from enough for 1000 opens at once.
    const open = (await readdir('/proc/self/fd')).length;
    const pid = String(process.pid);
    const limits = await promisify(execFile)('prlimit', [
      '--pid',
      pid,
      '--nofile',
      '--output=SOFT,HARD',
      '--noheadings',
      '--raw',
    ]);
    const [soft, hard] = limits.stdout.trim().split(/\s+/);
    const setSoft = (value: string) =>
      promisify(execFile)('prlimit', ['--pid', pid, `--nofile=${value}:${hard}`]);
    let response: Response;
    let answer: { images: Array<{ id?: number; error?: { code: string } }> };
    await setSoft(String(open + 64));
    try {
      response = await post('/images', body, { 'content-type': 'application/json' });
      answer = (await response.json()) as typeof answer;
    } finally {
      await setSoft(soft!);
    }
    expect(response.status).toBe(202);
    expect(answer.images).toHaveLength(1000);
    expect(answer.images[500]!.error?.code).toBe('FILE_NOT_FOUND');
    expect(answer.images.filter((item) => item.id !== undefined)).toHaveLength(999);
  }, 60_000);

  it('leaves no file behind when the row cannot be inserted', async () => {
    await sql`RENAME TABLE images TO images_away`.execute(database.db);
    let response: Response;
    try {
      response = await post('/images', jpegOf(1024), { 'content-type': 'image/jpeg' });
    } finally {
      await sql`RENAME TABLE images_away TO images`.execute(database.db);
    }
    expect(response.status).toBeGreaterThanOrEqual(500);
    expect(await uploads()).toEqual([]);
  });

  it('keeps one file for concurrent repeats of one request (same Idempotency-Key)', async () => {
    const photo = jpegOf(4096);
    const responses = await Promise.all(
      Array.from({ length: 8 }, () =>
        post('/images', photo, {
          'content-type': 'image/jpeg',
          'idempotency-key': 'cam-1-frame-1',
        }),
      ),
    );
    const bodies = (await Promise.all(responses.map((response) => response.json()))) as Array<{
      images: Array<{ id: number; path: string }>;
    }>;
    expect(responses.map((response) => response.status)).toEqual(Array(8).fill(202));
    const [image] = bodies[0]!.images;
    expect(bodies.every((body) => body.images[0]!.id === image!.id)).toBe(true);
    expect(await uploads()).toEqual([path.relative('uploads', image!.path)]);
  });

  it('sweeps, at start, uploads staged by a receiver that died mid-request (and keeps fresh ones)', async () => {
    const staging = path.join(root, 'uploads', '.staging');
    await mkdir(staging, { recursive: true });
    await writeFile(path.join(staging, 'left-by-a-crash.jpg'), jpegOf(64));
    const twoHoursAgo = new Date(Date.now() - 2 * 3600 * 1000);
    await utimes(path.join(staging, 'left-by-a-crash.jpg'), twoHoursAgo, twoHoursAgo);
    await writeFile(path.join(staging, 'in-flight.jpg'), jpegOf(64));
    const another = createReceiver(config, createLogger('receiver', 'silent'));
    try {
      await another.swept;
    } finally {
      await another.close();
    }
    expect(await uploads()).toEqual([path.join('.staging', 'in-flight.jpg')]);
  });
});
