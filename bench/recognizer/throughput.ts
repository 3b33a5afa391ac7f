/**
 * Benchmark 1, throughput and latency of Identify over gRPC at concurrency 1, 2 and 4,
 * against the straightforward way (Baseline) in the same run, on small and large photos,
 * with the answers compared photo by photo.
 */
import path from 'node:path';
import { Gallery, type GalleryEntry, type MatchStrategy } from '../../recognizer/gallery.js';
import type { IdentifyResult } from '../../lib/recognizer/protocol.js';
import { Baseline } from './baseline.js';
import type { BenchContext, SectionResult } from './context.js';
import type { BenchRecognizer } from './harness.js';
import {
  FIXTURES,
  isLarge,
  isSmall,
  lfwPeople,
  loadPhoto,
  otherPhotos,
  type Photo,
} from './photos.js';
import { cpuMs, fixed, mapConcurrent, mean, percentile, table } from './stats.js';

export const CONCURRENCIES = [1, 2, 4] as const;

interface Answer {
  faces: number;
  people: string[];
}

interface Pass {
  label: string;
  concurrency: number;
  images: number;
  seconds: number;
  imagesPerSecond: number;
  p50: number;
  p95: number;
  /** CPU ms per image (baseline: this process; recognizer: its process). */
  cpuPerImage: number | undefined;
}

export interface ThroughputSetup {
  enrollment: Photo[];
  /** Person name per enrollment photo. */
  enrollmentPeople: string[];
  small: Photo[];
  large: Photo[];
}

/** The enrolled people: faces/known (enrolled at start), the seed's, and some LFW people. */
export async function throughputSetup(ctx: BenchContext): Promise<ThroughputSetup> {
  const others = await otherPhotos();
  const lfw = [...(await lfwPeople()).entries()];
  const enrolledLfw = lfw.slice(0, ctx.quick ? 6 : 20);
  const strangersLfw = lfw.slice(enrolledLfw.length, enrolledLfw.length + (ctx.quick ? 3 : 10));
  const enrollment: Photo[] = [];
  const enrollmentPeople: string[] = [];
  for (const photo of others.filter((photo) => photo.name.startsWith('faces/known/'))) {
    enrollment.push(photo);
    enrollmentPeople.push(photo.name.split('/')[2]!);
  }
  for (const photo of others.filter((photo) => photo.name.startsWith('seed/known_people/'))) {
    enrollment.push(photo);
    enrollmentPeople.push(
      path.basename(photo.name).startsWith('hannibal') ? 'Hannibal' : 'Gergely',
    );
  }
  const small: Photo[] = others.filter(
    (photo) =>
      isSmall(photo) &&
      !photo.name.startsWith('faces/known/') &&
      !photo.name.startsWith('seed/known_people/'),
  );
  for (const [person, files] of enrolledLfw) {
    // Photos 1-5 enrolled (refused ones simply missing), 9 and 10 identified.
    for (const file of files.slice(0, 5)) {
      enrollment.push(await loadPhoto(file));
      enrollmentPeople.push(person);
    }
    for (const file of files.slice(8)) small.push(await loadPhoto(file));
  }
  for (const [, files] of strangersLfw) small.push(await loadPhoto(files[0]!));
  const large = others.filter(isLarge);
  return { enrollment, enrollmentPeople, small, large };
}

/** Enrolls the setup's photos (faces/known was enrolled from KNOWN_PEOPLE_DIR at start). */
export async function enrollSetup(
  bench: BenchRecognizer,
  setup: ThroughputSetup,
): Promise<{ enrolled: number; refused: string[] }> {
  let enrolled = 0;
  const refused: string[] = [];
  for (const [index, photo] of setup.enrollment.entries()) {
    if (photo.name.startsWith('faces/known/')) continue;
    const person = await bench.people.findOrCreate(setup.enrollmentPeople[index]!);
    try {
      await bench.client.enroll({
        personId: person.id,
        image: { content: photo.bytes },
        imageName: photo.name,
      });
      enrolled += 1;
    } catch (error) {
      refused.push(`${photo.name}: ${(error as Error).message}`);
    }
  }
  await bench.client.refreshGallery();
  return { enrolled, refused };
}

