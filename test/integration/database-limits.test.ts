import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createConnection } from 'mysql2/promise';
import { loadReceiverConfig } from '../../functions/receiver/config.js';
import { createReceiver } from '../../functions/receiver/wiring.js';
import { loadRedeemerConfig } from '../../functions/redeemer/config.js';
import { createRedeemer } from '../../functions/redeemer/wiring.js';
import { loadFrontendConfig } from '../../functions/frontend/config.js';
import { createFrontend } from '../../functions/frontend/wiring.js';
import { createProcessorApp } from '../../functions/processor/app.js';
import { connectDatabase } from '../../lib/db/connect.js';
import { createMetrics } from '../../lib/http/metrics.js';
import { ImageIngestRepository } from '../../lib/db/images/ingest-repo.js';
import { ImageClaimsRepository } from '../../lib/db/images/claims-repo.js';
import type { RunningFunctionServer } from '../../lib/http/function-server.js';
import { createLogger } from '../../lib/logger.js';
import { isTransientDatabaseError } from '../../lib/transient-errors.js';
import { createTestDatabase, TEST_MYSQL_URL, type TestDatabase } from '../support/database.js';
import { serveForTest } from '../support/function-server.js';
import { freePort } from '../support/ports.js';
import { waitFor } from '../support/wait-for.js';
import { TEST_RECOGNIZER_SECRET } from '../support/recognizer.js';

const ADMIN_TOKEN = 'test-admin-token-0123456789';
const AUTH = { authorization: `Bearer ${ADMIN_TOKEN}` };
const silent = createLogger('test', 'silent');

