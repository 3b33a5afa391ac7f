/**
 * `npm run bench:frontend [-- --fill-only | --measure-only] [-- --samples N]`
 *
 * The results page at the scale of a real building: fills MariaDB (TEST_MYSQL_URL, the tests'
 * server) with 1 000 000 images and 2 000 000 faces by multi-row INSERTs (bench/frontend/fill.ts,
 * not through the pipeline), then serves the real frontend on it and times its pages over HTTP:
 * the first page, a person filter, a door and a date range, paging 1 000 pages deep by cursor,
 * and one person's page; p50 and p95 of each, plus one query run with its index ignored as a
 * within-run ratio. The database `facetrail_bench_frontend` is kept between runs (a second run
 * measures without filling again; --refill starts over); results go to
 * bench/results/frontend-<time>.json and are printed as Markdown.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { http } from '@google-cloud/functions-framework';
import { sql } from 'kysely';
import { createConnection } from 'mysql2/promise';
import { loadFrontendConfig } from '../../functions/frontend/config.js';
import { createFrontend } from '../../functions/frontend/wiring.js';
import { connectDatabase } from '../../lib/db/connect.js';
import { migrate } from '../../lib/db/migrate.js';
import { asHttpFunction } from '../../lib/http/as-http-function.js';
import { serveFunction } from '../../lib/http/function-server.js';
import { createLogger } from '../../lib/logger.js';
import { END, fill, personOf, random, SHAPE } from './fill.js';

const MYSQL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const DATABASE = process.env.BENCH_FRONTEND_DATABASE ?? 'facetrail_bench_frontend';
const ADMIN_TOKEN = `bench-${randomBytes(12).toString('hex')}`;
const PAGE_SIZE = 50;

interface Args {
  fill: boolean;
  measure: boolean;
  refill: boolean;
  samples: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { fill: true, measure: true, refill: false, samples: 200 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--fill-only') args.measure = false;
    else if (arg === '--measure-only') args.fill = false;
    else if (arg === '--refill') args.refill = true;
    else if (arg === '--samples') args.samples = Number(argv[++i]);
    else throw new Error(`unknown argument ${arg}`);
  }
  if (!Number.isInteger(args.samples) || args.samples < 10)
    throw new Error('--samples: 10 or more');
  return args;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summary(times: number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    max: sorted.at(-1)!,
  };
}

async function ensureFilled(args: Args): Promise<void> {
  const admin = await createConnection(MYSQL);
  try {
    if (args.refill) await admin.query(`DROP DATABASE IF EXISTS \`${DATABASE}\``);
    await admin.query(
      `CREATE DATABASE IF NOT EXISTS \`${DATABASE}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
  } finally {
    await admin.end();
  }
  const db = connectDatabase({ url: `${MYSQL}/${DATABASE}` });
  try {
    await migrate(db);
    const row = await sql<{
      images: number;
      faces: number;
    }>`SELECT (SELECT COUNT(*) FROM images) AS images, (SELECT COUNT(*) FROM faces) AS faces`.execute(
      db,
    );
    const counts = row.rows[0]!;
    if (Number(counts.images) === SHAPE.images && Number(counts.faces) === SHAPE.faces) {
      log(`${DATABASE} holds ${counts.images} images and ${counts.faces} faces: not filled again`);
      return;
    }
    if (Number(counts.images) > 0)
      throw new Error(`${DATABASE} is partly filled: run with --refill`);
  } finally {
    await db.destroy();
  }
  if (!args.fill) throw new Error(`${DATABASE} is empty: run without --measure-only first`);
  log(`filling ${DATABASE}: ${SHAPE.images} images, ${SHAPE.faces} faces, ${SHAPE.people} people`);
  const conn = await createConnection({ uri: `${MYSQL}/${DATABASE}`, multipleStatements: false });
  try {
    await fill(conn, log);
  } finally {
    await conn.end();
  }
}

/** The frontend on the filled database, on a free loopback port. */
async function startFrontend() {
  const imagesRoot = await mkdtemp(path.join(os.tmpdir(), 'facetrail-bench-frontend-'));
  const config = loadFrontendConfig({
    DATABASE_URL: `${MYSQL}/${DATABASE}`,
    IMAGES_ROOT: imagesRoot,
    ADMIN_TOKEN,
    SESSION_SECRET: randomBytes(24).toString('hex'),
    PAGE_SIZE: String(PAGE_SIZE),
    LOG_LEVEL: 'silent',
  });
  const frontend = createFrontend(config, createLogger('frontend', 'silent'));
  http('bench-frontend', asHttpFunction(frontend.app));
  const server = await serveFunction({
    name: 'bench-frontend',
    port: 0,
    host: '127.0.0.1',
    logger: createLogger('bench', 'silent'),
  });
  return {
    url: server.url,
    async stop() {
      await server.close();
      await frontend.close();
      await rm(imagesRoot, { recursive: true, force: true });
    },
  };
}

