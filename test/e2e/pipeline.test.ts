import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { FIXTURES } from '../support/fixtures.js';
import { startNsq, type NsqCluster } from '../support/nsq.js';
import { readFileSync } from 'node:fs';
import { startStandalone, type Standalone } from '../support/standalone.js';
import { waitFor } from '../support/processes.js';
import type { ImageRecord } from '../../lib/image-record.js';

/**
 * The whole pipeline as `npm start` runs it, on real MariaDB and NSQ: receiver -> nsqd ->
 * adapter -> processor -> recognizer (real models) -> MariaDB -> frontend.
 */
describe('end to end: npm start on MariaDB and NSQ', () => {
  let database: TestDatabase;
  let nsq: NsqCluster;
  let pipeline: Standalone;

  beforeAll(async () => {
    // An empty database: npm start migrates it.
    [database, nsq] = await Promise.all([
      createTestDatabase('facetrail_e2e', { migrate: false }),
      startNsq(),
    ]);
    pipeline = await startStandalone({
      env: {
        DATABASE_URL: database.url,
        NSQD_TCP_ADDRESS: nsq.nsqdTcpAddress,
        NSQLOOKUPD_HTTP_ADDRESSES: nsq.lookupdHttpAddress,
        // Photos are submitted by path, relative to the shared fixtures.
        IMAGES_ROOT: FIXTURES,
        // The seed's folder is enrolled at start, seed-style flat names.
        KNOWN_PEOPLE_DIR: path.join(FIXTURES, 'seed/known_people'),
      },
    });
    expect(pipeline.process.output()).toContain('queue     NSQ');
  }, 240_000);

  afterAll(async () => {
    if (pipeline) {
      await pipeline.stop();
      await pipeline.cleanup();
    }
    await nsq?.stop();
    await database?.drop();
  }, 60_000);

  const admin = () => ({
    authorization: `Bearer ${readFileSync(path.join(pipeline.dataDir, 'admin-token'), 'utf8').trim()}`,
    'content-type': 'application/json',
  });

  async function waitForFinal(ids: number[]): Promise<Map<number, ImageRecord>> {
    const records = new Map<number, ImageRecord>();
    await waitFor(
      `images ${ids.join(', ')} to reach PROCESSED or FAILED`,
      async () => {
        for (const id of ids) {
          if (records.has(id)) continue;
          const record = (await (
            await fetch(`${pipeline.url}/images/${id}`, { headers: admin() })
          ).json()) as ImageRecord;
          if (record.status === 'PROCESSED' || record.status === 'FAILED') records.set(id, record);
        }
        return records.size === ids.length;
      },
      { timeoutMs: 180_000, intervalMs: 500 },
    );
    return records;
  }

  it('enrolls faces/known through the API and finds exactly the labelled people on every probe', async () => {
    const knownDir = path.join(FIXTURES, 'faces/known');
    for (const name of (await readdir(knownDir)).sort()) {
      const created = await fetch(`${pipeline.url}/people`, {
        method: 'POST',
        headers: admin(),
        body: JSON.stringify({ name }),
      });
      expect(created.status).toBe(201);
      const person = (await created.json()) as { id: number };
      for (const file of (await readdir(path.join(knownDir, name))).sort()) {
        const enrolled = await fetch(`${pipeline.url}/people/${person.id}/images`, {
          method: 'POST',
          headers: admin(),
          body: JSON.stringify({ path: `faces/known/${name}/${file}` }),
        });
        expect([enrolled.status, await enrolled.text()]).toEqual([201, expect.any(String)]);
      }
    }

    const labels = JSON.parse(
      await readFile(path.join(FIXTURES, 'faces/probes/labels.json'), 'utf8'),
    ) as Record<string, string[]>;
    const files = Object.keys(labels).sort();
    const submitted = await fetch(`${pipeline.url}/images`, {
      method: 'POST',
      headers: admin(),
      body: JSON.stringify({ paths: files.map((file) => `faces/probes/${file}`) }),
    });
    expect(submitted.status).toBe(202);
    const items = ((await submitted.json()) as { images: Array<{ id: number; path: string }> })
      .images;
    expect(items).toHaveLength(files.length);

    const records = await waitForFinal(items.map((item) => item.id));
    const found = Object.fromEntries(
      items.map((item) => {
        const record = records.get(item.id)!;
        return [
          path.basename(record.path),
          record.status === 'PROCESSED'
            ? record.people.map((person) => person.name).sort()
            : record.status,
        ];
      }),
    );
    const expected = Object.fromEntries(files.map((file) => [file, [...labels[file]!].sort()]));
    console.log(`identification results: ${JSON.stringify(found)}`);
    expect(found).toEqual(expected);
  }, 300_000);

  it('identifies the seed demo: unknown.jpg is hannibal (seed/known_people enrolled at start)', async () => {
    const submitted = await fetch(`${pipeline.url}/image/post`, {
      method: 'POST',
      headers: admin(),
      body: JSON.stringify({ path: 'seed/unknown_people/unknown.jpg' }),
    });
    expect(submitted.status).toBe(202);
    const [item] = ((await submitted.json()) as { images: Array<{ id: number }> }).images;
    const record = (await waitForFinal([item!.id])).get(item!.id)!;
    expect(record.status).toBe('PROCESSED');
    expect(record.people.map((person) => person.name.toLowerCase())).toEqual(['hannibal']);

    const page = await (
      await fetch(`${pipeline.frontendUrl}/api/images?limit=100`, { headers: admin() })
    ).json();
    expect((page as { images: Array<{ id: number }> }).images.map((image) => image.id)).toContain(
      item!.id,
    );
  }, 120_000);
});
