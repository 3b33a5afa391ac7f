import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { createRecognizerClient } from '../../lib/recognizer/client.js';
import { startCluster, type Cluster } from '../support/cluster.js';
import { asMysqlRoot, createTestDatabase, type TestDatabase } from '../support/database.js';
import { FIXTURES } from '../support/fixtures.js';
import { stopAll, waitFor } from '../support/processes.js';
import { TEST_RECOGNIZER_SECRET } from '../support/recognizer.js';

/**
 * The fault suite (`npm run test:faults`, not part of `npm test`): the cluster topology as
 * separate processes on real MariaDB, nsqd and the real recognizer, at least 200 photos in
 * flight while the recognizer, the processor with the adapter, nsqd and the database
 * connections are killed, and one photo crashes the recognizer. Nothing may be lost or
 * recorded twice, and the pipeline must settle within two leases of the last fault.
 */

const PHOTOS = Number(process.env.FAULT_PHOTOS ?? 200);
const LEASE_MS = Number(process.env.FAULT_LEASE_MS ?? 15_000);
/** The one photo the recognizer's test-only fault switch crashes on (not among the others). */
const CRASH_PHOTO = 'lfw/Tony_Blair/10.jpg';
const FINAL = ['PROCESSED', 'FAILED'];

interface ImageRow {
  id: number;
  path: string;
  status: string;
  error_code: string | null;
  attempts: number;
  faces: number;
}

/** Small LFW crops (150 px) keep inference quick: every third photo, sorted, without the crash photo. */
async function pickPhotos(count: number): Promise<string[]> {
  const all: string[] = [];
  for (const person of (await readdir(path.join(FIXTURES, 'lfw'))).sort()) {
    for (const file of (await readdir(path.join(FIXTURES, 'lfw', person))).sort())
      all.push(`lfw/${person}/${file}`);
  }
  const candidates = all.filter((photo) => photo !== CRASH_PHOTO);
  const step = Math.max(1, Math.floor(candidates.length / count));
  const picked = candidates.filter((_, index) => index % step === 0).slice(0, count);
  if (picked.length < count) throw new Error(`only ${picked.length} LFW photos in ${FIXTURES}`);
  return picked;
}

