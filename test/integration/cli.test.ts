import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { migrationsDirFor, readMigrations } from '../../lib/db/migrate.js';
import { FIXTURES } from '../support/fixtures.js';
import { freePort } from '../support/ports.js';
import { stopAll } from '../support/processes.js';
import {
  REPO_ROOT,
  runCli,
  standaloneEnv,
  startStandalone,
  type Standalone,
} from '../support/standalone.js';

/** The facetrail CLI against a real standalone facetrail (SQLite, embedded queue, real models). */
describe('facetrail CLI', () => {
  let server: Standalone;
  let folder: string;
  const cli = (args: string[], extra: Record<string, string> = {}) =>
    runCli(args, {
      env: standaloneEnv({ DATA_DIR: server.dataDir, FACETRAIL_URL: server.url, ...extra }),
    });

  beforeAll(async () => {
    server = await startStandalone();
    // A folder with every kind of photo enrollment must skip, beside good ones.
    folder = await mkdtemp(path.join(tmpdir(), 'facetrail-cli-'));
    await mkdir(path.join(folder, 'Joe Biden'));
    await copyFile(
      path.join(FIXTURES, 'faces/known/Joe Biden/1.jpg'),
      path.join(folder, 'Joe Biden/1.jpg'),
    );
    await copyFile(
      path.join(FIXTURES, 'faces/known/Joe Biden/2.jpg'),
      path.join(folder, 'Joe Biden/2.jpg'),
    );
    await mkdir(path.join(folder, 'Nobody'));
    await copyFile(path.join(FIXTURES, 'negatives/dog.jpg'), path.join(folder, 'Nobody/dog.jpg'));
    await mkdir(path.join(folder, 'Crowd'));
    await copyFile(
      path.join(FIXTURES, 'faces/probes/obama_and_biden.jpg'),
      path.join(folder, 'Crowd/group.jpg'),
    );
    await writeFile(
      path.join(folder, 'broken_1.jpg'),
      Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(512, 3)]),
    );
    await copyFile(
      path.join(FIXTURES, 'seed/known_people/hannibal_1.jpg'),
      path.join(folder, 'hannibal_1.jpg'),
    );
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    await server?.cleanup();
    await rm(folder, { recursive: true, force: true });
    await stopAll();
  }, 60_000);

  it('has --help for the program and every command', async () => {
    const main = await cli(['--help']);
    expect(main.code).toBe(0);
    for (const command of ['start', 'migrate', 'enroll', 'submit', 'status', 'people', 'rescore'])
      expect(main.stdout).toContain(command);
    expect(main.stdout).toContain('Exit codes');
    for (const command of ['enroll', 'submit', 'status', 'people', 'migrate', 'start']) {
      const help = await cli([command, '--help']);
      expect([command, help.code, help.stdout]).toEqual([
        command,
        0,
        expect.stringContaining(`Usage: facetrail ${command}`),
      ]);
    }
  }, 60_000);

  it('exits 2 with a clear message on bad arguments', async () => {
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
    expect((await cli(['submit'])).code).toBe(2);
    const badId = await cli(['status', 'abc']);
    expect([badId.code, badId.stderr]).toEqual([
      2,
      expect.stringContaining('id must be a positive integer'),
    ]);
    const missing = await cli(['enroll', path.join(folder, 'nope')]);
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringContaining('no folder at')]);
    const noPhotos = await cli(['submit', path.join(folder, 'nope.jpg')]);
    expect([noPhotos.code, noPhotos.stderr]).toEqual([
      2,
      expect.stringContaining('no file or folder'),
    ]);
  }, 60_000);

  it('exits 3 and says what to do when the server is unreachable', async () => {
    const result = await cli(['people'], { FACETRAIL_URL: `http://127.0.0.1:${await freePort()}` });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /cannot reach facetrail at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
    );
    expect(result.stderr).toContain('--url');
  }, 30_000);

  it('prints its version, and errors as JSON with --json', async () => {
    const { version } = JSON.parse(
      await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8'),
    ) as {
      version: string;
    };
    const printed = await cli(['--version']);
    expect([printed.code, printed.stdout.trim()]).toEqual([0, version]);
    const json = async (args: string[], extra: Record<string, string> = {}) => {
      const result = await cli(['--json', ...args], extra);
      return {
        code: result.code,
        out: JSON.parse(result.stdout) as unknown,
        stderr: result.stderr,
      };
    };
    const unreachable = await json(['people'], {
      FACETRAIL_URL: `http://127.0.0.1:${await freePort()}`,
    });
    expect(unreachable).toMatchObject({
      code: 3,
      out: {
        error: {
          code: 'UNREACHABLE',
          exitCode: 3,
          message: expect.stringContaining('cannot reach'),
        },
      },
    });
    expect(await json(['frobnicate'])).toMatchObject({
      code: 2,
      out: { error: { code: 'USAGE', message: expect.stringContaining('frobnicate') } },
      stderr: '',
    });
    expect(await json(['status', '999999'])).toMatchObject({
      code: 1,
      out: { error: { code: 'NOT_FOUND', message: 'no image with id 999999' } },
    });
    expect(await json(['people'], { FACETRAIL_TOKEN: 'ftk_wrong-key-0123456789' })).toMatchObject({
      code: 4,
      out: { error: { code: 'UNAUTHORIZED' } },
    });
  }, 60_000);

  it("runs the README's quick start on the example photos, sending names, EXIF times and doors", async () => {
    const enrolled = await cli(['enroll', 'examples/known']);
    expect([enrolled.code, enrolled.stdout]).toEqual([
      0,
      expect.stringContaining('1 photo(s) enrolled'),
    ]);
    const submitted = await cli(['submit', '--wait', 'examples/doors']);
    expect(submitted.code).toBe(0);
    const lines = submitted.stdout.trim().split('\n');
    const row = (name: string) => lines.find((line) => line.includes(name))!;
    expect(row('2026-11-25T08-58-12.jpg')).toMatch(/PROCESSED +2 +Eileen Collins/);
    expect(row('2026-11-25T09-14-40.jpg')).toMatch(/PROCESSED +1 +—/);
    expect(row('2026-11-25T09-30-05.jpg')).toMatch(/PROCESSED +0 +—/);
    const id = Number(row('2026-11-25T08-58-12.jpg').split(/\s+/)[0]);
    const record = JSON.parse((await cli(['--json', 'status', String(id)])).stdout) as Record<
      string,
      unknown
    >;
    expect(record).toMatchObject({
      door: 'door-1',
      capturedAt: '2026-11-25T08:58:12.000Z',
      originalName: '2026-11-25T08-58-12.jpg',
    });
    // The same command again submits nothing new: each photo replays its first submission.
    const again = await cli(['submit', 'examples/doors']);
    expect(again.code).toBe(0);
    const people = await cli(['people']);
    expect(people.stdout).toMatch(/Eileen Collins +│ 1 +│ 1 /);
  }, 180_000);

  it('exits 4 when the key is refused', async () => {
    const result = await cli(['--token', 'not-the-admin-token', 'enroll', folder]);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/refused the key/);
  }, 30_000);

  it('enrolls both layouts and reports every skip with its reason', async () => {
    const result = await cli(['enroll', folder]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('5 people, 3 photo(s) enrolled, 3 skipped, 0 failed');
    expect(result.stdout).toMatch(/Nobody .*dog\.jpg .*no face/);
    expect(result.stdout).toMatch(/Crowd .*group\.jpg .*several faces/);
    expect(result.stdout).toMatch(/Broken .*broken_1\.jpg .*unreadable \(CORRUPT_IMAGE\)/);

    const again = await cli(['--json', 'enroll', folder]);
    const summary = JSON.parse(again.stdout) as {
      enrolled: number;
      skipped: Array<{ reason: string }>;
    };
    expect(summary.enrolled).toBe(0);
    expect(summary.skipped.filter((entry) => entry.reason === 'already enrolled')).toHaveLength(3);

    const people = JSON.parse((await cli(['people', '--json'])).stdout) as {
      people: Array<{ name: string; photos: number }>;
    };
    expect(people.people.find((person) => person.name === 'Joe Biden')?.photos).toBe(2);
    expect(people.people.find((person) => person.name === 'Hannibal')?.photos).toBe(1);
    const table = await cli(['people']);
    expect(table.stdout).toMatch(/│ Joe Biden +│ 2 /);
  }, 120_000);

  it('submits, waits, prints results as they arrive, and shows status', async () => {
    const submitted = await cli([
      'submit',
      '--wait',
      path.join(FIXTURES, 'seed/unknown_people/unknown.jpg'),
      path.join(FIXTURES, 'negatives/dog.jpg'),
    ]);
    expect(submitted.code).toBe(0);
    const lines = submitted.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^id +photo +status +faces +people$/);
    expect(lines.find((line) => line.includes('unknown.jpg'))).toMatch(/PROCESSED +1 +Hannibal/);
    expect(lines.find((line) => line.includes('dog.jpg'))).toMatch(/PROCESSED +0 +—/);

    const id = Number(lines.find((line) => line.includes('unknown.jpg'))!.split(/\s+/)[0]);
    const detail = await cli(['status', String(id)]);
    expect(detail.stdout).toMatch(/status PROCESSED/);
    expect(detail.stdout).toMatch(/│ 1 +│ Hannibal/);
    const record = JSON.parse((await cli(['status', String(id), '--json'])).stdout) as {
      people: Array<{ name: string }>;
    };
    expect(record.people.map((person) => person.name)).toEqual(['Hannibal']);
    const latest = await cli(['status', '--limit', '5']);
    expect(latest.stdout).toContain('PROCESSED');
    const notFound = await cli(['status', '999999']);
    expect([notFound.code, notFound.stderr]).toEqual([
      1,
      expect.stringContaining('no image with id 999999'),
    ]);
  }, 120_000);

  it('re-scores past photos after a new enrollment, from stored descriptors', async () => {
    // Joe Biden is enrolled, Barack Obama not yet: his face on the group photo is unknown.
    const submitted = await cli([
      'submit',
      '--wait',
      path.join(FIXTURES, 'faces/probes/obama_and_biden.jpg'),
    ]);
    expect(submitted.code).toBe(0);
    const line = submitted.stdout.split('\n').find((row) => row.includes('obama_and_biden'))!;
    expect(line).toMatch(/PROCESSED +[23] +Joe Biden$/);
    const id = Number(line.split(/\s+/)[0]);
    type Record = {
      people: Array<{ name: string }>;
      faces: Array<{ quality: { size: number; sharpness: number } | null; unidentifiable: null }>;
    };
    const before = JSON.parse((await cli(['status', String(id), '--json'])).stdout) as Record;
    // Every face carries its quality.
    for (const face of before.faces) {
      expect(face.quality!.size).toBeGreaterThan(100);
      expect(face.quality!.sharpness).toBeGreaterThan(0.2);
      expect(face.unidentifiable).toBeNull();
    }

    const obama = await mkdtemp(path.join(tmpdir(), 'facetrail-cli-obama-'));
    try {
      await mkdir(path.join(obama, 'Barack Obama'));
      await copyFile(
        path.join(FIXTURES, 'faces/known/Barack Obama/1.jpg'),
        path.join(obama, 'Barack Obama/1.jpg'),
      );
      expect((await cli(['enroll', obama])).code).toBe(0);
    } finally {
      await rm(obama, { recursive: true, force: true });
    }

    const rescored = await cli(['rescore', '--person', 'Barack Obama']);
    expect(rescored.stderr).toBe('');
    expect(rescored.code).toBe(0);
    expect(rescored.stdout).toMatch(
      /1 changed \(1 now attributed, 0 no longer\), on 1 image\(s\): \d+/,
    );
    const after = JSON.parse((await cli(['status', String(id), '--json'])).stdout) as Record;
    expect(after.people.map((person) => person.name)).toEqual(['Barack Obama', 'Joe Biden']);

    // Nothing moves the second time; nothing is examined before --since.
    const again = JSON.parse((await cli(['--json', 'rescore'])).stdout) as {
      examined: number;
      changed: number;
      skipped: number;
    };
    expect(again.changed).toBe(0);
    expect(again.skipped).toBe(0);
    expect(again.examined).toBeGreaterThanOrEqual(3);
    const future = await cli(['rescore', '--since', '2999-01-01']);
    expect(future.stdout).toMatch(/^re-scored 0 stored face/);

    const badSince = await cli(['rescore', '--since', 'yesterday-ish']);
    expect([badSince.code, badSince.stderr]).toEqual([2, expect.stringContaining('--since')]);
    const nobody = await cli(['rescore', '--person', 'Nobody Known']);
    expect([nobody.code, nobody.stderr]).toEqual([2, expect.stringContaining('NOT_FOUND')]);
    const refused = await cli(['--token', 'not-the-admin-token', 'rescore']);
    expect(refused.code).toBe(4);
  }, 180_000);

  it('creates, lists and revokes keys; each role may do only its part', async () => {
    const viewer = await cli(['keys', 'create', '--role', 'viewer', '--name', 'lobby-screen']);
    expect(viewer.code).toBe(0);
    const viewerKey = viewer.stdout.trim();
    expect(viewerKey).toMatch(/^ftk_[A-Za-z0-9_-]{43}$/);
    expect(viewer.stderr).toContain('not shown again');
    const camera = await cli([
      '--json',
      'keys',
      'create',
      '--role',
      'ingest',
      '--name',
      'door-1-camera',
    ]);
    const cameraKey = (JSON.parse(camera.stdout) as { key: string }).key;
    const duplicate = await cli(['keys', 'create', '--role', 'viewer', '--name', 'lobby-screen']);
    expect([duplicate.code, duplicate.stderr]).toEqual([1, expect.stringContaining('KEY_EXISTS')]);
    const badRole = await cli(['keys', 'create', '--role', 'root', '--name', 'x']);
    expect(badRole.code).toBe(2);

    const listed = await cli(['keys', 'list']);
    expect(listed.stdout).toMatch(/│ door-1-camera +│ ingest +│/);
    expect(listed.stdout).toMatch(/│ lobby-screen +│ viewer +│/);
    expect(listed.stdout).not.toContain(viewerKey);
    expect(listed.stdout).not.toContain(cameraKey);

    // The screen reads; it may not enroll. The camera submits; it may not read.
    const asViewer = (args: string[]) => cli(['--token', viewerKey, ...args]);
    const asCamera = (args: string[]) => cli(['--token', cameraKey, ...args]);
    expect((await asViewer(['people'])).code).toBe(0);
    const viewerEnroll = await asViewer(['enroll', folder]);
    expect([viewerEnroll.code, viewerEnroll.stderr]).toEqual([
      4,
      expect.stringContaining('viewer role'),
    ]);
    const submitted = await asCamera(['submit', path.join(FIXTURES, 'negatives/dog.jpg')]);
    expect([submitted.code, submitted.stdout]).toEqual([0, expect.stringContaining('submitted 1')]);
    expect((await asCamera(['status'])).code).toBe(4);
    const used = JSON.parse((await cli(['--json', 'keys', 'list'])).stdout) as {
      keys: Array<{ name: string; lastUsedAt: string | null }>;
    };
    expect(used.keys.find((key) => key.name === 'door-1-camera')?.lastUsedAt).not.toBeNull();

    const revoked = await cli(['keys', 'revoke', 'door-1-camera']);
    expect([revoked.code, revoked.stdout.trim()]).toEqual([0, 'revoked "door-1-camera"']);
    const afterRevoke = await asCamera(['submit', path.join(FIXTURES, 'negatives/dog.jpg')]);
    expect([afterRevoke.code, afterRevoke.stderr]).toEqual([
      4,
      expect.stringContaining('refused the key'),
    ]);
    expect((await cli(['keys', 'revoke', 'door-1-camera'])).code).toBe(1);
  }, 120_000);

  it('forgets a person by name and deletes an image by id', async () => {
    const before = JSON.parse((await cli(['people', '--json'])).stdout) as {
      people: Array<{ id: number; name: string }>;
    };
    expect(before.people.map((person) => person.name)).toContain('Joe Biden');
    const forgot = await cli(['forget', 'joe biden']);
    expect([forgot.code, forgot.stdout]).toEqual([0, expect.stringMatching(/^forgot Joe Biden/)]);
    const after = JSON.parse((await cli(['people', '--json'])).stdout) as {
      people: Array<{ name: string }>;
    };
    expect(after.people.map((person) => person.name)).not.toContain('Joe Biden');
    expect((await cli(['forget', 'Joe Biden'])).code).toBe(1);

    const latest = JSON.parse((await cli(['status', '--json', '--limit', '1'])).stdout) as {
      images: Array<{ id: number }>;
    };
    const id = latest.images[0]!.id;
    const deleted = await cli(['delete', String(id)]);
    expect([deleted.code, deleted.stdout.trim()]).toEqual([0, `deleted image ${id}`]);
    const gone = await cli(['status', String(id)]);
    expect([gone.code, gone.stderr]).toEqual([
      1,
      expect.stringContaining(`no image with id ${id}`),
    ]);
  }, 60_000);

  it('migrates the standalone database, twice without harm', async () => {
    const first = await cli(['migrate']);
    expect([first.code, first.stdout.trim()]).toEqual([0, 'database is up to date']);
    const other = await mkdtemp(path.join(tmpdir(), 'facetrail-migrate-'));
    try {
      const fresh = await runCli(['migrate'], { env: standaloneEnv({ DATA_DIR: other }) });
      const every = (await readMigrations(migrationsDirFor('sqlite'))).map((m) => m.name);
      expect(every.slice(0, 3)).toEqual([
        '001_initial_schema.sql',
        '002_idempotency_key_binary.sql',
        '003_access_and_forgetting.sql',
      ]);
      expect([fresh.code, fresh.stdout.trim()]).toEqual([0, `applied ${every.join(', ')}`]);
      const again = await runCli(['migrate', '--json'], {
        env: standaloneEnv({ DATA_DIR: other }),
      });
      expect(JSON.parse(again.stdout)).toEqual({ applied: [] });
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  }, 60_000);
});
