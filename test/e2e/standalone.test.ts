import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { FIXTURES } from '../support/fixtures.js';
import { stopAll } from '../support/processes.js';
import {
  REPO_ROOT,
  runCli,
  standaloneEnv,
  startStandalone,
  type Standalone,
} from '../support/standalone.js';

/**
 * Standalone mode end to end, as a person who just cloned facetrail: a fresh copy of the repo
 * (tracked files only: no data/, no tools/), no MariaDB or NSQ variables, driven through the CLI.
 */
describe('end to end: standalone mode through the CLI', () => {
  let copy: string;
  let server: Standalone;
  const cli = (args: string[]) =>
    runCli(args, {
      cwd: copy,
      env: standaloneEnv({ DATA_DIR: server.dataDir, FACETRAIL_URL: server.url }),
    });

  beforeAll(async () => {
    copy = await mkdtemp(path.join(tmpdir(), 'facetrail-clone-'));
    const { stdout } = await promisify(execFile)('git', ['ls-files', '-z'], {
      cwd: REPO_ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
    for (const file of stdout.split('\0').filter(Boolean)) {
      await mkdir(path.dirname(path.join(copy, file)), { recursive: true });
      await cp(path.join(REPO_ROOT, file), path.join(copy, file));
    }
    // `npm ci` would install the same packages: share them instead of downloading again.
    await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(copy, 'node_modules'));
    server = await startStandalone({ cwd: copy });
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    await server?.cleanup();
    await rm(copy, { recursive: true, force: true });
    await stopAll();
  }, 60_000);

  it('runs on SQLite and the embedded queue', () => {
    expect(server.process.output()).toContain('(SQLite)');
    expect(server.process.output()).toContain('queue     embedded');
  });

  it('enrolls the fixtures and finds exactly the labelled people on every probe, and hannibal on the seed demo', async () => {
    const knownFaces = await cli(['enroll', path.join(FIXTURES, 'faces/known')]);
    expect([knownFaces.code, knownFaces.stderr]).toEqual([0, '']);
    expect(knownFaces.stdout).toContain('5 people, 9 photo(s) enrolled');
    const seedPeople = await cli(['enroll', path.join(FIXTURES, 'seed/known_people')]);
    expect(seedPeople.code).toBe(0);

    const started = performance.now();
    const submitted = await cli([
      '--json',
      'submit',
      '--wait',
      path.join(FIXTURES, 'faces/probes'),
      path.join(FIXTURES, 'seed/unknown_people'),
    ]);
    const seconds = (performance.now() - started) / 1000;
    expect([submitted.code, submitted.stderr]).toEqual([0, '']);
    const { images } = JSON.parse(submitted.stdout) as {
      images: Array<{ id: number; status: string; people: Array<{ name: string }> }>;
    };
    const labels = JSON.parse(
      await readFile(path.join(FIXTURES, 'faces/probes/labels.json'), 'utf8'),
    ) as Record<string, string[]>;
    // Uploads are stored under new names: pair results with files by submission order (ids).
    const files = [...Object.keys(labels).sort(), 'unknown.jpg'];
    const ordered = [...images].sort((a, b) => a.id - b.id);
    expect(ordered).toHaveLength(files.length);
    const found = Object.fromEntries(
      ordered.map((image, index) => [
        files[index],
        image.people.map((person) => person.name).sort(),
      ]),
    );
    const expected = {
      ...Object.fromEntries(
        Object.entries(labels).map(([file, people]) => [file, [...people].sort()]),
      ),
      'unknown.jpg': ['Hannibal'],
    };
    console.log(
      `standalone identification (${seconds.toFixed(1)} s for ${files.length} photos): ${JSON.stringify(found)}`,
    );
    expect(found).toEqual(expected);
  }, 300_000);
});
