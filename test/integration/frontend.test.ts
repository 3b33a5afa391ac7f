import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { generateApiKey, hashApiKey } from '../../lib/auth/api-key.js';
import { KeysRepository } from '../../lib/db/keys-repo.js';
import type { Role } from '../../lib/db/schema.js';
import { createLogger } from '../../lib/logger.js';
import { loadFrontendConfig } from '../../functions/frontend/config.js';
import { createFrontend } from '../../functions/frontend/wiring.js';
import { ImageIngestRepository } from '../../lib/db/images/ingest-repo.js';
import { ImageClaimsRepository } from '../../lib/db/images/claims-repo.js';
import { ImageReadsRepository } from '../../lib/db/images/reads-repo.js';
import { PeopleRepository } from '../../lib/db/people-repo.js';
import type { RunningFunctionServer } from '../../lib/http/function-server.js';
import { launchChromium } from '../support/browser.js';
import { imageLoaded } from '../support/page-checks.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { FIXTURES } from '../support/fixtures.js';
import { serveForTest } from '../support/function-server.js';

const EVIL_NAME = '<img src=x onerror="window.__pwned=1">Mallory';
const HOUR = 3_600_000;

describe('frontend in headless Chromium', () => {
  let database: TestDatabase;
  let root: string;
  let server: RunningFunctionServer;
  let frontend: ReturnType<typeof createFrontend>;
  let browser: Browser;
  const ids = { hannibal: 0, dog: 0, pending: 0 };
  let hannibalId = 0;
  /** The frontend's clock: tests move it forward to expire sessions. */
  let clock = Date.now();
  const keys: Record<Role, string> = { admin: '', viewer: '', ingest: '' };

  /** Signs in through the page with a key; the page is then on `/`. */
  const signIn = async (page: Page, key: string) => {
    await page.goto(`${server.url}/login`);
    await page.fill('input[name="key"]', key);
    await Promise.all([page.waitForURL(`${server.url}/`), page.click('button[type="submit"]')]);
  };
  const bearer = (role: Role) => ({ authorization: `Bearer ${keys[role]}` });

  const reads = () => new ImageReadsRepository(database.db);

  beforeAll(async () => {
    [database, browser] = await Promise.all([createTestDatabase(), launchChromium()]);
    root = await mkdtemp(path.join(tmpdir(), 'facetrail-frontend-'));
    await copyFile(
      path.join(FIXTURES, 'seed/unknown_people/unknown.jpg'),
      path.join(root, 'door-1.jpg'),
    );
    await copyFile(path.join(FIXTURES, 'negatives/dog.jpg'), path.join(root, 'door-2.jpg'));
    const ingest = new ImageIngestRepository(database.db);
    const claims = new ImageClaimsRepository(database.db);
    const people = new PeopleRepository(database.db);
    const keyStore = new KeysRepository(database.db);
    for (const role of ['admin', 'viewer', 'ingest'] as const) {
      keys[role] = generateApiKey();
      await keyStore.create({ name: `${role}-key`, role, keyHash: hashApiKey(keys[role]) });
    }
    const hannibal = await people.create('Hannibal');
    hannibalId = hannibal.id;
    const mallory = await people.create(EVIL_NAME);
    const created = (await ingest.createImages(['door-1.jpg', 'door-2.jpg', 'door-1.jpg'])).ids;
    [ids.hannibal, ids.dog, ids.pending] = created as [number, number, number];
    const claim = async (id: number) => {
      const outcome = await claims.claim(id, 60_000);
      if (outcome.kind !== 'claimed') throw new Error('claim failed');
      return outcome.claim;
    };
    const box = { x: 10, y: 20, width: 50, height: 60 };
    await claims.complete(await claim(ids.hannibal), [
      { box, score: 0.99, personId: hannibal.id, distance: 0.31 },
      { box, score: 0.9, personId: mallory.id, distance: 0.5 },
    ]);
    await claims.fail(await claim(ids.dog), 'CORRUPT_IMAGE', 'the image cannot be decoded');
    const config = loadFrontendConfig({
      DATABASE_URL: database.url,
      IMAGES_ROOT: root,
      PAGE_SIZE: '2',
      REFRESH_SECONDS: '1',
      SESSION_SECRET: 'frontend-test-session-secret-0123456789',
      SESSION_TTL_HOURS: '8',
      // Revocation is seen at once (no cache), so a revoked key's session ends at once.
      KEY_CACHE_SECONDS: '0',
    });
    frontend = createFrontend(config, createLogger('frontend', 'silent'), {
      now: () => new Date(clock),
    });
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
    await signIn(page, keys.viewer);
    const rowIds = await page
      .locator('li[data-image-id]')
      .evaluateAll((rows) => rows.map((row) => Number(row.getAttribute('data-image-id'))));
    expect(rowIds).toEqual([ids.pending, ids.dog]);
    // One image is still PENDING: without the script, the page would reload itself.
    const served = await page.request.get(`${server.url}/`);
    expect(await served.text()).toMatch(/<noscript><meta http-equiv="refresh"/);
    await page.click('a[rel="next"]');
    await expect(
      page.locator(`li[data-image-id="${ids.hannibal}"] .people`).innerText(),
    ).resolves.toContain('Hannibal');
    // The hostile name is shown as text, not run as markup.
    await expect(
      page.locator(`li[data-image-id="${ids.hannibal}"]`).innerText(),
    ).resolves.toContain(EVIL_NAME);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    // Thumbnails load lazily: wait until this one has arrived and decoded.
    const thumbnail = `li[data-image-id="${ids.hannibal}"] img.thumb`;
    await imageLoaded(page.locator(thumbnail));
    await page.close();
  }, 30_000);

  it('filters by status and person with the form, and links to a person history', async () => {
    const page = await browser.newPage();
    await signIn(page, keys.viewer);
    await page.selectOption('select[name="status"]', 'FAILED');
    await Promise.all([page.waitForURL(/status=FAILED/), page.click('button:text("Filter")')]);
    const failed = await page
      .locator('li[data-image-id]')
      .evaluateAll((rows) => rows.map((row) => Number(row.getAttribute('data-image-id'))));
    expect(failed).toEqual([ids.dog]);
    await expect(page.locator(`li[data-image-id="${ids.dog}"]`).innerText()).resolves.toContain(
      'CORRUPT_IMAGE',
    );

    await page.goto(`${server.url}/?personId=${hannibalId}`);
    await Promise.all([
      page.waitForURL(/\/people\//),
      page.click('li[data-image-id] a:text("Hannibal")'),
    ]);
    expect(await page.locator('h1').innerText()).toBe('Hannibal');
    const history = await page
      .locator('li[data-image-id]')
      .evaluateAll((rows) => rows.map((row) => Number(row.getAttribute('data-image-id'))));
    expect(history).toEqual([ids.hannibal]);
    await page.close();
  }, 30_000);

  it('serves the JSON API with keyset pagination and 4xx reasons', async () => {
    const get = (url: string) => fetch(`${server.url}${url}`, { headers: bearer('viewer') });
    const first = (await (await get('/api/images?limit=2')).json()) as {
      images: Array<{ id: number }>;
      next: number;
    };
    expect(first.images.map((image) => image.id)).toEqual([ids.pending, ids.dog]);
    const second = (await (await get(`/api/images?limit=2&before=${first.next}`)).json()) as {
      images: Array<{ id: number; people: Array<{ name: string }>; faces: unknown[] }>;
      next: number | null;
    };
    expect(second.images.map((image) => image.id)).toEqual([ids.hannibal]);
    expect(second.next).toBeNull();
    expect(second.images[0]!.people.map((person) => person.name).sort()).toEqual(
      [EVIL_NAME, 'Hannibal'].sort(),
    );
    const one = await get(`/api/images/${ids.hannibal}`);
    expect(((await one.json()) as { faces: unknown[] }).faces).toHaveLength(2);
    const people = (await (await get('/api/people')).json()) as {
      people: Array<{ name: string; sightings: number }>;
    };
    expect(people.people.find((person) => person.name === 'Hannibal')?.sightings).toBe(1);
    const bad = await get('/api/images?status=NOPE');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('INVALID_REQUEST');
    expect((await get('/api/images/999999')).status).toBe(404);
  });

  it('sends a browser without a session to /login, and signs in and out with a viewer key', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/people/${hannibalId}`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await expect(page.locator('h1').innerText()).resolves.toBe('Sign in');
    // A wrong key and an ingest key are refused, with the reason in text.
    await page.fill('input[name="key"]', 'ftk_not-a-real-key');
    await page.click('button[type="submit"]');
    await expect(page.locator('[role="alert"]').innerText()).resolves.toContain('unknown');
    await page.fill('input[name="key"]', keys.ingest);
    await page.click('button[type="submit"]');
    await expect(page.locator('[role="alert"]').innerText()).resolves.toContain('only submit');
    // The viewer key lands on the page first asked for.
    await page.fill('input[name="key"]', keys.viewer);
    await Promise.all([
      page.waitForURL(`${server.url}/people/${hannibalId}`),
      page.click('button[type="submit"]'),
    ]);
    await expect(page.locator('h1').innerText()).resolves.toBe('Hannibal');
    const cookie = (await page.context().cookies()).find((c) => c.name === 'facetrail_session');
    expect(cookie).toMatchObject({ name: 'facetrail_session', httpOnly: true, sameSite: 'Lax' });
    expect(cookie!.value).not.toContain(keys.viewer);
    // Thumbnails load for the signed-in viewer, and are not cached.
    const thumbnail = await page.request.get(`${server.url}/images/${ids.hannibal}/thumbnail`);
    expect(thumbnail.status()).toBe(200);
    expect(thumbnail.headers()['content-type']).toBe('image/jpeg');
    expect(thumbnail.headers()['cache-control']).toBe('private, no-store');
    // Sign out: the same page now asks for a key again.
    await Promise.all([page.waitForURL(/\/login$/), page.click('button:text("Sign out")')]);
    await page.goto(`${server.url}/people/${hannibalId}`);
    expect(new URL(page.url()).pathname).toBe('/login');
    const after = await page.request.get(`${server.url}/images/${ids.hannibal}/thumbnail`);
    expect(after.status()).toBe(401);
    await page.close();
  }, 30_000);

  it('ends a session when it expires', async () => {
    const page = await browser.newPage();
    await signIn(page, keys.viewer);
    clock += 8 * HOUR + 1000;
    try {
      await page.goto(`${server.url}/`);
      expect(new URL(page.url()).pathname).toBe('/login');
      await expect(page.locator('[role="alert"]').innerText()).resolves.toContain('expired');
    } finally {
      clock = Date.now();
    }
    await page.close();
  }, 30_000);

  it('refuses a form POST without its CSRF token or with a wrong one', async () => {
    const page = await browser.newPage();
    await signIn(page, keys.admin);
    // The admin's own confirmation form works only with the session's token.
    await page.goto(`${server.url}/images/${ids.pending}/delete`);
    const forged = await page.evaluate(
      async (url) => (await fetch(url, { method: 'POST', body: new URLSearchParams({}) })).status,
      `${server.url}/images/${ids.pending}/delete`,
    );
    expect(forged).toBe(403);
    const wrong = await page.evaluate(
      async (url) =>
        (await fetch(url, { method: 'POST', body: new URLSearchParams({ _csrf: 'guess' }) }))
          .status,
      `${server.url}/images/${ids.pending}/delete`,
    );
    expect(wrong).toBe(403);
    // Sign-out without the token is refused too.
    const logout = await page.evaluate(
      async (url) => (await fetch(url, { method: 'POST' })).status,
      `${server.url}/logout`,
    );
    expect(logout).toBe(403);
    expect(await reads().get(ids.pending)).toBeDefined();
    await page.close();
  }, 30_000);

  it('shows delete actions to admins only, and refuses them to viewers on the server too', async () => {
    const viewerPage = await browser.newPage();
    await signIn(viewerPage, keys.viewer);
    await viewerPage.goto(`${server.url}/people/${hannibalId}`);
    expect(await viewerPage.locator('a:text("Delete"), a:text("Forget")').count()).toBe(0);
    // Even with a valid CSRF token, the server refuses a viewer's delete.
    const token = await viewerPage.locator('input[name="_csrf"]').first().inputValue();
    const refused = await viewerPage.evaluate(
      async ([url, csrf]) =>
        (await fetch(url!, { method: 'POST', body: new URLSearchParams({ _csrf: csrf! }) })).status,
      [`${server.url}/images/${ids.dog}/delete`, token],
    );
    expect(refused).toBe(403);
    const api = await fetch(`${server.url}/api/images/${ids.dog}`, {
      method: 'DELETE',
      headers: bearer('viewer'),
    });
    expect(api.status).toBe(403);
    expect(await reads().get(ids.dog)).toBeDefined();

    const adminPage = await browser.newPage();
    await signIn(adminPage, keys.admin);
    expect(await adminPage.locator(`li[data-image-id] a:text("Delete")`).count()).toBeGreaterThan(
      0,
    );
    await adminPage.click(`li[data-image-id="${ids.dog}"] a:text("Delete")`);
    await expect(adminPage.locator('h1').innerText()).resolves.toBe(`Delete photo ${ids.dog}?`);
    await Promise.all([
      adminPage.waitForURL(/done=deleted/),
      adminPage.click('button:text("Delete the photo")'),
    ]);
    await expect(adminPage.locator('p.notice[role="status"]').innerText()).resolves.toContain(
      'deleted',
    );
    expect(await reads().get(ids.dog)).toBeUndefined();
    await viewerPage.close();
    await adminPage.close();
  }, 30_000);

  it('sends security headers: CSP without inline script, no framing, no sniffing', async () => {
    const response = await fetch(`${server.url}/`, { headers: bearer('viewer') });
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('same-origin');
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    const page = await response.text();
    // Scripts only from files (no inline script, style or handler).
    // (An escaped name inside an attribute reads `on…=&quot;`, which is not a handler.)
    expect(page).not.toMatch(/<script(?![^>]*\ssrc=)|<style|\sstyle=["']|<[^>]*\son[a-z]+=["']/i);
    expect(page).toMatch(/<script src="\/static\/facetrail.js"/);
    // Behind TLS (the queue-proxy's X-Forwarded-Proto), the session cookie is Secure.
    const login = await fetch(`${server.url}/login`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(login.headers.get('set-cookie')).toMatch(/;\s*secure/i);
    const plain = await fetch(`${server.url}/login`);
    expect(plain.headers.get('set-cookie')).not.toMatch(/;\s*secure/i);
  });
});
