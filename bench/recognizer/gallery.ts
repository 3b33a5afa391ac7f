/**
 * Benchmark 2, cost against gallery size: Identify latency over gRPC with 10 … 10 000 stored
 * descriptors (padded with synthetic ones), the matching step alone in-process, and the seed's
 * algorithm (encode every known photo on every request) for comparison.
 */
import { Gallery, MATCH_STRATEGIES, type GalleryEntry } from '../../recognizer/gallery.js';
import type { Baseline } from './baseline.js';
import type { BenchContext, SectionResult } from './context.js';
import { padGallery, trimGallery, type BenchRecognizer } from './harness.js';
import { lfwPeople, loadPhoto, type Photo } from './photos.js';
import { fixed, mean, percentile, table } from './stats.js';

export const GALLERY_SIZES = [10, 100, 1000, 10_000] as const;

/** Matching alone: ms per lookup of one descriptor, median of `rounds` batches. */
function matchingMs(
  entries: GalleryEntry[],
  probes: Float32Array[],
  strategy: 'mean' | 'nearest',
): number {
  const gallery = new Gallery(entries, strategy);
  const rounds: number[] = [];
  for (let round = 0; round < 7; round++) {
    const started = performance.now();
    for (const probe of probes) gallery.identify(probe, 0.5);
    rounds.push((performance.now() - started) / probes.length);
  }
  return percentile(rounds, 50);
}

export async function galleryCost(
  ctx: BenchContext,
  bench: BenchRecognizer,
  baseline: Baseline,
  probe: Photo,
): Promise<SectionResult> {
  // Real descriptors as templates for the synthetic ones, then an empty gallery.
  const templates = (await bench.people.allDescriptors()).map((row) => row.descriptor);
  if (templates.length === 0)
    throw new Error('the gallery benchmark needs enrolled descriptors as templates');
  await bench.database.db.deleteFrom('person_images').execute();
  await bench.database.db.deleteFrom('person').execute();
  const calls = ctx.quick ? 10 : 30;
  // Up (10 → 10 000) and back down, half the calls each way, so that a slow drift of the
  // machine's load does not pass for an effect of the gallery size.
  const latencies = new Map<number, number[]>(GALLERY_SIZES.map((size) => [size, []]));
  const people = new Map<number, number>();
  const order = [...GALLERY_SIZES, ...[...GALLERY_SIZES].reverse()];
  for (const [step, size] of order.entries()) {
    if (step < GALLERY_SIZES.length) await padGallery(bench, size, templates);
    else await trimGallery(bench, size);
    const counts = await bench.client.refreshGallery();
    if (counts.descriptors !== size)
      throw new Error(`the gallery holds ${counts.descriptors} descriptors, expected ${size}`);
    people.set(size, counts.people);
    ctx.log(
      `gallery: ${counts.descriptors} descriptors of ${counts.people} people; ${calls / 2} identifications`,
    );
    await bench.client.identify({ content: probe.bytes }); // the first call after a reload
    for (let call = 0; call < calls / 2; call++) {
      const started = performance.now();
      await bench.client.identify({ content: probe.bytes });
      latencies.get(size)!.push(performance.now() - started);
    }
  }
  const rows: Array<{
    size: number;
    people: number;
    p50: number;
    mean: number;
    p95: number;
    matchMean: number;
    matchNearest: number;
  }> = [];
  await padGallery(bench, GALLERY_SIZES.at(-1)!, templates);
  const all: GalleryEntry[] = (await bench.people.allDescriptors()).map((row) => ({
    personId: row.personId,
    personName: row.personName,
    descriptor: row.descriptor,
  }));
  const probes = templates.slice(0, 50);
  for (const size of GALLERY_SIZES) {
    const measured = latencies.get(size)!;
    const entries = all.slice(0, size);
    rows.push({
      size,
      people: people.get(size)!,
      p50: percentile(measured, 50),
      mean: mean(measured),
      p95: percentile(measured, 95),
      matchMean: matchingMs(entries, probes, 'mean'),
      matchNearest: matchingMs(entries, probes, 'nearest'),
    });
  }
  const first = rows[0]!;
  const last = rows.at(-1)!;

  // The seed's algorithm: every known photo encoded again for each request.
  const lfw = [...(await lfwPeople()).entries()];
  const knownFiles = lfw.flatMap(([person, files]) =>
    files.slice(0, 2).map((file) => ({ person, file })),
  );
  const seedSizes = ctx.quick ? [10] : [10, 100];
  const seedRows: Array<{ known: number; ms: number }> = [];
  for (const known of seedSizes) {
    const photos = await Promise.all(
      knownFiles.slice(0, known).map(async ({ person, file }, index) => ({
        personId: index + 1,
        personName: person,
        bytes: (await loadPhoto(file)).bytes,
      })),
    );
    ctx.log(`gallery: the seed's algorithm with ${known} known photos`);
    const started = performance.now();
    await baseline.seedIdentify(photos, probe.bytes, 0.6);
    seedRows.push({ known, ms: performance.now() - started });
  }

  const text = [
    `One photo (${probe.name}, one face) identified ${calls} times per gallery size at concurrency 1 (half while the gallery grows from 10 to 10 000, half while it shrinks back); synthetic people have 5 descriptors each (real descriptors plus noise). "matching" is Gallery.identify alone, in-process, per face.`,
    '',
    table(
      [
        'descriptors',
        'people',
        'Identify p50 ms',
        'mean ms',
        'p95 ms',
        'vs 10',
        'matching, mean strategy ms',
        'matching, nearest photo ms',
      ],
      rows.map((row) => [
        row.size,
        row.people,
        fixed(row.p50, 0),
        fixed(row.mean, 0),
        fixed(row.p95, 0),
        `${fixed((100 * (row.p50 - first.p50)) / first.p50, 1)}%`,
        fixed(row.matchMean, 3),
        fixed(row.matchNearest, 3),
      ]),
    ),
    '',
    `From ${first.size} to ${last.size} descriptors the median Identify latency changed by ${fixed((100 * (last.p50 - first.p50)) / first.p50, 1)}%; matching ${last.size} descriptors takes ${fixed(last.matchNearest, 2)} ms with one row per photo (${fixed(last.matchMean, 2)} ms with one row per person).`,
    '',
    "The seed's algorithm (the baseline pipeline encodes every known photo, then the probe, on each request):",
    '',
    table(
      ['known photos', 'one Identify, ms', 'vs the recognizer at 10 000 descriptors'],
      seedRows.map((row) => [row.known, fixed(row.ms, 0), `${fixed(row.ms / last.p50, 0)}×`]),
    ),
  ].join('\n');
  return {
    title: 'Cost against gallery size',
    text,
    data: { probe: probe.name, calls, rows, seed: seedRows, strategies: MATCH_STRATEGIES },
  };
}
