import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { loadFrontendConfig } from '../../functions/frontend/config.js';
import { createFrontend } from '../../functions/frontend/wiring.js';
import { generateApiKey, hashApiKey } from '../../lib/auth/api-key.js';
import { ImageIngestRepository } from '../../lib/db/images/ingest-repo.js';
import { ImageReadsRepository } from '../../lib/db/images/reads-repo.js';
import { ImageClaimsRepository, type NewFace } from '../../lib/db/images/claims-repo.js';
import { KeysRepository } from '../../lib/db/keys-repo.js';
import { PeopleRepository } from '../../lib/db/people-repo.js';
import type { RunningFunctionServer } from '../../lib/http/function-server.js';
import { createLogger } from '../../lib/logger.js';
import { launchChromium } from '../support/browser.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { FIXTURES } from '../support/fixtures.js';
import { serveForTest } from '../support/function-server.js';
import {
  horizontalOverflow,
  imageLoaded,
  screenshot,
  seriousAxeViolations,
} from '../support/page-checks.js';
import {
  startRecognizer,
  TEST_RECOGNIZER_SECRET,
  type RunningRecognizer,
} from '../support/recognizer.js';

/** The little of the DOM the page-side functions below use (the tests compile without lib.dom). */
interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
  top: number;
}
interface ElementLike {
  getBoundingClientRect(): Rect;
  getAttribute(name: string): string | null;
  querySelector(selector: string): ElementLike | null;
  classList: { contains(name: string): boolean };
  textContent: string | null;
  complete?: boolean;
  naturalWidth?: number;
  naturalHeight?: number;
}
declare const document: {
  querySelector(selector: string): ElementLike | null;
  querySelectorAll(selector: string): Iterable<ElementLike>;
};

const HOUR = 3_600_000;
/** Image i was received at BASE + 6 h × i. */
const BASE = Date.parse('2026-11-20T08:00:00Z');
const ZONE = 'America/New_York';

/**
 * The results page of issue 12 on real servers: MariaDB, the frontend, and the real recognizer
 * for enrollment by upload; every page in headless Chromium, with axe-core, at 375 px, and a
 * screenshot of each (test/support/page-checks.ts says where).
 */
