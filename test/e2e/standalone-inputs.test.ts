import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { stopAll } from '../support/processes.js';
import { startStandalone, type Standalone } from '../support/standalone.js';

const MiB = 1024 * 1024;

/** A JPEG as far as the receiver can tell (it sniffs the first bytes), padded to `size`. */
const jpegOf = (size: number) => {
  const bytes = Buffer.alloc(size);
  Buffer.from([0xff, 0xd8, 0xff, 0xe0]).copy(bytes);
  return bytes;
};

/**
 * Issue 9's acceptance on `npm start` (`facetrail start`, one process, default limits): a JSON
 * body over its limit and a compressed body that inflates past the limit get 413, an unknown
 * Content-Encoding gets 415, and the process keeps answering.
 */
describe('end to end: bad input against standalone mode', () => {
  let server: Standalone;
  const post = (
    base: string,
    route: string,
    body: Buffer | string,
    headers: Record<string, string>,
  ) =>
    fetch(`${base}${route}`, { method: 'POST', headers: { ...server.auth(), ...headers }, body });
  const refusal = async (response: Response) => [
    response.status,
    ((await response.json()) as { error: { code: string } }).error.code,
  ];

  beforeAll(async () => {
    server = await startStandalone();
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    await server?.cleanup();
    await stopAll();
  }, 60_000);

  it('answers 413 and 415 and stays up', async () => {
    const bigJson = JSON.stringify({ path: 'x'.repeat(20_000_000) });
    expect(
      await refusal(
        await post(server.url, '/images', bigJson, { 'content-type': 'application/json' }),
      ),
    ).toEqual([413, 'PAYLOAD_TOO_LARGE']);

    const jsonBomb = gzipSync(JSON.stringify({ paths: Array(3_000_000).fill('door-1/a.jpg') }));
    expect(
      await refusal(
        await post(server.url, '/images', jsonBomb, {
          'content-type': 'application/json',
          'content-encoding': 'gzip',
        }),
      ),
    ).toEqual([413, 'PAYLOAD_TOO_LARGE']);

    // 26 MiB inflated (the upload limit is 25 MiB) from well under 64 KiB on the wire.
    const photoBomb = gzipSync(jpegOf(26 * MiB));
    expect(photoBomb.length).toBeLessThan(64 * 1024);
    expect(
      await refusal(
        await post(server.url, '/images', photoBomb, {
          'content-type': 'image/jpeg',
          'content-encoding': 'gzip',
        }),
      ),
    ).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const uploads = await readdir(path.join(server.dataDir, 'images', 'uploads'), {
      recursive: true,
    }).catch(() => []);
    expect(uploads.filter((name) => name.endsWith('.jpg'))).toEqual([]);

    expect(
      await refusal(
        await post(server.url, '/images', '{"path":"door-1/a.jpg"}', {
          'content-type': 'application/json',
          'content-encoding': 'compress',
        }),
      ),
    ).toEqual([415, 'UNSUPPORTED_CONTENT_ENCODING']);

    // The frontend's forms too: a URL-encoded body that inflates past its limit.
    const formBomb = gzipSync(`name=${'a'.repeat(30 * MiB)}`);
    expect(
      (
        await post(server.frontendUrl, '/people', formBomb, {
          'content-type': 'application/x-www-form-urlencoded',
          'content-encoding': 'gzip',
        })
      ).status,
    ).toBe(413);

    // Still up, and still working: a photo within the limits is accepted.
    expect(server.process.child.exitCode).toBeNull();
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.frontendUrl}/healthz`)).status).toBe(200);
    const accepted = await post(server.url, '/images', gzipSync(jpegOf(4096)), {
      'content-type': 'image/jpeg',
      'content-encoding': 'gzip',
    });
    expect(accepted.status).toBe(202);
  }, 120_000);
});
