import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HTTP } from 'cloudevents';
import type { Browser, Page } from 'playwright-core';
import { loadFrontendConfig } from '../../functions/frontend/config.js';
import { createFrontend } from '../../functions/frontend/wiring.js';
import { loadProcessorConfig } from '../../functions/processor/config.js';
import { createProcessor } from '../../functions/processor/wiring.js';
import { generateApiKey, hashApiKey } from '../../lib/auth/api-key.js';
import { buildImageSubmittedEvent } from '../../lib/events/image-event.js';
import { ImageIngestRepository } from '../../lib/db/images/ingest-repo.js';
import { ImageReadsRepository } from '../../lib/db/images/reads-repo.js';
import type { ImageRecord } from '../../lib/image-record.js';
import { KeysRepository } from '../../lib/db/keys-repo.js';
import type { RunningFunctionServer } from '../../lib/http/function-server.js';
import { createLogger } from '../../lib/logger.js';
import { launchChromium } from '../support/browser.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { FIXTURES } from '../support/fixtures.js';
import { serveForTest } from '../support/function-server.js';
import { screenshot, seriousAxeViolations } from '../support/page-checks.js';
import {
  startRecognizer,
  TEST_RECOGNIZER_SECRET,
  type RunningRecognizer,
} from '../support/recognizer.js';

/** Two photos of one person nobody enrolled, and one of somebody else, at two doors. */
const PHOTOS = {
  first: { from: 'faces/known/Barack Obama/1.jpg', to: 'door-1/first.jpg' },
  later: { from: 'faces/probes/obama1.jpg', to: 'door-1/later.jpg' },
  other: { from: 'faces/known/Joe Biden/1.jpg', to: 'door-2/other.jpg' },
} as const;

/**
 * Correcting the recogniser from the page, on real servers: photos go through the real
 * processor and recognizer (faces stored with their descriptors); an admin says "this is …" on
 * an unknown face, and re-scoring turns a later photo of that person into a match.
 */