const answerOf = (result: IdentifyResult): Answer => ({
  faces: result.faces.length,
  people: result.faces.flatMap((face) => (face.match ? [face.match.personName] : [])).sort(),
});

const sameAnswer = (a: Answer, b: Answer) =>
  a.faces === b.faces && a.people.join('|') === b.people.join('|');

function summarise(
  label: string,
  concurrency: number,
  latencies: number[],
  seconds: number,
  cpu: number | undefined,
): Pass {
  return {
    label,
    concurrency,
    images: latencies.length,
    seconds,
    imagesPerSecond: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    cpuPerImage: cpu === undefined ? undefined : cpu / latencies.length,
  };
}

async function baselinePass(
  baseline: Baseline,
  gallery: Gallery,
  threshold: number,
  photos: Photo[],
  label: string,
): Promise<{ pass: Pass; answers: Answer[] }> {
  const latencies: number[] = [];
  const answers: Answer[] = [];
  const cpu0 = cpuMs();
  const started = performance.now();
  for (const photo of photos) {
    const t0 = performance.now();
    const faces = await baseline.analyze(photo.bytes);
    const people = faces
      .flatMap((face) => {
        const { match } = gallery.identify(face.descriptor, threshold);
        return match ? [match.personName] : [];
      })
      .sort();
    latencies.push(performance.now() - t0);
    answers.push({ faces: faces.length, people });
  }
  const seconds = (performance.now() - started) / 1000;
  return { pass: summarise(label, 1, latencies, seconds, cpuMs() - cpu0), answers };
}

