/**
 * A real recognizer process for the benchmarks: `recognizer/main.ts` on a scratch database,
 * reached over gRPC. The database is a SQLite file in a temporary folder (standalone mode's
 * dialect), or with BENCH_DATABASE=mysql a database on the MariaDB/MySQL server the tests use
 * (TEST_MYSQL_URL); either is removed afterwards. Identify never reads the database.
 */
import { createHash } from 'node:crypto';
import { PeopleRepository, encodeDescriptor } from '../../lib/db/people-repo.js';
import { createRecognizerClient, type RecognizerClient } from '../../lib/recognizer/client.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.js';
import {
  startRecognizer,
  TEST_RECOGNIZER_SECRET,
  type RunningRecognizer,
} from '../../test/support/recognizer.js';
import { FIXTURES } from './photos.js';
import { processCpuMs, rssMiB } from './stats.js';

export interface BenchRecognizer {
  recognizer: RunningRecognizer;
  client: RecognizerClient;
  database: TestDatabase;
  people: PeopleRepository;
  pid: number;
  rss(): Promise<number | undefined>;
  cpuMs(): Promise<number | undefined>;
  /** Backend and detector as the running recognizer describes them. */
  describe(): ReturnType<RecognizerClient['describe']>;
  close(): Promise<void>;
}

export async function startBenchRecognizer(
  env: Record<string, string> = {},
  knownPeopleDir?: string,
): Promise<BenchRecognizer> {
  const database = await createTestDatabase('facetrail_bench', {
    kind: process.env.BENCH_DATABASE === 'mysql' ? 'mysql' : 'sqlite',
  });
  let recognizer: RunningRecognizer;
  try {
    recognizer = await startRecognizer({
      databaseUrl: database.url,
      imagesRoot: FIXTURES,
      knownPeopleDir,
      env: { LOG_LEVEL: 'info', GALLERY_REFRESH_MS: '0', ...env },
      timeoutMs: 300_000,
    });
  } catch (error) {
    await database.drop();
    throw error;
  }
  const client = createRecognizerClient(recognizer.address, {
    deadlineMs: 600_000,
    secret: TEST_RECOGNIZER_SECRET,
  });
  const pid = recognizer.process.child.pid!;
  return {
    recognizer,
    client,
    database,
    people: new PeopleRepository(database.db),
    pid,
    rss: () => rssMiB(pid),
    cpuMs: () => processCpuMs(pid),
    describe: () => client.describe(),
    async close() {
      client.close();
      await recognizer.stop();
      await database.drop();
    },
  };
}

/**
 * Pads the gallery to `total` stored descriptors with synthetic people (five photos each):
 * real descriptors plus noise, so that distances look like real ones. Inserted straight into
 * `person` and `person_images` in batches; the caller then asks for RefreshGallery.
 */
export async function padGallery(
  bench: BenchRecognizer,
  total: number,
  templates: readonly Float32Array[],
): Promise<void> {
  const db = bench.database.db;
  const count = await db
    .selectFrom('person_images')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const current = Number(count.n);
  if (current > total)
    throw new Error(`the gallery already holds ${current} > ${total} descriptors`);
  let state = total;
  const random = () => {
    // Deterministic: the same padding in every run.
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const gaussian = () =>
    Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
  for (let first = current; first < total; first += 1000) {
    const rows = Math.min(1000, total - first);
    const names = Array.from(
      { length: Math.ceil(rows / 5) },
      (_, i) => `synthetic ${first + i * 5}`,
    );
    const now = new Date();
    await db
      .insertInto('person')
      .values(names.map((name) => ({ name, created_at: now })))
      .execute();
    const ids = new Map(
      (
        await db.selectFrom('person').select(['id', 'name']).where('name', 'in', names).execute()
      ).map((row) => [row.name, Number(row.id)]),
    );
    await db
      .insertInto('person_images')
      .values(
        Array.from({ length: rows }, (_, i) => {
          const template = templates[(first + i) % templates.length]!;
          const descriptor = Float32Array.from(template, (value) => value + 0.05 * gaussian());
          return {
            person_id: ids.get(names[Math.floor(i / 5)]!)!,
            image_name: `synthetic-${first + i}.jpg`,
            content_hash: createHash('sha256')
              .update(`synthetic ${first + i}`)
              .digest('hex'),
            descriptor: encodeDescriptor(descriptor),
            created_at: now,
          };
        }),
      )
      .execute();
  }
}

/** Shrinks the gallery back to its first `total` stored descriptors (by id) and drops empty people. */
export async function trimGallery(bench: BenchRecognizer, total: number): Promise<void> {
  const db = bench.database.db;
  const keep = await db
    .selectFrom('person_images')
    .select('id')
    .orderBy('id')
    .limit(total)
    .execute();
  const last = keep.at(-1)?.id;
  if (last === undefined) await db.deleteFrom('person_images').execute();
  else await db.deleteFrom('person_images').where('id', '>', last).execute();
  await db
    .deleteFrom('person')
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('person_images')
            .select('person_images.id')
            .whereRef('person_images.person_id', '=', 'person.id'),
        ),
      ),
    )
    .execute();
}