describe('correcting the recogniser from the page', () => {
  let database: TestDatabase;
  let root: string;
  let recognizer: RunningRecognizer;
  let processor: ReturnType<typeof createProcessor>;
  let processorServer: RunningFunctionServer;
  let frontend: ReturnType<typeof createFrontend>;
  let server: RunningFunctionServer;
  let browser: Browser;
  let adminKey = '';
  const ids = { first: 0, later: 0, other: 0 };
  const ingest = () => new ImageIngestRepository(database.db);
  const reads = () => new ImageReadsRepository(database.db);

  async function processPhoto(relative: string): Promise<number> {
    const [id] = (await ingest().createImages([relative])).ids;
    const message = HTTP.binary(buildImageSubmittedEvent({ imageId: id!, path: relative }));
    const response = await fetch(processorServer.url, {
      method: 'POST',
      headers: message.headers as Record<string, string>,
      body: message.body as string,
    });
    expect([response.status, await response.json()]).toEqual([
      200,
      expect.objectContaining({ kind: 'processed', faces: 1, matched: 0 }),
    ]);
    return id!;
  }

  const signIn = async (page: Page) => {
    await page.goto(`${server.url}/login`);
    await page.fill('input[name="key"]', adminKey);
    await Promise.all([page.waitForURL(`${server.url}/`), page.click('button[type="submit"]')]);
  };
  const record = async (id: number): Promise<ImageRecord> => (await reads().get(id))!;

  beforeAll(async () => {
    [database, browser] = await Promise.all([createTestDatabase(), launchChromium()]);
    root = await mkdtemp(path.join(tmpdir(), 'facetrail-corrections-'));
    for (const photo of Object.values(PHOTOS)) {
      await mkdir(path.dirname(path.join(root, photo.to)), { recursive: true });
      await copyFile(path.join(FIXTURES, photo.from), path.join(root, photo.to));
    }
    recognizer = await startRecognizer({ databaseUrl: database.url, imagesRoot: root });
    const common = {
      DATABASE_URL: database.url,
      IMAGES_ROOT: root,
      RECOGNIZER_ADDRESS: recognizer.address,
      RECOGNIZER_SECRET: TEST_RECOGNIZER_SECRET,
    };
    processor = createProcessor(
      loadProcessorConfig({ ...common, RECOGNIZER_TIMEOUT_MS: '60000', LEASE_MS: '120000' }),
      createLogger('processor', 'silent'),
    );
    processorServer = await serveForTest(processor.app);
    frontend = createFrontend(
      loadFrontendConfig({
        ...common,
        SESSION_SECRET: 'corrections-test-session-secret-0123456789',
      }),
      createLogger('frontend', 'silent'),
    );
    server = await serveForTest(frontend.app, frontend.maxBodyBytes);
    adminKey = generateApiKey();
    await new KeysRepository(database.db).create({
      name: 'security-desk',
      role: 'admin',
      keyHash: hashApiKey(adminKey),
    });
    ids.first = await processPhoto(PHOTOS.first.to);
    ids.later = await processPhoto(PHOTOS.later.to);
    ids.other = await processPhoto(PHOTOS.other.to);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await frontend?.close();
    await processorServer?.close();
    await processor?.close();
    await recognizer?.stop();
    await database?.drop();
    await rm(root, { recursive: true, force: true });
  }, 60_000);

  it('turns an unknown face into a match with "this is …", then re-scores a later photo of them', async () => {
    // Nobody is enrolled: every face starts unknown, with its descriptor kept.
    for (const id of Object.values(ids)) {
      const faces = (await record(id)).faces;
      expect(faces.map((face) => face.person)).toEqual([null]);
    }
    const page = await browser.newPage();
    await signIn(page);
    await page.goto(`${server.url}/images/${ids.first}`);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'correction-before');
    await page.fill('form.assign input[name="name"]', 'Barack Obama');
    await Promise.all([
      page.waitForURL(`${server.url}/images/${ids.first}`),
      page.click('form.assign button[type="submit"]'),
    ]);
    await expect(page.locator('[role="status"]').first().innerText()).resolves.toContain(
      'Barack Obama is a new person',
    );
    // The face is now theirs on the page and in the database, with a distance.
    await expect(page.locator('ol.faces li').first().innerText()).resolves.toContain(
      'Barack Obama',
    );
    const first = await record(ids.first);
    expect(first.people.map((person) => person.name)).toEqual(['Barack Obama']);
    expect(first.faces[0]!.distance).not.toBeNull();
    const personId = first.people[0]!.id;
    // The face, cut out of the photo, is their enrollment photo now.
    expect(await readdir(path.join(root, 'enrollments', String(personId)))).toHaveLength(1);

    // The later photo was decided before: still unknown, until it is re-scored.
    expect((await record(ids.later)).people).toEqual([]);
    await page.goto(`${server.url}/images/${ids.later}`);
    await page.selectOption('#rescore-days', '7');
    await Promise.all([
      page.waitForURL(`${server.url}/images/${ids.later}`),
      page.click('form.rescore button[type="submit"]'),
    ]);
    await expect(page.locator('[role="status"]').first().innerText()).resolves.toMatch(
      /Re-scored \d+ face\(s\) from the last 7 day\(s\): 1 newly recognised/,
    );
    await expect(page.locator('ol.faces li').first().innerText()).resolves.toContain(
      'Barack Obama',
    );
    expect((await record(ids.later)).people.map((person) => person.name)).toEqual(['Barack Obama']);
    // Somebody else stays unknown.
    expect((await record(ids.other)).people).toEqual([]);
    await screenshot(page, 'correction-after');

    // Who changed what, and when.
    await page.goto(`${server.url}/audit`);
    const audit = await page.locator('main').innerText();
    expect(audit).toContain('security-desk');
    expect(audit).toMatch(/face\.assign|named a face|this is/i);
    expect(audit).toMatch(/rescore|re-score/i);
    await page.close();
  }, 120_000);

  it('refuses "this is …" without a name, and for a viewer', async () => {
    const face = (await record(ids.other)).faces[0]!;
    const post = (key: string, body: Record<string, string>) =>
      fetch(`${server.url}/faces/${face.id}/assign`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, accept: 'application/json' },
        body: new URLSearchParams(body),
      });
    const empty = await post(adminKey, { name: '  ' });
    expect([
      empty.status,
      ((await empty.json()) as { error: { code: string } }).error.code,
    ]).toEqual([400, 'INVALID_REQUEST']);
    const viewerKey = generateApiKey();
    await new KeysRepository(database.db).create({
      name: 'lobby',
      role: 'viewer',
      keyHash: hashApiKey(viewerKey),
    });
    expect((await post(viewerKey, { name: 'Joe Biden' })).status).toBe(403);
    expect((await record(ids.other)).people).toEqual([]);
  });
});