/** One GET as the admin (a Bearer key, as a script or screen would); its time in ms and body. */
async function timed(base: string, route: string): Promise<{ ms: number; body: string }> {
  const started = performance.now();
  const response = await fetch(`${base}${route}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, accept: 'text/html' },
  });
  const body = await response.text();
  const ms = performance.now() - started;
  if (response.status !== 200)
    throw new Error(`${route}: HTTP ${response.status}\n${body.slice(0, 500)}`);
  return { ms, body };
}

const olderLink = (body: string) =>
  /<a rel="next" href="([^"]+)"/.exec(body)?.[1]?.replace(/&amp;/g, '&');

async function measure(args: Args) {
  const frontend = await startFrontend();
  const next = random(99);
  const day = 86_400_000;
  const results: Record<string, ReturnType<typeof summary> & { what: string }> = {};
  const run = async (name: string, what: string, route: () => string, samples = args.samples) => {
    // A few warm-up requests (connection pool, JIT), not counted.
    for (let i = 0; i < 5; i++) await timed(frontend.url, route());
    const times: number[] = [];
    for (let i = 0; i < samples; i++) times.push((await timed(frontend.url, route())).ms);
    results[name] = { what, ...summary(times) };
    log(
      `${name}: p50 ${results[name]!.p50.toFixed(1)} ms, p95 ${results[name]!.p95.toFixed(1)} ms`,
    );
  };
  const anyPerson = () => 1 + personOf(next());
  const window = () => {
    const from = END - Math.floor(2 + next() * (SHAPE.days - 3)) * day;
    const iso = (time: number) => new Date(time).toISOString().slice(0, 16);
    return `from=${iso(from)}&to=${iso(from + 2 * day)}&tz=UTC`;
  };
  try {
    await run('first page', 'GET / (50 newest photos)', () => '/');
    await run(
      'person filter',
      'GET /?personId=… (a person drawn as sightings are)',
      () => `/?personId=${anyPerson()}`,
    );
    await run(
      'door + date range',
      'GET /?door=…&from=…&to=… (one of 20 doors, a 2-day window in the 30 days)',
      () => `/?door=door-${1 + Math.floor(next() * SHAPE.doors)}&${window()}`,
    );
    await run(
      'unknown faces only',
      'GET /?unknown=1',
      () => '/?unknown=1',
      Math.min(args.samples, 100),
    );
    // 1 000 pages deep by cursor: every page of the walk is one sample.
    {
      const times: number[] = [];
      let route = '/';
      for (let page = 0; page < 1000; page++) {
        const { ms, body } = await timed(frontend.url, route);
        times.push(ms);
        const older = olderLink(body);
        if (!older) throw new Error(`no older page after ${page + 1} pages`);
        route = older;
      }
      results['paging 1000 pages deep'] = {
        what: `GET /?before=… following "Older" 1 000 times (${1000 * PAGE_SIZE} photos deep)`,
        ...summary(times),
      };
      log(
        `paging: p50 ${results['paging 1000 pages deep']!.p50.toFixed(1)} ms, p95 ${results['paging 1000 pages deep']!.p95.toFixed(1)} ms`,
      );
    }
    await run(
      "one person's page",
      'GET /people/… (counts, 14 days of sightings, enrollment photos, newest 50 sightings)',
      () => `/people/${anyPerson()}`,
    );
    await run(
      "the busiest person's page",
      'GET /people/1 (≈ 3 % of all sightings)',
      () => '/people/1',
      Math.min(args.samples, 100),
    );
  } finally {
    await frontend.stop();
  }
  return results;
}

/**
 * Two of the page's queries with their index, then told to ignore it: the ratio, measured in
 * the same run, is what the index buys (no cache is involved: each runs against InnoDB).
 */
async function indexRatios() {
  const db = connectDatabase({ url: `${MYSQL}/${DATABASE}` });
  const time = async (query: string, samples: number) => {
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const started = performance.now();
      await sql.raw(query).execute(db);
      times.push(performance.now() - started);
    }
    return summary(times);
  };
  const compare = async (what: string, query: (hint: string) => string, index: string) => {
    const explain = (await sql.raw(`EXPLAIN ${query('')}`).execute(db)).rows;
    const withIndex = await time(query(''), 30);
    const without = await time(query(`IGNORE INDEX (${index})`), 5);
    return { what, index, explain, withIndex, without, ratio: without.p50 / withIndex.p50 };
  };
  try {
    return [
      await compare(
        "the live feed's high-water mark, polled every second by each listening pod",
        (hint) => `SELECT MAX(id), MAX(updated_at) FROM images ${hint}`,
        'images_updated',
      ),
      await compare(
        'a person filter for someone seen rarely (person 900)',
        (hint) =>
          `SELECT image_id FROM faces ${hint} WHERE person_id = 900 GROUP BY image_id ORDER BY image_id DESC LIMIT 51`,
        'faces_person_image',
      ),
    ];
  } finally {
    await db.destroy();
  }
}

const args = parseArgs(process.argv.slice(2));
await ensureFilled(args);
if (args.measure) {
  const pages = await measure(args);
  const index = await indexRatios();
  const out = {
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, load: os.loadavg() },
    shape: SHAPE,
    pageSize: PAGE_SIZE,
    pages,
    index,
  };
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'results');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `frontend-${out.at.replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify(out, null, 2));
  console.log('| page | p50 (ms) | p95 (ms) | max (ms) | samples | what |');
  console.log('| --- | ---: | ---: | ---: | ---: | --- |');
  for (const [name, row] of Object.entries(pages))
    console.log(
      `| ${name} | ${row.p50.toFixed(1)} | ${row.p95.toFixed(1)} | ${row.max.toFixed(1)} | ${row.samples} | ${row.what} |`,
    );
  console.log('\n| query | with its index, p50 (ms) | ignoring it, p50 (ms) | ratio |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const row of index)
    console.log(
      `| ${row.what} (\`${row.index}\`) | ${row.withIndex.p50.toFixed(2)} | ${row.without.p50.toFixed(1)} | ${row.ratio.toFixed(0)}× |`,
    );
  console.log(`\nwritten to ${file}`);
}