describe('results page in headless Chromium', () => {
  let database: TestDatabase;
  let root: string;
  let recognizer: RunningRecognizer;
  let server: RunningFunctionServer;
  let frontend: ReturnType<typeof createFrontend>;
  let browser: Browser;
  const keys = { admin: '', viewer: '' };
  /** Image ids by their place in SEED (0 oldest). */
  const ids: number[] = [];
  const people = { obama: 0, biden: 0, kit: 0 };
  const ingest = () => new ImageIngestRepository(database.db);
  const claims = () => new ImageClaimsRepository(database.db);
  const reads = () => new ImageReadsRepository(database.db);

  const box = (x: number, y: number, width: number, height: number) => ({ x, y, width, height });
  /** Eight photos at two doors over two days; faces as the recognizer would have stored them. */
  const SEED: Array<{
    file: string;
    door: string;
    status: 'PROCESSED' | 'FAILED';
    faces: (p: typeof people) => NewFace[];
  }> = [
    {
      file: 'probes/obama1.jpg',
      door: 'door-1',
      status: 'PROCESSED',
      faces: (p) => [
        { box: box(380, 90, 190, 230), score: 0.99, personId: p.obama, distance: 0.3 },
      ],
    },
    {
      file: 'probes/obama_and_biden.jpg',
      door: 'door-2',
      status: 'PROCESSED',
      faces: (p) => [
        { box: box(100, 80, 120, 150), score: 0.98, personId: p.obama, distance: 0.35 },
        { box: box(400, 90, 120, 150), score: 0.97, personId: p.biden, distance: 0.4 },
      ],
    },
    {
      file: 'probes/two_people.jpg',
      door: 'door-1',
      status: 'PROCESSED',
      faces: (p) => [
        { box: box(60, 50, 80, 100), score: 0.96, personId: p.obama, distance: 0.3 },
        { box: box(300, 60, 70, 90), score: 0.88, personId: null, distance: null },
      ],
    },
    {
      file: 'probes/kit_with_rose.jpg',
      door: 'door-2',
      status: 'PROCESSED',
      faces: (p) => [
        { box: box(50, 40, 90, 110), score: 0.95, personId: p.kit, distance: 0.38 },
        { box: box(250, 50, 80, 100), score: 0.9, personId: null, distance: null },
      ],
    },
    {
      file: 'probes/johnsnow_test1.jpg',
      door: 'door-1',
      status: 'PROCESSED',
      faces: () => [{ box: box(90, 60, 100, 120), score: 0.92, personId: null, distance: null }],
    },
    { file: 'probes/alex_lacamoire1.jpg', door: 'door-2', status: 'FAILED', faces: () => [] },
    {
      file: 'probes/obama1.jpg',
      door: 'door-1',
      status: 'PROCESSED',
      faces: (p) => [
        { box: box(380, 90, 190, 230), score: 0.99, personId: p.obama, distance: 0.28 },
      ],
    },
    { file: '../negatives/dog.jpg', door: 'door-2', status: 'PROCESSED', faces: () => [] },
  ];

  const at = (index: number) => ids[index]!;

  async function finish(
    id: number,
    faces: NewFace[],
    status: 'PROCESSED' | 'FAILED' = 'PROCESSED',
  ) {
    const outcome = await claims().claim(id, 60_000);
    if (outcome.kind !== 'claimed') throw new Error(`could not claim image ${id}`);
    if (status === 'FAILED')
      await claims().fail(outcome.claim, 'CORRUPT_IMAGE', 'the image cannot be decoded');
    else await claims().complete(outcome.claim, faces);
  }

  async function newContext(
    options: { width?: number; zone?: string } = {},
  ): Promise<BrowserContext> {
    return browser.newContext({
      viewport: { width: options.width ?? 1280, height: 900 },
      timezoneId: options.zone ?? ZONE,
      locale: 'en-US',
    });
  }

  async function signIn(page: Page, key: string): Promise<void> {
    await page.goto(`${server.url}/login`);
    await page.fill('input[name="key"]', key);
    await Promise.all([page.waitForURL(`${server.url}/`), page.click('button[type="submit"]')]);
  }

  /** The ids of the photo cards on the page, in order. */
  const cardIds = (page: Page) =>
    page
      .locator('li[data-image-id]')
      .evaluateAll((cards) => cards.map((card) => Number(card.getAttribute('data-image-id'))));

  beforeAll(async () => {
    [database, browser] = await Promise.all([createTestDatabase(), launchChromium()]);
    root = await mkdtemp(path.join(tmpdir(), 'facetrail-results-page-'));
    await mkdir(path.join(root, 'door-1'));
    await mkdir(path.join(root, 'door-2'));
    recognizer = await startRecognizer({ databaseUrl: database.url, imagesRoot: root });
    const repo = new PeopleRepository(database.db);
    people.obama = (await repo.create('Barack Obama')).id;
    people.biden = (await repo.create('Joe Biden')).id;
    people.kit = (await repo.create('Kit Harington')).id;
    for (const [index, seed] of SEED.entries()) {
      const relative = `${seed.door}/${index}-${path.basename(seed.file)}`;
      await copyFile(path.join(FIXTURES, 'faces', seed.file), path.join(root, relative));
      const [id] = (
        await ingest().createImages([
          {
            path: relative,
            metadata: { door: seed.door, capturedAt: null, originalName: path.basename(seed.file) },
          },
        ])
      ).ids;
      ids.push(id!);
      await finish(id!, seed.faces(people), seed.status);
      // Received six hours apart, in id order (as receivers' clocks make them).
      const received = new Date(BASE + index * 6 * HOUR);
      await database.db
        .updateTable('images')
        .set({ created_at: received, updated_at: received } as never)
        .where('id', '=', id!)
        .execute();
    }
    const keyStore = new KeysRepository(database.db);
    for (const role of ['admin', 'viewer'] as const) {
      keys[role] = generateApiKey();
      await keyStore.create({ name: `${role}-key`, role, keyHash: hashApiKey(keys[role]) });
    }
    const config = loadFrontendConfig({
      DATABASE_URL: database.url,
      IMAGES_ROOT: root,
      PAGE_SIZE: '3',
      SESSION_SECRET: 'results-page-session-secret-0123456789',
      KEY_CACHE_SECONDS: '0',
      RECOGNIZER_ADDRESS: recognizer.address,
      RECOGNIZER_SECRET: TEST_RECOGNIZER_SECRET,
      LIVE_POLL_MS: '200',
    });
    frontend = createFrontend(config, createLogger('frontend', 'silent'));
    server = await serveForTest(frontend.app, config.maxUploadBytes);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await frontend?.close();
    await recognizer?.stop();
    await database?.drop();
    await rm(root, { recursive: true, force: true });
  });

  it('pages through the results by keyset, older and back newer', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await signIn(page, keys.viewer);
    await expect(cardIds(page)).resolves.toEqual([at(7), at(6), at(5)]);
    expect(await page.locator('a[rel="prev"]').count()).toBe(0);
    await Promise.all([page.waitForURL(/before=/), page.click('a[rel="next"]')]);
    await expect(cardIds(page)).resolves.toEqual([at(4), at(3), at(2)]);
    await Promise.all([page.waitForURL(/before=/), page.click('a[rel="next"]')]);
    await expect(cardIds(page)).resolves.toEqual([at(1), at(0)]);
    expect(await page.locator('a[rel="next"]').count()).toBe(0);
    await Promise.all([page.waitForURL(/after=/), page.click('a[rel="prev"]')]);
    await expect(cardIds(page)).resolves.toEqual([at(4), at(3), at(2)]);
    await Promise.all([page.waitForURL(/after=/), page.click('a[rel="prev"]')]);
    await expect(cardIds(page)).resolves.toEqual([at(7), at(6), at(5)]);
    // Back at the newest photos: nothing newer to go to.
    expect(await page.locator('a[rel="prev"]').count()).toBe(0);
    // Thumbnails link to the photo's page.
    await Promise.all([
      page.waitForURL(new RegExp(`/images/${at(6)}$`)),
      page.click(`li[data-image-id="${at(6)}"] a.thumb-link`),
    ]);
    await context.close();
  }, 60_000);

  it('combines the filters, keeps them in the URL, and offers to clear them when nothing matches', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await signIn(page, keys.viewer);
    // A person typed (the list of names is searchable) and a door, through the form.
    await page.fill('#f-person', 'barack obama');
    await page.selectOption('#f-door', 'door-1');
    await Promise.all([page.waitForURL(/person=/), page.click('button:text("Filter")')]);
    const url = new URL(page.url());
    expect(url.searchParams.get('person')).toBe('barack obama');
    expect(url.searchParams.get('door')).toBe('door-1');
    await expect(cardIds(page)).resolves.toEqual([at(6), at(2), at(0)]);
    await expect(page.locator('#f-person').inputValue()).resolves.toBe('Barack Obama');
    // The same person anywhere, paged: three, then one more.
    await page.goto(`${server.url}/?person=Barack+Obama`);
    await expect(cardIds(page)).resolves.toEqual([at(6), at(2), at(1)]);
    await Promise.all([page.waitForURL(/before=/), page.click('a[rel="next"]')]);
    await expect(cardIds(page)).resolves.toEqual([at(0)]);
    expect(new URL(page.url()).searchParams.get('person')).toBe('Barack Obama');
    // Unknown faces only, and a status.
    await page.goto(`${server.url}/?unknown=1`);
    await expect(cardIds(page)).resolves.toEqual([at(4), at(3), at(2)]);
    await page.goto(`${server.url}/?unknown=1&door=door-2`);
    await expect(cardIds(page)).resolves.toEqual([at(3)]);
    await page.goto(`${server.url}/?status=FAILED`);
    await expect(cardIds(page)).resolves.toEqual([at(5)]);
    // A date range in the viewer's zone (New York, UTC−5): 21 Nov 02:00–12:00 UTC.
    await page.goto(`${server.url}/`);
    await page.fill('#f-from', '2026-11-20T21:00');
    await page.fill('#f-to', '2026-11-21T07:00');
    await Promise.all([page.waitForURL(/from=/), page.click('button:text("Filter")')]);
    expect(new URL(page.url()).searchParams.get('tz')).toBe(ZONE);
    await expect(cardIds(page)).resolves.toEqual([at(4), at(3)]);
    // Door and a whole day (dates alone are whole days).
    await page.goto(`${server.url}/?door=door-2&from=2026-11-21&to=2026-11-21&tz=UTC`);
    await expect(cardIds(page)).resolves.toEqual([at(5), at(3)]);
    // Nothing matches: the page says so and offers to clear the filters.
    await page.goto(`${server.url}/?person=Joe+Biden&door=door-1`);
    await expect(cardIds(page)).resolves.toEqual([]);
    await expect(page.locator('.empty').innerText()).resolves.toContain(
      'No photos match these filters',
    );
    await Promise.all([
      page.waitForURL(`${server.url}/`),
      page.click('.empty a:text("Clear the filters")'),
    ]);
    await expect(cardIds(page)).resolves.toEqual([at(7), at(6), at(5)]);
    // A name nobody has is said so, in text.
    await page.goto(`${server.url}/?person=Nobody+Here`);
    await expect(page.locator('.empty [role="alert"]').innerText()).resolves.toContain(
      'Nobody known is called',
    );
    await context.close();
  }, 60_000);

  it('draws each stored face box where it belongs on the photo, with names, confidence and the unknown', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await signIn(page, keys.viewer);
    const stored = (await reads().get(at(2)))!;
    await page.goto(`${server.url}/images/${at(2)}`);
    await imageLoaded(page.locator('#photo'));
    const measured = await page.evaluate(() => {
      const img = document.querySelector('#photo')!;
      const frame = img.getBoundingClientRect();
      return {
        natural: { width: img.naturalWidth!, height: img.naturalHeight! },
        frame: { x: frame.x, y: frame.y, width: frame.width, height: frame.height },
        faces: [...document.querySelectorAll('svg.boxes g.face')].map((group) => {
          const rect = group.querySelector('rect')!.getBoundingClientRect();
          return {
            id: Number(group.getAttribute('data-face-id')),
            known: group.classList.contains('known'),
            label: group.querySelector('text')!.textContent,
            rect: { x: rect.x, y: rect.y, width: rect.width, height: rect.height },
          };
        }),
      };
    });
    expect(measured.faces).toHaveLength(stored.faces.length);
    const scaleX = measured.frame.width / measured.natural.width;
    const scaleY = measured.frame.height / measured.natural.height;
    for (const face of stored.faces) {
      const drawn = measured.faces.find((candidate) => candidate.id === face.id)!;
      // The rect's outline is centred on the box edge: compare centres and sizes within a stroke.
      const tolerance = 3;
      expect(
        Math.abs(
          drawn.rect.x +
            drawn.rect.width / 2 -
            (measured.frame.x + (face.box.x + face.box.width / 2) * scaleX),
        ),
      ).toBeLessThan(tolerance);
      expect(
        Math.abs(
          drawn.rect.y +
            drawn.rect.height / 2 -
            (measured.frame.y + (face.box.y + face.box.height / 2) * scaleY),
        ),
      ).toBeLessThan(tolerance);
      expect(Math.abs(drawn.rect.width - face.box.width * scaleX)).toBeLessThan(tolerance * 2);
      expect(Math.abs(drawn.rect.height - face.box.height * scaleY)).toBeLessThan(tolerance * 2);
      expect(drawn.known).toBe(face.person !== null);
    }
    const labels = measured.faces.map((face) => face.label);
    expect(labels).toEqual(['1 Barack Obama 70%', '2 unknown']);
    const list = await page.locator('ol.faces').innerText();
    expect(list).toContain('Barack Obama');
    expect(list).toContain('match 70%');
    expect(list).toContain('Unknown');
    // Metadata, with times in the viewer's zone (the page's script formats them).
    const details = await page.locator('dl.details').innerText();
    expect(details).toContain('door-1');
    expect(details).toContain('two_people.jpg');
    const received = new Intl.DateTimeFormat('en-US', {
      dateStyle: 'medium',
      timeStyle: 'medium',
      timeZone: ZONE,
    }).format(new Date(stored.createdAt));
    expect(details).toContain(received);
    await expect(page.locator('footer').innerText()).resolves.toContain(ZONE);
    // A failed photo says why, in text.
    await page.goto(`${server.url}/images/${at(5)}`);
    await expect(page.locator('dl.details').innerText()).resolves.toContain('CORRUPT_IMAGE');
    await context.close();
  }, 60_000);

  it('lists people with faces, counts and last sighting, and shows one person with sightings over time', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await signIn(page, keys.viewer);
    await page.goto(`${server.url}/people`);
    const obama = page.locator(`li[data-person-id="${people.obama}"]`);
    await expect(obama.innerText()).resolves.toMatch(/Seen on 4 photos/);
    await imageLoaded(page.locator(`li[data-person-id="${people.obama}"] img.face`));
    await Promise.all([
      page.waitForURL(new RegExp(`/people/${people.obama}$`)),
      page.click(`li[data-person-id="${people.obama}"] h2 a`),
    ]);
    await expect(page.locator('h1').innerText()).resolves.toBe('Barack Obama');
    await expect(cardIds(page)).resolves.toEqual([at(6), at(2), at(1)]);
    await Promise.all([page.waitForURL(/before=/), page.click('a[rel="next"]')]);
    await expect(cardIds(page)).resolves.toEqual([at(0)]);
    await Promise.all([page.waitForURL(/after=/), page.click('a[rel="prev"]')]);
    await expect(cardIds(page)).resolves.toEqual([at(6), at(2), at(1)]);
    // The chart's table says the same as the bars: 14 days, counted per day.
    const days = await page.locator('.chart tbody tr').count();
    expect(days).toBe(14);
    await context.close();
  }, 60_000);

  it('lets an admin enroll by upload (saying why a photo is refused), rename, merge and remove, and logs it', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await signIn(page, keys.admin);
    await page.goto(`${server.url}/people/${people.kit}`);
    // A photo of him alone is enrolled; no face and several faces are refused, in text.
    await page.setInputFiles('#add-photos', [
      path.join(FIXTURES, 'faces/known/Kit Harington/1.jpg'),
      path.join(FIXTURES, 'negatives/dog.jpg'),
      path.join(FIXTURES, 'faces/probes/kit_with_rose.jpg'),
    ]);
    await Promise.all([page.waitForLoadState('load'), page.click('button:text("Enroll")')]);
    await page.waitForSelector('p.notice');
    await expect(page.locator('p.notice').first().innerText()).resolves.toBe('1 photo enrolled.');
    const errors = await page.locator('p.error[role="alert"]').allInnerTexts();
    expect(errors).toEqual([
      'dog.jpg was not enrolled: no face was found on it.',
      'kit_with_rose.jpg was not enrolled: it shows more than one face; use a photo of this person alone.',
    ]);
    const photo = page.locator('ul.photos li[data-photo-id] img');
    await expect(photo.count()).resolves.toBe(1);
    await imageLoaded(page.locator('ul.photos img'));
    // Rename.
    await page.fill('#rename', 'Kit Harington (actor)');
    await Promise.all([page.waitForLoadState('load'), page.click('button:text("Rename")')]);
    await expect(page.locator('h1').innerText()).resolves.toBe('Kit Harington (actor)');
    // Merge a duplicate into him: its sightings become his.
    const duplicate = await new PeopleRepository(database.db).create('Jon Snow');
    const [jonImage] = (await ingest().createImages(['door-1/4-johnsnow_test1.jpg'])).ids;
    await finish(jonImage!, [
      { box: box(90, 60, 100, 120), score: 0.9, personId: duplicate.id, distance: 0.3 },
    ]);
    await page.reload();
    await page.selectOption('#merge-from', String(duplicate.id));
    await Promise.all([page.waitForLoadState('load'), page.click('button:text("Merge")')]);
    await expect(page.locator('p.notice').innerText()).resolves.toContain(
      'Jon Snow was merged into Kit Harington (actor)',
    );
    expect(await new PeopleRepository(database.db).get(duplicate.id)).toBeUndefined();
    expect((await reads().get(jonImage!))!.people.map((p) => p.id)).toEqual([people.kit]);
    // Remove the enrollment photo again.
    await Promise.all([
      page.waitForLoadState('load'),
      page.click('ul.photos button:text("Remove")'),
    ]);
    await expect(page.locator('ul.photos li').count()).resolves.toBe(0);
    // Add a person with a photo from the people page.
    await page.goto(`${server.url}/people`);
    await page.click('summary:text("Add a person")');
    await page.fill('#new-name', 'Rose Leslie');
    await page.setInputFiles('#new-photos', [path.join(FIXTURES, 'faces/known/Rose Leslie/1.jpg')]);
    await Promise.all([
      page.waitForURL(/\/people\/\d+$/),
      page.click('button:text("Add and enroll")'),
    ]);
    await expect(page.locator('h1').innerText()).resolves.toBe('Rose Leslie');
    await expect(page.locator('ul.photos li[data-photo-id]').count()).resolves.toBe(1);
    // Every change is in the audit log, with who made it.
    await page.goto(`${server.url}/audit`);
    const log = await page.locator('ol.audit').innerText();
    for (const entry of [
      'enrolled a photo',
      'renamed a person',
      'merged two people',
      'removed an enrollment photo',
      'added a person',
    ])
      expect(log).toContain(entry);
    expect(log).toContain('admin-key');
    expect(log).toContain('from: Kit Harington; to: Kit Harington (actor)');
    await context.close();
  }, 120_000);

  it('shows a new result and a finished photo live, without a reload (Server-Sent Events)', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await signIn(page, keys.viewer);
    await page.evaluate(() => {
      (globalThis as { __loaded?: number }).__loaded = 1;
    });
    const [fresh] = (
      await ingest().createImages([
        {
          path: 'door-1/0-obama1.jpg',
          metadata: { door: 'door-1', capturedAt: null, originalName: 'live.jpg' },
        },
      ])
    ).ids;
    await finish(fresh!, [
      { box: box(380, 90, 190, 230), score: 0.99, personId: people.obama, distance: 0.25 },
    ]);
    await page.waitForSelector(`li[data-image-id="${fresh}"]`, { timeout: 15_000 });
    await expect(
      page.locator(`li[data-image-id="${fresh}"] .people`).innerText(),
    ).resolves.toContain('Barack Obama');
    // The same document: no reload happened.
    expect(await page.evaluate(() => (globalThis as { __loaded?: number }).__loaded)).toBe(1);
    // A photo still waiting, open on its own page, shows its faces when it is done.
    const [waiting] = (await ingest().createImages(['door-2/1-obama_and_biden.jpg'])).ids;
    await page.goto(`${server.url}/images/${waiting}`);
    await expect(page.locator('dl.details').innerText()).resolves.toContain('Waiting');
    await page.evaluate(() => {
      (globalThis as { __loaded?: number }).__loaded = 2;
    });
    await finish(waiting!, [
      { box: box(100, 80, 120, 150), score: 0.98, personId: people.biden, distance: 0.33 },
    ]);
    await page.waitForSelector('ol.faces li', { timeout: 15_000 });
    await expect(page.locator('ol.faces').innerText()).resolves.toContain('Joe Biden');
    expect(await page.evaluate(() => (globalThis as { __loaded?: number }).__loaded)).toBe(2);
    // The event stream needs a session too.
    const anonymous = await fetch(`${server.url}/events`);
    expect(anonymous.status).toBe(401);
    await anonymous.body?.cancel();
    await context.close();
  }, 60_000);

  /** Every page, as viewer or admin: [screenshot name, path, role]. */
  const PAGES = (): Array<[string, string, 'viewer' | 'admin' | 'none']> => [
    ['login', '/login', 'none'],
    ['results', '/', 'viewer'],
    ['results-filtered', '/?person=Barack+Obama&door=door-1', 'viewer'],
    ['results-empty', '/?person=Joe+Biden&door=door-1', 'viewer'],
    ['image', `/images/${at(2)}`, 'viewer'],
    ['image-failed', `/images/${at(5)}`, 'viewer'],
    ['image-admin', `/images/${at(3)}`, 'admin'],
    ['people', '/people', 'viewer'],
    ['people-admin', '/people', 'admin'],
    ['person', `/people/${people.obama}`, 'viewer'],
    ['person-admin', `/people/${people.kit}`, 'admin'],
    ['audit', '/audit', 'admin'],
    ['forget-confirm', `/people/${people.biden}/forget`, 'admin'],
    ['delete-confirm', `/images/${at(7)}/delete`, 'admin'],
    ['not-found', '/images/99999999', 'viewer'],
  ];

  it('has no serious or critical axe-core violation on any page', async () => {
    // The check can fail: a page with an unlabelled image and field has serious violations.
    const probe = await browser.newPage();
    await probe.setContent(
      '<!doctype html><html lang="en"><title>x</title><main><img src="x.png"><input type="text"></main></html>',
    );
    const probeViolations = (await seriousAxeViolations(probe)).map((violation) => violation.id);
    expect(probeViolations).toEqual(expect.arrayContaining(['image-alt', 'label']));
    await probe.close();
    const found: Record<string, unknown[]> = {};
    for (const role of ['none', 'viewer', 'admin'] as const) {
      const context = await newContext();
      const page = await context.newPage();
      if (role !== 'none') await signIn(page, keys[role]);
      for (const [name, url, who] of PAGES()) {
        if (who !== role) continue;
        await page.goto(`${server.url}${url}`);
        await page.waitForLoadState('load');
        const violations = await seriousAxeViolations(page);
        if (violations.length > 0) found[name] = violations;
        await screenshot(page, name);
      }
      await context.close();
    }
    expect(found).toEqual({});
  }, 120_000);

  it('is usable 375 px wide: cards, no sideways scrolling, on every page', async () => {
    const overflow: Record<string, number> = {};
    for (const role of ['none', 'viewer', 'admin'] as const) {
      const context = await newContext({ width: 375 });
      const page = await context.newPage();
      if (role !== 'none') await signIn(page, keys[role]);
      for (const [name, url, who] of PAGES()) {
        if (who !== role) continue;
        await page.goto(`${server.url}${url}`);
        await page.waitForLoadState('load');
        overflow[name] = await horizontalOverflow(page);
        await screenshot(page, `${name}-375`);
        if (name === 'results') {
          // One card per row, each as wide as the screen allows.
          const widths = await page
            .locator('li.card')
            .evaluateAll((cards) => cards.map((card) => card.getBoundingClientRect().width));
          for (const width of widths) expect(width).toBeGreaterThan(300);
          const tops = await page
            .locator('li.card')
            .evaluateAll((cards) => cards.map((card) => card.getBoundingClientRect().top));
          expect(new Set(tops).size).toBe(tops.length);
        }
      }
      await context.close();
    }
    expect(overflow).toEqual(Object.fromEntries(Object.keys(overflow).map((name) => [name, 0])));
  }, 120_000);
});
