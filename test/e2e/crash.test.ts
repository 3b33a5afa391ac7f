import path from 'node:path';
import { sql } from 'kysely';
import { connectDatabase, sqliteUrl, type Db } from '../../lib/db/connect.js';
import { FIXTURES } from '../support/fixtures.js';
import { stopAll, waitFor } from '../support/processes.js';
import { startStandalone, type Standalone } from '../support/standalone.js';

interface Row {
  id: number;
  path: string;
  status: string;
  processed_at: string | Date | null;
  faces: number;
}

/**
 * Crash safety of standalone mode: kill -9 in the middle of a batch, start again, and every
 * accepted image reaches exactly one final status with no face recorded twice.
 */
describe('standalone mode survives kill -9 mid-batch', () => {
  let server: Standalone;
  let db: Db | undefined;

  beforeAll(async () => {
    server = await startStandalone({
      env: {
        IMAGES_ROOT: FIXTURES,
        KNOWN_PEOPLE_DIR: path.join(FIXTURES, 'seed/known_people'),
        MAX_IN_FLIGHT: '2',
      },
    });
  }, 180_000);

  afterAll(async () => {
    await db?.destroy();
    await server?.stop();
    await server?.cleanup();
    await stopAll();
  }, 60_000);

  const rows = async (): Promise<Row[]> => {
    db ??= connectDatabase({ url: sqliteUrl(path.join(server.dataDir, 'facetrail.db')) });
    const result =
      await sql<Row>`SELECT i.id, i.path, i.status, i.processed_at, (SELECT COUNT(*) FROM faces f WHERE f.image_id = i.id) AS faces FROM images i ORDER BY i.id`.execute(
        db,
      );
    return result.rows;
  };

  it('finishes every accepted image exactly once after a restart', async () => {
    const photos = [
      'faces/probes/obama_and_biden.jpg',
      'faces/probes/kit_with_rose.jpg',
      'faces/probes/obama1.jpg',
      'seed/unknown_people/unknown.jpg',
      'negatives/dog.jpg',
      'faces/probes/two_people.jpg',
    ];
    const paths = Array.from({ length: 5 }, () => photos).flat();
    const response = await fetch(`${server.url}/images`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...server.auth() },
      body: JSON.stringify({ paths }),
    });
    expect(response.status).toBe(202);
    const accepted = ((await response.json()) as { images: Array<{ id: number }> }).images.map(
      (image) => image.id,
    );
    expect(accepted).toHaveLength(paths.length);

    // Kill -9 while part of the batch is done and the rest is queued or in flight.
    await waitFor(
      'a few images to be processed',
      async () => (await rows()).filter((row) => row.status === 'PROCESSED').length >= 4,
      { timeoutMs: 120_000, intervalMs: 50 },
    );
    await server.kill();
    const atCrash = await rows();
    const doneBeforeCrash = atCrash.filter((row) => row.status === 'PROCESSED');
    expect(doneBeforeCrash.length).toBeLessThan(paths.length);

    await server.restart();
    expect(server.process.output()).toMatch(
      /recovered \d+ unfinished image\(s\) from the previous run/,
    );
    await waitFor(
      'every image to reach a final status',
      async () =>
        (await rows()).every((row) => row.status === 'PROCESSED' || row.status === 'FAILED'),
      { timeoutMs: 180_000, intervalMs: 250 },
    );

    const final = await rows();
    expect(final.map((row) => row.id)).toEqual(accepted);
    expect(final.every((row) => row.status === 'PROCESSED')).toBe(true);
    // Images finished before the crash were not processed again.
    for (const before of doneBeforeCrash) {
      expect(final.find((row) => row.id === before.id)?.processed_at).toEqual(before.processed_at);
    }
    // The same photo always has the same number of faces: none lost, none recorded twice.
    const facesByPath = new Map<string, Set<number>>();
    for (const row of final)
      facesByPath.set(row.path, (facesByPath.get(row.path) ?? new Set()).add(Number(row.faces)));
    for (const [photo, counts] of facesByPath)
      expect([photo, [...counts]]).toEqual([photo, [expect.any(Number)]]);
    // Obama, Biden and, at the default SSD_INPUT_SIZE, the child at the edge of the photo.
    expect([...facesByPath.get('faces/probes/obama_and_biden.jpg')!]).toEqual([3]);
    expect([...facesByPath.get('negatives/dog.jpg')!]).toEqual([0]);
  }, 400_000);
});
