import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { nameTombstone } from '../../lib/db/privacy-repo.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { FIXTURES } from '../support/fixtures.js';
import { stopAll, waitFor } from '../support/processes.js';
import { startStandalone, type Standalone } from '../support/standalone.js';
import type { ImageRecord } from '../../lib/image-record.js';

const T = 'privacy-e2e-admin-token-0123456789';

/**
 * Access and forgetting on `npm start` with ADMIN_TOKEN set, on real MariaDB and the real
 * recognizer: nothing answers without a key, and a forgotten person stays forgotten, through a
 * restart with the same known-people folder.
 */
describe('end to end: keys and forgetting on npm start (MariaDB, real recognizer)', () => {
  let database: TestDatabase;
  let root: string;
  let server: Standalone;
  const auth = { authorization: `Bearer ${T}` };

  const submit = async (relative: string): Promise<number> => {
    const response = await fetch(`${server.url}/images`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ path: relative }),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { images: Array<{ id: number }> }).images[0]!.id;
  };
  const finished = async (id: number): Promise<ImageRecord> => {
    let record: ImageRecord | undefined;
    await waitFor(
      `image ${id} to be final`,
      async () => {
        record = (await (
          await fetch(`${server.url}/images/${id}`, { headers: auth })
        ).json()) as ImageRecord;
        return record.status === 'PROCESSED' || record.status === 'FAILED';
      },
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    return record!;
  };
  const personNamed = async (name: string) => {
    const { people } = (await (await fetch(`${server.url}/people`, { headers: auth })).json()) as {
      people: Array<{ id: number; name: string; photos: number }>;
    };
    return people.find((person) => person.name.toLowerCase() === name.toLowerCase());
  };

  beforeAll(async () => {
    database = await createTestDatabase('facetrail_privacy', { migrate: false });
    root = await mkdtemp(path.join(tmpdir(), 'facetrail-privacy-'));
    await mkdir(path.join(root, 'known'), { recursive: true });
    await mkdir(path.join(root, 'door-1'), { recursive: true });
    for (const file of ['hannibal_1.jpg', 'gergely_01.jpg'])
      await copyFile(
        path.join(FIXTURES, 'seed/known_people', file),
        path.join(root, 'known', file),
      );
    await copyFile(
      path.join(FIXTURES, 'seed/unknown_people/unknown.jpg'),
      path.join(root, 'door-1/probe.jpg'),
    );
    server = await startStandalone({
      env: {
        ADMIN_TOKEN: T,
        DATABASE_URL: database.url,
        IMAGES_ROOT: root,
        KNOWN_PEOPLE_DIR: path.join(root, 'known'),
      },
    });
  }, 240_000);

  afterAll(async () => {
    await server?.stop();
    await server?.cleanup();
    await database?.drop();
    await rm(root, { recursive: true, force: true });
    await stopAll();
  }, 60_000);

  it('answers nothing personal without a key, and everything with ADMIN_TOKEN', async () => {
    const page = await fetch(`${server.frontendUrl}/`, {
      headers: { accept: 'text/html' },
      redirect: 'manual',
    });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toMatch(/^\/login\?next=/);
    expect((await fetch(`${server.frontendUrl}/api/images`)).status).toBe(401);
    expect((await fetch(`${server.frontendUrl}/`, { headers: auth })).status).toBe(200);

    expect((await fetch(`${server.url}/images`)).status).toBe(401);
    expect((await fetch(`${server.url}/images`, { headers: auth })).status).toBe(200);
    const anonymous = await fetch(`${server.url}/images`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: 'door-1/probe.jpg' }),
    });
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe(
      'UNAUTHORIZED',
    );
    const id = await submit('door-1/probe.jpg');
    expect((await finished(id)).people.map((person) => person.name)).toEqual(['Hannibal']);

    const thumbnail = await fetch(`${server.frontendUrl}/images/${id}/thumbnail`, {
      headers: auth,
    });
    expect(thumbnail.status).toBe(200);
    expect(thumbnail.headers.get('cache-control')).toMatch(/private|no-store/);
    expect((await fetch(`${server.frontendUrl}/images/${id}/thumbnail`)).status).toBe(401);
    // Health and metrics stay open, and name nobody.
    for (const url of [server.url, server.frontendUrl]) {
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).not.toMatch(/hannibal|probe\.jpg/i);
    }
  }, 180_000);

  it('forgets a person: no match afterwards, rows and stored photos gone, not back after a restart', async () => {
    const hannibal = await personNamed('Hannibal');
    expect(hannibal).toBeDefined();
    // One more photo of them, uploaded: facetrail keeps it, and must delete it.
    const upload = await readFile(path.join(FIXTURES, 'seed/known_people/hannibal_2.jpg'));
    const enrolled = await fetch(`${server.url}/people/${hannibal!.id}/images`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'image/jpeg' },
      body: upload,
    });
    expect(enrolled.status).toBe(201);
    const storedDir = path.join(root, 'enrollments', String(hannibal!.id));
    expect(await readdir(storedDir)).toHaveLength(1);
    const seenBefore = await submit('door-1/probe.jpg');
    expect((await finished(seenBefore)).people.map((person) => person.name)).toEqual(['Hannibal']);

    const forgotten = await fetch(`${server.url}/people/${hannibal!.id}`, {
      method: 'DELETE',
      headers: auth,
    });
    expect(forgotten.status).toBe(204);

    // Rows: no person, no descriptor; earlier sightings are now unknown faces; a tombstone.
    const db = database.db;
    expect(
      await db.selectFrom('person').selectAll().where('id', '=', hannibal!.id).execute(),
    ).toEqual([]);
    expect(
      await db
        .selectFrom('person_images')
        .selectAll()
        .where('person_id', '=', hannibal!.id)
        .execute(),
    ).toEqual([]);
    const earlier = await db
      .selectFrom('faces')
      .select(['person_id', 'distance'])
      .where('image_id', '=', seenBefore)
      .execute();
    expect(earlier.length).toBeGreaterThan(0);
    expect(earlier.every((face) => face.person_id === null && face.distance === null)).toBe(true);
    expect(
      await db
        .selectFrom('forgotten_people')
        .selectAll()
        .where('name_hash', '=', nameTombstone('Hannibal'))
        .execute(),
    ).toHaveLength(1);
    // The stored photo is gone, with its folder.
    expect(existsSync(storedDir)).toBe(false);
    expect(((await finished(seenBefore)) as ImageRecord).people).toEqual([]);

    // A new photo of them finds a face and nobody.
    const after = await finished(await submit('door-1/probe.jpg'));
    expect(after.status).toBe('PROCESSED');
    expect(after.faces.length).toBeGreaterThan(0);
    expect(after.people).toEqual([]);

    // A restart enrolls the same known-people folder: Gergely again, Hannibal not.
    await server.stop();
    await server.restart();
    expect(server.process.output()).toContain('forgotten people skipped');
    expect(await personNamed('Hannibal')).toBeUndefined();
    expect(await personNamed('Gergely')).toBeDefined();
    const afterRestart = await finished(await submit('door-1/probe.jpg'));
    expect(afterRestart.people).toEqual([]);
  }, 300_000);
});