/** Issue 9 finding 7: database calls have limits, and an outage is a 503 with Retry-After. */
describe('database limits on MariaDB', () => {
  let database: TestDatabase;
  let root: string;
  const servers: RunningFunctionServer[] = [];
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    database = await createTestDatabase('facetrail_limits');
    root = await mkdtemp(path.join(tmpdir(), 'facetrail-limits-'));
  });
  afterAll(async () => {
    for (const server of servers) await server.close();
    for (const close of closers) await close();
    await database?.drop();
    await rm(root, { recursive: true, force: true });
  });

  async function serveReceiver(env: Record<string, string>) {
    const config = loadReceiverConfig({
      DATABASE_URL: database.url,
      // Never reached: these tests publish nothing.
      NSQD_TCP_ADDRESS: `127.0.0.1:${await freePort()}`,
      IMAGES_ROOT: root,
      ADMIN_TOKEN,
      RECOGNIZER_SECRET: TEST_RECOGNIZER_SECRET,
      RECOGNIZER_ADDRESS: `127.0.0.1:${await freePort()}`,
      ...env,
    });
    const receiver = createReceiver(config, silent);
    closers.push(() => receiver.close());
    const server = await serveForTest(receiver.app);
    servers.push(server);
    return server;
  }

  it('the receiver answers 503 DATABASE_UNAVAILABLE with Retry-After when MariaDB refuses connections', async () => {
    const closed = await freePort();
    const server = await serveReceiver({
      DATABASE_URL: `mysql://root@127.0.0.1:${closed}/${database.name}`,
    });
    const response = await fetch(`${server.url}/images/1`, {
      headers: AUTH,
      signal: AbortSignal.timeout(20_000),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'DATABASE_UNAVAILABLE',
    );
  });

  it("the frontend's JSON routes answer a database outage with 503 DATABASE_UNAVAILABLE", async () => {
    const closed = await freePort();
    const config = loadFrontendConfig({
      DATABASE_URL: `mysql://root@127.0.0.1:${closed}/${database.name}`,
      IMAGES_ROOT: root,
      ADMIN_TOKEN,
      SESSION_SECRET: 'limits-test-session-secret-0123456789',
    });
    const frontend = createFrontend(config, silent);
    closers.push(() => frontend.close());
    const server = await serveForTest(frontend.app);
    servers.push(server);
    const response = await fetch(`${server.url}/api/images`, {
      headers: AUTH,
      signal: AbortSignal.timeout(20_000),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'DATABASE_UNAVAILABLE',
    );
  });

  it('the processor answers a database outage with 503 DATABASE_UNAVAILABLE and its Retry-After', async () => {
    const closed = await freePort();
    const db = connectDatabase({ url: `mysql://root@127.0.0.1:${closed}/${database.name}` });
    closers.push(() => db.destroy());
    const app = createProcessorApp({
      images: new ImageClaimsRepository(db),
      // The recognizer is not the subject here: it is up and never reached.
      admits: async () => true,
      identify: async () => ({ faces: [] }),
      leaseMs: 60_000,
      maxImageAttempts: 3,
      maxImageCrashes: 2,
      retryAfterSeconds: 7,
      metrics: createMetrics('processor'),
      ready: async () => true,
      logger: silent,
    });
    const server = await serveForTest(app);
    servers.push(server);
    const response = await fetch(`${server.url}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'ce-specversion': '1.0',
        'ce-type': 'dev.facetrail.image.submitted',
        'ce-source': '/facetrail/receiver',
        'ce-id': 'limits-1',
      },
      body: JSON.stringify({ imageId: 1, path: 'a.jpg' }),
      signal: AbortSignal.timeout(20_000),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'DATABASE_UNAVAILABLE',
    );
  });

  it('with every pooled connection held, the next request gets 503 after the acquire timeout instead of waiting', async () => {
    const server = await serveReceiver({
      DATABASE_POOL_SIZE: '1',
      DATABASE_ACQUIRE_TIMEOUT_MS: '300',
    });
    const {
      ids: [image],
    } = await new ImageIngestRepository(database.db).createImages(['held.jpg']);
    // Another session write-locks the table: the receiver's one connection waits on it.
    const locker = await createConnection(`${TEST_MYSQL_URL}/${database.name}`);
    try {
      await locker.query('LOCK TABLES images WRITE');
      const first = fetch(`${server.url}/images/${image}`, { headers: AUTH });
      await waitFor(
        'the first request to wait on the table lock',
        async () => {
          const [rows] = await locker.query(
            `SELECT COUNT(*) AS n FROM information_schema.processlist WHERE db = ? AND state LIKE '%lock%' AND info LIKE 'select%'`,
            [database.name],
          );
          return Number((rows as Array<{ n: number }>)[0]!.n) > 0;
        },
        { timeoutMs: 10_000, intervalMs: 20 },
      );

      const second = await fetch(`${server.url}/images/${image}`, {
        headers: AUTH,
        signal: AbortSignal.timeout(15_000),
      });
      expect(second.status).toBe(503);
      expect(second.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(((await second.json()) as { error: { code: string } }).error.code).toBe(
        'DATABASE_UNAVAILABLE',
      );

      await locker.query('UNLOCK TABLES');
      expect((await first).status).toBe(200);
    } finally {
      await locker.end();
    }
  }, 30_000);

  it('refuses at once past the queue limit, with a code', async () => {
    const db = connectDatabase({
      url: database.url,
      poolSize: 1,
      queueLimit: 1,
      acquireTimeoutMs: 10_000,
    });
    try {
      let releaseHeld!: () => void;
      const held = new Promise<void>((resolve) => (releaseHeld = resolve));
      let holding!: () => void;
      const taken = new Promise<void>((resolve) => (holding = resolve));
      const holder = db.connection().execute(async () => {
        holding();
        await held;
      });
      await taken;
      const queued = sql`SELECT 1 AS one`.execute(db);
      await expect(sql`SELECT 2 AS two`.execute(db)).rejects.toMatchObject({
        code: 'DATABASE_QUEUE_FULL',
      });
      releaseHeld();
      await holder;
      expect((await queued).rows).toEqual([{ one: 1 }]);
    } finally {
      await db.destroy();
    }
  });

  it('aborts a statement that runs past DATABASE_STATEMENT_TIMEOUT_MS', async () => {
    const db = connectDatabase({ url: database.url, statementTimeoutMs: 200 });
    try {
      const error = await sql`SELECT SLEEP(5) AS slept`.execute(db).then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(error).toMatchObject({ errno: 1969 });
      expect(isTransientDatabaseError(error)).toBe(true);
      // The connection stays usable, with its limit, for the next query.
      expect((await sql`SELECT @@max_statement_time AS limit_s`.execute(db)).rows).toEqual([
        { limit_s: 0.2 },
      ]);
    } finally {
      await db.destroy();
    }
  });

  it('the redeemer answers a queue outage with 503 QUEUE_UNAVAILABLE, not a database error', async () => {
    // PENDING and never published for a minute: the sweep re-sends it.
    const { ids } = await new ImageIngestRepository(database.db).createImages(['stranded.jpg']);
    await database.db
      .updateTable('images')
      .set({ updated_at: new Date(Date.now() - 60_000) })
      .where('id', 'in', ids)
      .execute();
    const config = loadRedeemerConfig({
      DATABASE_URL: database.url,
      NSQD_TCP_ADDRESS: `127.0.0.1:${await freePort()}`,
      IMAGES_ROOT: root,
      UNPUBLISHED_AFTER_MS: '1000',
    });
    const redeemer = createRedeemer(config, silent);
    closers.push(() => redeemer.close());
    const server = await serveForTest(redeemer.app);
    servers.push(server);
    const response = await fetch(`${server.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
      signal: AbortSignal.timeout(20_000),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'QUEUE_UNAVAILABLE',
    );
  }, 30_000);
});