describe('the pipeline under faults (cluster topology, separate processes)', () => {
  let database: TestDatabase;
  let cluster: Cluster | undefined;

  beforeAll(async () => {
    database = await createTestDatabase('facetrail_faults');
    cluster = await startCluster({
      databaseUrl: database.url,
      imagesRoot: FIXTURES,
      // Timings every component reads (and checks against each other) get the same values:
      // inference < call deadline < lease.
      env: {
        LEASE_MS: String(LEASE_MS),
        RECOGNIZER_TIMEOUT_MS: String(Math.floor(LEASE_MS * 0.6)),
        INFERENCE_TIMEOUT_MS: String(Math.floor(LEASE_MS * 0.5)),
      },
      componentEnv: {
        recognizer: {
          INFERENCE_WORKERS: '2',
          SHUTDOWN_GRACE_MS: '1000',
          FACETRAIL_FAULT_CRASH_PATH: CRASH_PHOTO,
          // The suite is about delivery, not accuracy, and the LFW crops are 150 px: detecting
          // at 224 instead of 448 takes a third less CPU (94 s against 61 s for the suite).
          SSD_INPUT_SIZE: '224',
        },
        processor: {
          BREAKER_RESET_MS: '1000',
          RETRY_AFTER_SECONDS: '1',
        },
        adapter: {
          MAX_IN_FLIGHT: '4',
          DELIVERY_TIMEOUT_MS: String(LEASE_MS),
          NSQ_MSG_TIMEOUT_MS: String(LEASE_MS * 2),
          BACKOFF_BASE_MS: '500',
          BACKOFF_MAX_MS: '5000',
          SHUTDOWN_TIMEOUT_MS: '2000',
        },
        redeemer: {
          UNPUBLISHED_AFTER_MS: String(Math.floor(LEASE_MS / 2)),
          REPUBLISH_AFTER_MS: String(LEASE_MS * 2),
        },
      },
    });
  }, 240_000);

  afterAll(async () => {
    await cluster?.stop();
    // Every process's log, for CI's artifacts (and for finding out why a run failed).
    if (cluster) {
      const dir = path.resolve(process.env.FAULT_LOGS_DIR ?? 'test-artifacts/faults');
      await mkdir(dir, { recursive: true });
      for (const proc of [...cluster.processes(), cluster.nsq.nsqd, cluster.nsq.lookupd])
        await writeFile(path.join(dir, `${proc.name}.log`), proc.output());
    }
    await stopAll();
    await database?.drop();
  }, 120_000);

  const rows = async (): Promise<ImageRow[]> =>
    (
      await sql<ImageRow>`SELECT i.id, i.path, i.status, i.error_code, i.attempts,
        (SELECT COUNT(*) FROM faces f WHERE f.image_id = i.id) AS faces
        FROM images i ORDER BY i.id`.execute(database.db)
    ).rows.map((row) => ({ ...row, faces: Number(row.faces) }));

  const finalCount = async () =>
    Number(
      (
        await sql<{
          n: number;
        }>`SELECT COUNT(*) AS n FROM images WHERE status IN ('PROCESSED', 'FAILED')`.execute(
          database.db,
        )
      ).rows[0]!.n,
    );

  const submit = async (paths: string[]): Promise<number[]> => {
    const response = await fetch(`${cluster!.receiverUrl}/images`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...cluster!.auth() },
      body: JSON.stringify({ paths }),
    });
    const body = (await response.json()) as { images: Array<{ id?: number }> };
    expect([response.status, body.images.filter((image) => image.id).length]).toEqual([
      202,
      paths.length,
    ]);
    return body.images.map((image) => image.id!);
  };

  /** Kills every connection to this test's database but the caller's (the server stays up). */
  const killDatabaseConnections = () =>
    asMysqlRoot(async (conn) => {
      const [list] = await conn.query(
        'SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()',
        [database.name],
      );
      const ids = (list as Array<{ ID: number }>).map((row) => row.ID);
      for (const id of ids) await conn.query(`KILL ${Number(id)}`).catch(() => undefined);
      return ids.length;
    });

  it('loses nothing, records no face twice and settles within two leases of the last fault', async () => {
    const photos = await pickPhotos(PHOTOS);

    const started = Date.now();
    const faults: Array<{ fault: string; at: number; final: number }> = [];
    const fault = async (name: string, run: () => Promise<unknown>) => {
      const final = await finalCount();
      faults.push({ fault: name, at: Date.now(), final });
      const result = await run();
      return result;
    };
    const whenFinal = (count: number) =>
      waitFor(`${count} images final`, async () => (await finalCount()) >= count, {
        timeoutMs: 180_000,
        intervalMs: 200,
      });

    const { recognizer, processor, adapter } = cluster!.lanes[0]!;
    const accepted = await submit(photos);

    await whenFinal(Math.floor(PHOTOS * 0.1));
    await fault('kill -9 recognizer', () => recognizer.kill9());
    const [crashId] = await submit([CRASH_PHOTO]);

    await whenFinal(Math.floor(PHOTOS * 0.3));
    await fault('kill -9 processor + adapter', () =>
      Promise.all([processor.kill9(), adapter.kill9()]),
    );

    await whenFinal(Math.floor(PHOTOS * 0.5));
    await fault('kill -9 nsqd, restart on its data path', () => cluster!.killNsqd());

    await whenFinal(Math.floor(PHOTOS * 0.75));
    let killed = 0;
    await fault('KILL every database connection', async () => {
      killed = await killDatabaseConnections();
    });

    // Settled: every accepted image final. Waits past the goal so the figures print anyway.
    let settledAt = 0;
    await waitFor(
      'every image to reach PROCESSED or FAILED',
      async () => {
        const all = await rows();
        if (all.length > 0 && all.every((row) => FINAL.includes(row.status))) {
          settledAt = Date.now();
          return true;
        }
        return false;
      },
      { timeoutMs: LEASE_MS * 8, intervalMs: 250 },
    ).catch(() => undefined);

    const final = await rows();
    const byId = new Map(final.map((row) => [row.id, row]));
    // The reference: the face count the recognizer alone finds, once everything settled, for
    // every photo a fault touched (claimed more than once) and every eighth of the others as a
    // control. The untouched photos went through the same code as in a clean run; re-deciding
    // all 200 would double the suite's time on CI's 2 cores.
    const checked = accepted
      .map((id, index) => ({ row: byId.get(id), index }))
      .filter(({ row, index }) => row && (row.attempts > 1 || index % 8 === 0))
      .map(({ row }) => row!);
    const client = createRecognizerClient(cluster!.lanes[0]!.recognizerAddress, {
      secret: TEST_RECOGNIZER_SECRET,
      deadlineMs: 60_000,
    });
    // The crashing photo's last crash may have been moments ago: wait for the restarted one.
    await recognizer.ready(60_000);
    const reference = new Map<string, number>();
    const queue = checked.map((row) => row.path);
    await Promise.all(
      Array.from({ length: 3 }, async () => {
        for (let photo = queue.shift(); photo; photo = queue.shift())
          reference.set(photo, (await client.identify({ path: photo })).faces.length);
      }),
    );
    client.close();
    const lost = [...accepted, crashId!].filter(
      (id) => !FINAL.includes(byId.get(id)?.status ?? ''),
    );
    const [duplicates] = (
      await sql<{ n: number }>`SELECT COUNT(*) AS n FROM (SELECT image_id, face_index FROM faces
        GROUP BY image_id, face_index HAVING COUNT(*) > 1) d`.execute(database.db)
    ).rows;
    const notProcessed = accepted
      .map((id) => byId.get(id))
      .filter((row) => row && row.status !== 'PROCESSED')
      .map((row) => `${row!.path}: ${row!.status} ${row!.error_code ?? ''}`);
    const mismatched = checked
      .filter((row) => row.status !== 'PROCESSED' || row.faces !== reference.get(row.path))
      .map(
        (row) =>
          `${row.path}: ${row.status} ${row.error_code ?? ''} ${row.faces} faces, clean ${reference.get(row.path)}`,
      );
    const crash = byId.get(crashId!);
    const recognizerCrashes = recognizer.crashes();
    const lastFaultAt = Math.max(...faults.map((entry) => entry.at), recognizer.lastCrashAt());
    const settleMs = settledAt ? settledAt - lastFaultAt : Number.NaN;

    const figures = [
      `fault suite: ${photos.length} photos + 1 crashing photo, LEASE_MS ${LEASE_MS}`,
      ...faults.map(
        (entry) =>
          `  +${((entry.at - started) / 1000).toFixed(1)} s  ${entry.fault} (${entry.final} final before)`,
      ),
      `  database connections killed: ${killed}`,
      `  recognizer crashes (not counting the kill -9): ${recognizerCrashes}`,
      `  final: ${final.filter((row) => FINAL.includes(row.status)).length}/${final.length}; lost ${lost.length}; duplicate faces rows ${Number(duplicates?.n ?? 0)}`,
      `  not PROCESSED (a photo, not the crashing one): ${notProcessed.length}${notProcessed.length ? ` (${notProcessed.slice(0, 10).join('; ')})` : ''}`,
      `  face count differing from the clean reference: ${mismatched.length} of ${checked.length} checked (${checked.filter((row) => row.attempts > 1).length} claimed more than once)${mismatched.length ? ` (${mismatched.slice(0, 10).join('; ')})` : ''}`,
      `  crashing photo: ${crash?.status} ${crash?.error_code ?? ''} after ${crash?.attempts} attempt(s)`,
      `  settled ${Number.isNaN(settleMs) ? 'never (timed out)' : `${(settleMs / 1000).toFixed(1)} s`} after the last fault (goal ≤ ${(2 * LEASE_MS) / 1000} s); whole run ${((Date.now() - started) / 1000).toFixed(0)} s`,
    ].join('\n');
    console.log(figures);

    expect({
      lost: lost.length,
      duplicateFaceRows: Number(duplicates?.n ?? 0),
      notProcessed,
      mismatched,
      crash: [crash?.status, crash?.error_code],
      crashesAtMostTwo: recognizerCrashes <= 2,
      settledInTwoLeases: settleMs <= 2 * LEASE_MS,
    }).toEqual({
      lost: 0,
      duplicateFaceRows: 0,
      notProcessed: [],
      mismatched: [],
      crash: ['FAILED', 'RECOGNIZER_CRASHED'],
      crashesAtMostTwo: true,
      settledInTwoLeases: true,
    });
  }, 600_000);
});
