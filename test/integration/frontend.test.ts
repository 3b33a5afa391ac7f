import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { createLogger } from '../../lib/logger.js';
import { loadFrontendConfig } from '../../functions/frontend/config.js';
import { createFrontend } from '../../functions/frontend/wiring.js';
import { ImagesRepository } from '../../lib/db/images-repo.js';
import { PeopleRepository } from '../../lib/db/people-repo.js';
import type { RunningFunctionServer } from '../../lib/http/function-server.js';
import { launchChromium } from '../support/browser.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { FIXTURES } from '../support/fixtures.js';
import { serveForTest } from '../support/function-server.js';

const EVIL_NAME = '<img src=x onerror="window.__pwned=1">Mallory';

describe('frontend in headless Chromium', () => {
  let database: TestDatabase;
  let root: string;
  let server: RunningFunctionServer;
  let frontend: ReturnType<typeof createFrontend>;
  let browser: Browser;
  const ids = { hannibal: 0, dog: 0, pending: 0 };
  let hannibalId = 0;

  beforeAll(async () => {
    [database, browser] = await Promise.all([createTestDatabase(), launchChromium()]);
    root = await mkdtemp(path.join(tmpdir(), 'facetrail-frontend-'));
    await copyFile(
      path.join(FIXTURES, 'seed/unknown_people/unknown.jpg'),
      path.join(root, 'door-1.jpg'),
    );
    await copyFile(path.join(FIXTURES, 'negatives/dog.jpg'), path.join(root, 'door-2.jpg'));
    const images = new ImagesRepository(database.db);
    const people = new PeopleRepository(database.db);
    const hannibal = await people.create('Hannibal');
    hannibalId = hannibal.id;
    const mallory = await people.create(EVIL_NAME);
    const created = (await images.createImages(['door-1.jpg', 'door-2.jpg', 'door-1.jpg'])).ids;
    [ids.hannibal, ids.dog, ids.pending] = created as [number, number, number];
    const claim = async (id: number) => {
      const outcome = await images.claim(id, 60_000);
      if (outcome.kind !== 'claimed') throw new Error('claim failed');
      return outcome.claim;
    };
    const box = { x: 10, y: 20, width: 50, height: 60 };
    await images.complete(await claim(ids.hannibal), [
      { box, score: 0.99, personId: hannibal.id, distance: 0.31 },
      { box, score: 0.9, personId: mallory.id, distance: 0.5 },
    ]);
    await images.fail(await claim(ids.dog), 'CORRUPT_IMAGE', 'the image cannot be decoded');
    const config = loadFrontendConfig({
      DATABASE_URL: database.url,
      IMAGES_ROOT: root,
      PAGE_SIZE: '2',
      REFRESH_SECONDS: '1',
    });
    frontend = createFrontend(config, createLogger('frontend', 'silent'));
    server = await serveForTest(frontend.app);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await frontend?.close();
    await database?.drop();
    await rm(root, { recursive: true, force: true });
  });

  it('shows the newest images first, escapes names, pages and refreshes while work is pending', async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    const rowIds = await page
      .locator('tr[data-image-id]')
      .evaluateAll((rows) => rows.map((row) => Number(row.getAttribute('data-image-id'))));
    expect(rowIds).toEqual([ids.pending, ids.dog]);
    // One image is still PENDING: the page asks to be reloaded.
    expect(await page.locator('meta[http-equiv="refresh"]').count()).toBe(1);
    await page.click('a[rel="next"]');
    await expect(
      page.locator(`tr[data-image-id="${ids.hannibal}"] td`).nth(3).innerText(),
    ).resolves.toContain('Hannibal');
    // The hostile name is shown as text, not run as markup.
    await expect(
      page.locator(`tr[data-image-id="${ids.hannibal}"]`).innerText(),
    ).resolves.toContain(EVIL_NAME);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    // Thumbnails load lazily: wait until this one has arrived and decoded.
    const thumbnail = `tr[data-image-id="${ids.hannibal}"] img.thumb`;
    await page.waitForFunction(
      `(() => { const img = document.querySelector(${JSON.stringify(thumbnail)}); return Boolean(img && img.complete && img.naturalWidth > 0); })()`,
      undefined,
      { timeout: 15_000 },
    );
    await page.close();
  }, 30_000);

  it('filters by status and person with the form, and links to a person history', async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.selectOption('select[name="status"]', 'FAILED');
    await Promise.all([page.waitForURL(/status=FAILED/), page.click('button[type="submit"]')]);
    const failed = await page
      .locator('tr[data-image-id]')
      .evaluateAll((rows) => rows.map((row) => Number(row.getAttribute('data-image-id'))));
    expect(failed).toEqual([ids.dog]);
    await expect(page.locator('td.status-FAILED').innerText()).resolves.toContain('CORRUPT_IMAGE');
    expect(await page.locator('meta[http-equiv="refresh"]').count()).toBe(0);

    await page.goto(`${server.url}/?personId=${hannibalId}`);
    await Promise.all([page.waitForURL(/\/people\//), page.click('a:text("Hannibal")')]);
    expect(await page.locator('h2').innerText()).toBe('Hannibal');
    const history = await page
      .locator('tr[data-image-id]')
      .evaluateAll((rows) => rows.map((row) => Number(row.getAttribute('data-image-id'))));
    expect(history).toEqual([ids.hannibal]);
    await page.close();
  }, 30_000);

  it('serves the JSON API with keyset pagination and 4xx reasons', async () => {
    const first = (await (await fetch(`${server.url}/api/images?limit=2`)).json()) as {
      images: Array<{ id: number }>;
      next: number;
    };
    expect(first.images.map((image) => image.id)).toEqual([ids.pending, ids.dog]);
    const second = (await (
      await fetch(`${server.url}/api/images?limit=2&before=${first.next}`)
    ).json()) as {
      images: Array<{ id: number; people: Array<{ name: string }>; faces: unknown[] }>;
      next: number | null;
    };
    expect(second.images.map((image) => image.id)).toEqual([ids.hannibal]);
    expect(second.next).toBeNull();
    expect(second.images[0]!.people.map((person) => person.name).sort()).toEqual(
      [EVIL_NAME, 'Hannibal'].sort(),
    );
    const one = await fetch(`${server.url}/api/images/${ids.hannibal}`);
    expect(((await one.json()) as { faces: unknown[] }).faces).toHaveLength(2);
    const people = (await (await fetch(`${server.url}/api/people`)).json()) as {
      people: Array<{ name: string; sightings: number }>;
    };
    expect(people.people.find((person) => person.name === 'Hannibal')?.sightings).toBe(1);
    const bad = await fetch(`${server.url}/api/images?status=NOPE`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('INVALID_REQUEST');
    expect((await fetch(`${server.url}/api/images/999999`)).status).toBe(404);
  });
});
