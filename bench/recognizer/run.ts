/**
 * `npm run bench:recognizer [-- --quick] [-- --only throughput,gallery,memory,stages,accuracy]`
 *
 * Runs the recognizer benchmarks against the straightforward way in the same run, prints
 * Markdown tables and writes everything to bench/results/recognizer-<time>.json.
 * Needs the face fixtures (FACETRAIL_FIXTURES; test/support/fixtures.ts). The recognizer under test is the real
 * `recognizer/main.ts` on a scratch SQLite database (BENCH_DATABASE=mysql: on the MariaDB the
 * tests use), removed at the end.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { accuracy, bothWorlds } from './accuracy.js';
import { Baseline } from './baseline.js';
import type { BenchContext, SectionResult } from './context.js';
import { galleryCost } from './gallery.js';
import { startBenchRecognizer, type BenchRecognizer } from './harness.js';
import { defaultSettings } from './local.js';
import { memory } from './memory.js';
import { stages } from './stages.js';
import { FIXTURES, loadPhoto } from './photos.js';
import { fixed, loadAverage } from './stats.js';
import { enrollSetup, throughput, throughputSetup, type ThroughputData } from './throughput.js';

const SECTIONS = ['throughput', 'gallery', 'memory', 'stages', 'worlds', 'accuracy'] as const;
type Section = (typeof SECTIONS)[number];

function parseArgs(argv: string[]): { quick: boolean; only: Set<Section> } {
  let quick = false;
  let only = new Set<Section>(SECTIONS);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') quick = true;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : (argv[++i] ?? '');
      const names = value.split(',').map((name) => name.trim());
      for (const name of names)
        if (!SECTIONS.includes(name as Section))
          throw new Error(`--only: unknown section "${name}" (${SECTIONS.join(', ')})`);
      only = new Set(names as Section[]);
    } else if (arg === '--help' || arg === '-h') {
      console.log(`usage: npm run bench:recognizer -- [--quick] [--only ${SECTIONS.join(',')}]`);
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}`);
  }
  return { quick, only };
}

async function main(): Promise<void> {
  const { quick, only } = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const ctx: BenchContext = {
    quick,
    log: (message) =>
      process.stderr.write(
        `[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}\n`,
      ),
  };
  const loadBefore = await loadAverage();
  const settings = defaultSettings();
  ctx.log(
    `recognizer benchmarks${quick ? ' (quick)' : ''}: ${[...only].join(', ')}; ${os.availableParallelism()} cores; load ${loadBefore.join(' ')}`,
  );
  const results: SectionResult[] = [];
  const summary: string[] = [];
  let backend = 'not started';
  let detector = '';
  let workers = settings.inferenceWorkers;

  if (only.has('throughput') || only.has('gallery') || only.has('memory')) {
    const baseline = await Baseline.load(settings);
    let bench: BenchRecognizer | undefined;
    try {
      ctx.log('starting the recognizer (scratch database, faces/known enrolled at start)');
      bench = await startBenchRecognizer({}, path.join(FIXTURES, 'faces/known'));
      const rssWarm = await bench.rss();
      const description = await bench.describe();
      backend = description.backend;
      detector = description.detector;
      workers = description.workers;
      const setup = await throughputSetup(ctx);
      const enrollment = await enrollSetup(bench, setup);
      ctx.log(`enrolled ${enrollment.enrolled} photos; refused ${enrollment.refused.length}`);
      let identifications = 0;
      if (only.has('throughput')) {
        const result = await throughput(ctx, bench, baseline, setup);
        results.push(result);
        identifications += result.data.identifications;
        const ratio = (set: string, concurrency: number) => {
          const entry = (result.data as ThroughputData).sets.find((item) => item.set === set);
          return entry ? `${fixed(entry.ratios[concurrency] ?? NaN, 2)}×` : '–';
        };
        const same = (result.data as ThroughputData).sets
          .map((entry) => `${entry.set} ${entry.sameAnswers}/${entry.photos}`)
          .join(', ');
        summary.push(
          `- Throughput vs the straightforward way: small photos ${ratio('small', 4)} (concurrency 4; ${ratio('small', 2)} at 2), large photos ${ratio('large', 4)} (${ratio('large', 2)} at 2); same answers: ${same}.`,
        );
      }
      if (only.has('gallery')) {
        const probe = await loadPhoto(path.join(FIXTURES, 'seed/unknown_people/unknown.jpg'));
        const result = await galleryCost(ctx, bench, baseline, probe);
        results.push(result);
        const rows = result.data.rows as Array<{ size: number; p50: number; matchNearest: number }>;
        const first = rows[0]!;
        const last = rows.at(-1)!;
        summary.push(
          `- Gallery ${first.size} → ${last.size} descriptors: Identify p50 ${fixed(first.p50, 0)} → ${fixed(last.p50, 0)} ms (${fixed((100 * (last.p50 - first.p50)) / first.p50, 1)}%); matching ${last.size} descriptors ${fixed(last.matchNearest, 2)} ms.`,
        );
        identifications += ((result.data.calls as number) + 2) * rows.length;
      }
      if (only.has('memory')) {
        const photos = [...setup.small, ...setup.large];
        const result = await memory(
          ctx,
          bench,
          photos,
          { label: 'once warm and before any identification', rss: rssWarm },
          identifications,
        );
        results.push(result);
        const samples = result.data.samples as Array<{ identifications: number; rss: number }>;
        summary.push(
          `- RSS: ${fixed(rssWarm ?? NaN, 0)} MiB warm; ${fixed(samples[0]!.rss, 0)} MiB before and ${fixed(samples.at(-1)!.rss, 0)} MiB after ${samples.at(-1)!.identifications} identifications; tensor-leak warnings: ${String(result.data.leakWarnings)}.`,
        );
      }
    } finally {
      await bench?.close();
    }
  }

  if (only.has('stages')) results.push(await stages(ctx));

  if (only.has('worlds')) {
    const result = await bothWorlds(ctx);
    results.push(result);
    summary.push(`- Both worlds: ${String(result.data.verdict)}`);
  }

  if (only.has('accuracy')) {
    const result = await accuracy(ctx);
    results.push(result);
    const chosen = result.data.chosen as
      | {
          threshold: number;
          identified: number;
          probes: number;
          strangersAccepted: number;
          strangers: number;
          wrongPerson: number;
        }
      | undefined;
    const variants = result.data.variants as Array<{
      name: string;
      negativeFaces: number;
      negativeFacesSmall: number;
    }>;
    const defaults = variants.find((variant) => variant.name === 'defaults');
    if (chosen)
      summary.push(
        `- Accuracy (LFW alone, defaults): best single MATCH_THRESHOLD ${fixed(chosen.threshold, 2)}: ${fixed((100 * chosen.identified) / chosen.probes, 1)}% identified, ${fixed((100 * chosen.wrongPerson) / chosen.probes, 1)}% wrong person, ${fixed((100 * chosen.strangersAccepted) / chosen.strangers, 2)}% of strangers accepted; faces on negatives: ${defaults?.negativeFaces ?? '–'} / ${defaults?.negativeFacesSmall ?? '–'} (as is / 150 px).`,
      );
  }

  const loadAfter = await loadAverage();
  const minutes = (Date.now() - started) / 60_000;
  const header = [
    `# Recognizer benchmarks${quick ? ' (--quick)' : ''}`,
    '',
    `${new Date().toISOString()} · ${os.cpus()[0]?.model ?? 'cpu'} · ${os.availableParallelism()} cores · Node ${process.version} · backend ${backend}, ${workers} workers · load average ${loadBefore.join(' ')} before, ${loadAfter.join(' ')} after · ${fixed(minutes, 1)} min`,
    '',
    detector ? `Recognizer: ${detector}.` : '',
    '',
    ...summary,
  ].join('\n');
  const body = results.map((result) => `## ${result.title}\n\n${result.text}`).join('\n\n');
  console.log(`${header}\n\n${body}\n`);

  const resultsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../results');
  await mkdir(resultsDir, { recursive: true });
  const file = path.join(
    resultsDir,
    `recognizer-${new Date(started).toISOString().replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`,
  );
  const json = JSON.stringify(
    {
      startedAt: new Date(started).toISOString(),
      minutes,
      quick,
      machine: {
        cpu: os.cpus()[0]?.model,
        cores: os.availableParallelism(),
        node: process.version,
        loadBefore,
        loadAfter,
      },
      recognizer: { backend, workers, detector, defaults: settings },
      summary,
      sections: results,
    },
    (_key, value: unknown) => (value instanceof Float32Array ? undefined : value),
    2,
  );
  await writeFile(file, json);
  await writeFile(path.join(resultsDir, `recognizer-latest${quick ? '-quick' : ''}.json`), json);
  ctx.log(`results written to ${path.relative(process.cwd(), file)}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