async function recognizerPass(
  bench: BenchRecognizer,
  photos: Photo[],
  concurrency: number,
  label: string,
): Promise<{ pass: Pass; answers: Answer[] }> {
  const latencies: number[] = [];
  const cpu0 = await bench.cpuMs();
  const started = performance.now();
  const answers = await mapConcurrent(photos, concurrency, async (photo) => {
    const t0 = performance.now();
    const result = await bench.client.identify({ content: photo.bytes });
    latencies.push(performance.now() - t0);
    return answerOf(result);
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu1 = await bench.cpuMs();
  return {
    pass: summarise(
      label,
      concurrency,
      latencies,
      seconds,
      cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0,
    ),
    answers,
  };
}

export interface ThroughputData {
  sets: Array<{
    set: string;
    photos: number;
    passes: Pass[];
    baselineImagesPerSecond: number;
    ratios: Record<number, number>;
    sameAnswers: number;
    differences: Array<{ photo: string; baseline: Answer; recognizer: Answer }>;
  }>;
  baselineGallery: { descriptors: number; people: number };
  identifications: number;
}

export async function throughput(
  ctx: BenchContext,
  bench: BenchRecognizer,
  baseline: Baseline,
  setup: ThroughputSetup,
): Promise<SectionResult & { data: ThroughputData }> {
  const description = await bench.describe();
  const strategy: MatchStrategy = /nearest photo/.test(description.detector) ? 'nearest' : 'mean';
  // The baseline's gallery: its own descriptors of the same enrollment photos, the same rules.
  ctx.log(`throughput: baseline encodes the ${setup.enrollment.length} enrollment photos`);
  const ids = new Map<string, number>();
  const entries: GalleryEntry[] = [];
  for (const [index, photo] of setup.enrollment.entries()) {
    const faces = await baseline.analyze(photo.bytes);
    if (faces.length !== 1) continue;
    const personName = setup.enrollmentPeople[index]!;
    if (!ids.has(personName)) ids.set(personName, ids.size + 1);
    entries.push({ personId: ids.get(personName)!, personName, descriptor: faces[0]!.descriptor });
  }
  const gallery = new Gallery(entries, strategy);
  const threshold = description.matchThreshold;
  const sets: ThroughputData['sets'] = [];
  let identifications = 0;
  const repeats = { small: 1, large: ctx.quick ? 1 : 3 };
  for (const [set, photos] of [
    ['small', setup.small],
    ['large', setup.large],
  ] as const) {
    const list = Array.from({ length: repeats[set] }, () => photos).flat();
    ctx.log(`throughput: ${set} photos (${list.length} identifications per pass)`);
    const passes: Pass[] = [];
    const before = await baselinePass(baseline, gallery, threshold, list, 'baseline (before)');
    passes.push(before.pass);
    let recognizerAnswers: Answer[] | undefined;
    for (const concurrency of CONCURRENCIES) {
      const run = await recognizerPass(
        bench,
        list,
        concurrency,
        `recognizer, concurrency ${concurrency}`,
      );
      identifications += list.length;
      passes.push(run.pass);
      recognizerAnswers ??= run.answers;
    }
    const after = await baselinePass(baseline, gallery, threshold, list, 'baseline (after)');
    passes.push(after.pass);
    const baselineRate = mean([before.pass.imagesPerSecond, after.pass.imagesPerSecond]);
    const ratios = Object.fromEntries(
      passes
        .filter((pass) => pass.label.startsWith('recognizer'))
        .map((pass) => [pass.concurrency, pass.imagesPerSecond / baselineRate]),
    );
    const differences: ThroughputData['sets'][number]['differences'] = [];
    let sameAnswers = 0;
    photos.forEach((photo, index) => {
      const ours = recognizerAnswers![index]!;
      const theirs = before.answers[index]!;
      if (sameAnswer(ours, theirs)) sameAnswers += 1;
      else differences.push({ photo: photo.name, baseline: theirs, recognizer: ours });
    });
    sets.push({
      set,
      photos: photos.length,
      passes,
      baselineImagesPerSecond: baselineRate,
      ratios,
      sameAnswers,
      differences,
    });
  }

  const text: string[] = [];
  for (const entry of sets) {
    const sizes = entry.set === 'small' ? 'longest side ≤ 640 px' : '≥ 1920×1080 pixels';
    text.push(
      `**${entry.set} photos** (${entry.photos} photos, ${sizes}${entry.set === 'large' && repeats.large > 1 ? `, each identified ${repeats.large}× per pass` : ''}):`,
      '',
      table(
        ['', 'images/s', 'vs baseline', 'p50 ms', 'p95 ms', 'CPU ms/image'],
        entry.passes.map((pass) => [
          pass.label,
          fixed(pass.imagesPerSecond, 2),
          pass.label.startsWith('recognizer')
            ? `${fixed(entry.ratios[pass.concurrency]!, 2)}×`
            : '',
          fixed(pass.p50, 0),
          fixed(pass.p95, 0),
          pass.cpuPerImage === undefined ? '' : fixed(pass.cpuPerImage, 0),
        ]),
      ),
      '',
      `Same answers as the baseline (number of faces and matched people): ${entry.sameAnswers}/${entry.photos}.` +
        (entry.differences.length
          ? ` Differences: ${entry.differences
              .map(
                (diff) =>
                  `${diff.photo} (baseline ${diff.baseline.faces} face(s) [${diff.baseline.people.join(', ')}], recognizer ${diff.recognizer.faces} [${diff.recognizer.people.join(', ')}])`,
              )
              .join('; ')}.`
          : ''),
      '',
    );
  }
  text.push(
    `Baseline gallery: ${gallery.size} descriptors of ${gallery.people} people (its own encodings of the enrollment photos, same match rule); threshold ${threshold}. Fixtures: ${FIXTURES}.`,
  );
  return {
    title: 'Throughput and latency (Identify over gRPC vs the straightforward way)',
    text: text.join('\n'),
    data: {
      sets,
      baselineGallery: { descriptors: gallery.size, people: gallery.people },
      identifications,
    },
  };
}
