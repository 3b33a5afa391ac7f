/**
 * Accuracy over both worlds, per candidate rule: LFW identification (150 px crops: small,
 * blurry faces), verification on the pairs set (press photos: large, sharp faces) and the
 * fixture probes (group photos of the enrolled people), plus the TAR/FAR curve of a single
 * fixed threshold on each. The faces are computed once per pipeline (LocalRecognizer: the
 * recognizer's own decode and workers); the rules are applied offline to the same faces.
 * The default rule is recognizer/match-policy.ts itself, with the recognizer's defaults.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FaceQuality } from '../../lib/recognizer/protocol.js';
import type { RecognizerConfig } from '../../recognizer/config.js';
import { enrollmentRefusal, type EnrollmentQuality } from '../../recognizer/enroller.js';
import { MatchPolicy } from '../../recognizer/match-policy.js';
import type { BenchContext } from './context.js';
import { subjectFace, type LfwPhoto } from './lfw-eval.js';
import type { LocalRecognizer } from './local.js';
import { FIXTURES, lfwPeople, loadPhoto } from './photos.js';
import { fixed, mapConcurrent, pct, table } from './stats.js';
import type { Box } from '../../lib/box.js';

export interface Face {
  box: Box;
  score: number;
  descriptor: Float32Array;
  quality: FaceQuality;
}

interface PhotoFaces {
  name: string;
  width: number;
  height: number;
  faces: Face[];
}

export interface Worlds {
  lfw: Map<string, LfwPhoto[]>;
  /** pairs/images file name → faces. */
  pairsPhotos: Map<string, PhotoFaces>;
  pairs: Array<{ x: string; y: string; same: boolean }>;
  probes: PhotoFaces[];
  labels: Record<string, string[]>;
  /** faces/known: person → photos. */
  known: Map<string, PhotoFaces[]>;
  msPerPhoto: number;
}

const LFW_FOLDS = 6;
const LFW_ENROLL_PHOTOS = 5;

/** What scans the photos: the recognizer's pool (LocalRecognizer) or an in-thread variant. */
export interface PhotoAnalyzer {
  analyze: LocalRecognizer['analyze'];
  /** Photos in flight at once. */
  concurrency: number;
  label: string;
}

/** Runs every photo of the three sets through one pipeline. */
export async function scanWorlds(ctx: BenchContext, local: PhotoAnalyzer): Promise<Worlds> {
  const jobs: Array<{ kind: 'lfw' | 'pairs' | 'probes' | 'known'; group: string; file: string }> =
    [];
  for (const [person, files] of await lfwPeople())
    for (const file of files) jobs.push({ kind: 'lfw', group: person, file });
  const pairsDir = path.join(FIXTURES, 'pairs/images');
  for (const file of (await readdir(pairsDir)).sort())
    jobs.push({ kind: 'pairs', group: '', file: path.join(pairsDir, file) });
  const probesDir = path.join(FIXTURES, 'faces/probes');
  const labels = JSON.parse(await readFile(path.join(probesDir, 'labels.json'), 'utf8')) as Record<
    string,
    string[]
  >;
  for (const file of Object.keys(labels).sort())
    jobs.push({ kind: 'probes', group: '', file: path.join(probesDir, file) });
  const knownDir = path.join(FIXTURES, 'faces/known');
  for (const person of (await readdir(knownDir)).sort())
    for (const file of (await readdir(path.join(knownDir, person))).sort())
      jobs.push({ kind: 'known', group: person, file: path.join(knownDir, person, file) });

  ctx.log(`worlds: ${jobs.length} photos (LFW, pairs, probes, known), ${local.label}`);
  const started = performance.now();
  const results = await mapConcurrent(jobs, local.concurrency, async (job) => {
    const photo = await loadPhoto(job.file);
    const analysis = await local.analyze(photo.bytes);
    return {
      job,
      photo: {
        name: path.basename(job.file),
        width: analysis.width,
        height: analysis.height,
        faces: analysis.faces,
      } satisfies PhotoFaces,
    };
  });
  const msPerPhoto = (performance.now() - started) / jobs.length;

  const lfw = new Map<string, LfwPhoto[]>();
  const pairsPhotos = new Map<string, PhotoFaces>();
  const probes: PhotoFaces[] = [];
  const known = new Map<string, PhotoFaces[]>();
  for (const { job, photo } of results) {
    if (job.kind === 'lfw') {
      const list = lfw.get(job.group) ?? [];
      list.push({ ...photo, person: job.group, name: `lfw/${job.group}/${photo.name}` });
      lfw.set(job.group, list);
    } else if (job.kind === 'pairs') pairsPhotos.set(photo.name, photo);
    else if (job.kind === 'probes') probes.push(photo);
    else known.set(job.group, [...(known.get(job.group) ?? []), photo]);
  }
  const csv = await readFile(path.join(FIXTURES, 'pairs/pairs.csv'), 'utf8');
  const pairs = csv
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [x, y, decision] = line.split(',').map((cell) => cell.trim());
      return { x: x!, y: y!, same: decision === 'Yes' };
    });
  return { lfw, pairsPhotos, pairs, probes, labels, known, msPerPhoto };
}

// ---------------------------------------------------------------------------------------
// Candidate rules

/** One enrolled person as a rule sees them. */
export interface Enrolled {
  name: string;
  mean: Float32Array;
  /** The median size of the enrolled faces (what the recognizer's gallery keeps per person). */
  faceSize: number;
  /** Each enrollment photo's distance to the mean (per-person statistics). */
  spread: number[];
}

export interface Ranked {
  person: Enrolled;
  distance: number;
}

export interface Rule {
  name: string;
  what: string;
  /** The person a face is taken to be, or undefined. `ranked`: every enrolled person, nearest first. */
  decide(face: Face, ranked: readonly Ranked[]): string | undefined;
}

const fixedRule = (threshold: number, what: string): Rule => ({
  name: `fixed ${threshold.toFixed(2)}`,
  what,
  decide: (_face, [best]) => (best && best.distance < threshold ? best.person.name : undefined),
});

/** The recognizer's match policy with these settings (the default rule is the real code). */
export const policyRule = (
  name: string,
  what: string,
  settings: ConstructorParameters<typeof MatchPolicy>[0],
): Rule => {
  const policy = new MatchPolicy(settings);
  return {
    name,
    what,
    decide: (face, [best]) =>
      policy.decide(
        face.quality,
        best && {
          personId: 0,
          personName: best.person.name,
          distance: best.distance,
          enrolledFaceSize: best.person.faceSize,
        },
      ).match?.personName,
  };
};

/** The candidates, the recognizer's default rule first. */
export function candidateRules(defaults: RecognizerConfig): Rule[] {
  const noMarks = { ...defaults, minFaceSize: 0, minFaceSharpness: 0 };
  return [
    policyRule(
      'size threshold (default)',
      `MATCH_THRESHOLD ${defaults.matchThreshold} for faces up to ${defaults.smallFaceSize} px, MATCH_THRESHOLD_LARGE ${defaults.matchThresholdLarge} from ${defaults.largeFaceSize} px, linear between; faces under ${defaults.minFaceSize} px or sharpness ${defaults.minFaceSharpness} unidentifiable`,
      defaults,
    ),
    policyRule(
      'size threshold, no quality marks',
      'the default without marking small or blurred faces unidentifiable',
      noMarks,
    ),
    fixedRule(0.44, 'one threshold, 0.44 (the previous default, chosen on LFW)'),
    fixedRule(0.5, 'one threshold, 0.50'),
    fixedRule(0.6, "one threshold, 0.60 (face_recognition's tolerance)"),
    {
      name: 'margin 0.52/0.10',
      what: 'the nearest person within 0.52 and at least 0.10 nearer than the second',
      decide: (_face, [best, second]) =>
        best && best.distance < 0.52 && (!second || second.distance - best.distance >= 0.1)
          ? best.person.name
          : undefined,
    },
    {
      name: 'margin 0.58/0.15',
      what: 'the nearest person within 0.58 and at least 0.15 nearer than the second',
      decide: (_face, [best, second]) =>
        best && best.distance < 0.58 && (!second || second.distance - best.distance >= 0.15)
          ? best.person.name
          : undefined,
    },
    {
      name: 'per-person spread',
      what: "0.44 scaled by the person's own spread (mean distance of their enrollment photos to their mean) over the gallery's median spread, at most 0.60; one photo: 0.44",
      decide: (() => {
        const medians = new WeakMap<readonly Ranked[], number>();
        return (_face: Face, ranked: readonly Ranked[]) => {
          const best = ranked[0];
          if (!best) return undefined;
          let median = medians.get(ranked);
          if (median === undefined) {
            const spreads = ranked
              .map((entry) => meanOf(entry.person.spread))
              .filter((value) => value > 0)
              .sort((a, b) => a - b);
            median = spreads[Math.floor(spreads.length / 2)] ?? 0;
            medians.set(ranked, median);
          }
          const own = meanOf(best.person.spread);
          const threshold = own > 0 && median > 0 ? Math.min(0.6, (0.44 * own) / median) : 0.44;
          return best.distance < threshold ? best.person.name : undefined;
        };
      })(),
    },
  ];
}

// ---------------------------------------------------------------------------------------
// Evaluation

const meanOf = (values: readonly number[]) =>
  values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;

export function distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += ((a[i] as number) - (b[i] as number)) ** 2;
  return Math.sqrt(sum);
}

function enroll(name: string, faces: readonly Face[]): Enrolled {
  const descriptors = faces.map((face) => face.descriptor);
  const mean = new Float32Array(descriptors[0]!.length);
  for (const descriptor of descriptors)
    for (let i = 0; i < mean.length; i++) mean[i]! += descriptor[i]! / descriptors.length;
  const sizes = faces.map((face) => face.quality.size).sort((a, b) => a - b);
  const middle = Math.floor(sizes.length / 2);
  return {
    name,
    mean,
    faceSize: sizes.length % 2 ? sizes[middle]! : (sizes[middle - 1]! + sizes[middle]!) / 2,
    spread: descriptors.length > 1 ? descriptors.map((d) => distance(d, mean)) : [],
  };
}

const rank = (gallery: readonly Enrolled[], face: Face): Ranked[] =>
  gallery
    .map((person) => ({ person, distance: distance(face.descriptor, person.mean) }))
    .sort((a, b) => a.distance - b.distance);

const largestFace = (photo: PhotoFaces | undefined): Face | undefined =>
  photo?.faces.reduce<Face | undefined>(
    (best, face) =>
      !best || face.box.width * face.box.height > best.box.width * best.box.height ? face : best,
    undefined,
  );

/** The Enroller's rules: exactly one face, and good enough to enroll. */
const enrollable = (photo: PhotoFaces, limits: EnrollmentQuality): Face | undefined =>
  photo.faces.length === 1 && !enrollmentRefusal(photo.faces[0]!.quality, limits, photo.name)
    ? photo.faces[0]
    : undefined;

export interface LfwOutcome {
  probes: number;
  identified: number;
  wrongPerson: number;
  strangers: number;
  strangersAccepted: number;
  refusedForEnrollment: number;
}

/**
 * LFW, 6 folds: 50 people enrolled with their first 5 photos the Enroller accepts, their other
 * photos identified (the face nearest the centre), and 10 other people (all their photos) as
 * strangers. Every person is a stranger once.
 */
export function lfwIdentification(
  lfw: ReadonlyMap<string, LfwPhoto[]>,
  rule: Rule,
  limits: EnrollmentQuality,
): LfwOutcome {
  const names = [...lfw.keys()].sort();
  const outcome: LfwOutcome = {
    probes: 0,
    identified: 0,
    wrongPerson: 0,
    strangers: 0,
    strangersAccepted: 0,
    refusedForEnrollment: 0,
  };
  for (let fold = 0; fold < LFW_FOLDS; fold++) {
    const gallery: Enrolled[] = [];
    const probes: LfwPhoto[] = [];
    const strangers: LfwPhoto[] = [];
    names.forEach((person, index) => {
      const photos = lfw.get(person) ?? [];
      if (index % LFW_FOLDS === fold) {
        strangers.push(...photos);
        return;
      }
      // As a person would enroll: photos in order until five were accepted; the rest are probes.
      const enrolled: Face[] = [];
      for (const photo of photos) {
        if (enrolled.length >= LFW_ENROLL_PHOTOS) probes.push(photo);
        else {
          const face = enrollable(photo, limits);
          if (face) enrolled.push(face);
          else outcome.refusedForEnrollment += 1;
        }
      }
      if (enrolled.length > 0) gallery.push(enroll(person, enrolled));
    });
    const decide = (photo: LfwPhoto) => {
      const face = subjectFace(photo) as Face | undefined;
      return face ? rule.decide(face, rank(gallery, face)) : undefined;
    };
    for (const photo of probes) {
      outcome.probes += 1;
      const answer = decide(photo);
      if (answer === photo.person) outcome.identified += 1;
      else if (answer !== undefined) outcome.wrongPerson += 1;
    }
    for (const photo of strangers) {
      outcome.strangers += 1;
      if (decide(photo) !== undefined) outcome.strangersAccepted += 1;
    }
  }
  return outcome;
}

export interface PairsOutcome {
  same: number;
  sameAccepted: number;
  different: number;
  differentAccepted: number;
  /** Pairs where a photo shows no face (counted as not accepted). */
  noFace: number;
}

/**
 * The pairs set as verification: the subject (largest face) of x is enrolled alone, the
 * subject of y is identified against it. A gallery of one: margin rules see no second person.
 */
export function pairsVerification(worlds: Worlds, rule: Rule): PairsOutcome {
  const outcome: PairsOutcome = {
    same: 0,
    sameAccepted: 0,
    different: 0,
    differentAccepted: 0,
    noFace: 0,
  };
  for (const pair of worlds.pairs) {
    const x = largestFace(worlds.pairsPhotos.get(pair.x));
    const y = largestFace(worlds.pairsPhotos.get(pair.y));
    let accepted = false;
    if (!x || !y) outcome.noFace += 1;
    else accepted = rule.decide(y, rank([enroll(pair.x, [x])], y)) !== undefined;
    if (pair.same) {
      outcome.same += 1;
      if (accepted) outcome.sameAccepted += 1;
    } else {
      outcome.different += 1;
      if (accepted) outcome.differentAccepted += 1;
    }
  }
  return outcome;
}

/** The fixture probes against faces/known: a photo is exact when the people found are exactly its labels. */
export function probeAnswers(
  worlds: Worlds,
  rule: Rule,
  limits: EnrollmentQuality,
): { exact: number; photos: number; wrong: string[] } {
  const gallery: Enrolled[] = [];
  for (const [person, photos] of worlds.known) {
    const faces = photos.flatMap((photo) => {
      const face = enrollable(photo, limits);
      return face ? [face] : [];
    });
    if (faces.length > 0) gallery.push(enroll(person, faces));
  }
  let exact = 0;
  const wrong: string[] = [];
  for (const photo of worlds.probes) {
    const found = photo.faces
      .map((face) => rule.decide(face, rank(gallery, face)))
      .filter((name): name is string => name !== undefined)
      .sort();
    const expected = [...(worlds.labels[photo.name] ?? [])].sort();
    if (found.join('|') === expected.join('|')) exact += 1;
    else wrong.push(`${photo.name}: [${found.join(', ')}] instead of [${expected.join(', ')}]`);
  }
  return { exact, photos: worlds.probes.length, wrong };
}

/** Every LFW person enrolled (first 5 photos the Enroller accepts). */
function lfwGallery(lfw: ReadonlyMap<string, LfwPhoto[]>, limits: EnrollmentQuality): Enrolled[] {
  const gallery: Enrolled[] = [];
  for (const [person, photos] of lfw) {
    const faces = photos
      .flatMap((photo) => {
        const face = enrollable(photo, limits);
        return face ? [face] : [];
      })
      .slice(0, LFW_ENROLL_PHOTOS);
    if (faces.length > 0) gallery.push(enroll(person, faces));
  }
  return gallery;
}

/**
 * Across the worlds: every face on the probes and faces/known (Obama, Biden, Harington,
 * Leslie, Lacamoire: none of them among the 60 LFW people) identified against all 60 LFW
 * people. Every accept is a false one: a large, sharp face taken for someone enrolled from
 * small, blurry ones. (The press photos cannot serve: some are of Jennifer Aniston, who is in
 * LFW.)
 */
export function crossWorld(
  worlds: Worlds,
  rule: Rule,
  limits: EnrollmentQuality,
): { faces: number; accepted: number } {
  const gallery = lfwGallery(worlds.lfw, limits);
  const photos = [...worlds.probes, ...[...worlds.known.values()].flat()];
  let faces = 0;
  let accepted = 0;
  for (const photo of photos)
    for (const face of photo.faces) {
      faces += 1;
      if (rule.decide(face, rank(gallery, face)) !== undefined) accepted += 1;
    }
  return { faces, accepted };
}

export interface CandidateResult {
  pipeline: string;
  rule: string;
  what: string;
  lfw: LfwOutcome;
  pairs: PairsOutcome;
  probes: { exact: number; photos: number; wrong: string[] };
  cross: { faces: number; accepted: number };
  msPerPhoto: number;
}

export function evaluate(
  pipeline: string,
  worlds: Worlds,
  rule: Rule,
  limits: EnrollmentQuality,
): CandidateResult {
  return {
    pipeline,
    rule: rule.name,
    what: rule.what,
    lfw: lfwIdentification(worlds.lfw, rule, limits),
    pairs: pairsVerification(worlds, rule),
    probes: probeAnswers(worlds, rule, limits),
    cross: crossWorld(worlds, rule, limits),
    msPerPhoto: worlds.msPerPhoto,
  };
}

/** The bar, at the default settings, and no face of one world taken for a person of the other. */
export function meetsBar(result: CandidateResult): boolean {
  const { lfw, pairs, probes } = result;
  return (
    lfw.identified >= 0.97 * lfw.probes &&
    lfw.strangersAccepted <= 0.01 * lfw.strangers &&
    pairs.sameAccepted >= pairs.same - 1 &&
    pairs.differentAccepted === 0 &&
    probes.exact === probes.photos &&
    result.cross.accepted === 0
  );
}

export const pairsAccuracy = (pairs: PairsOutcome) =>
  (pairs.sameAccepted + (pairs.different - pairs.differentAccepted)) /
  (pairs.same + pairs.different);

/**
 * For a descriptor on another scale (another model): the best single threshold on each world
 * — the highest with at most 1% of LFW strangers accepted, the highest with no different-person
 * pair accepted — each evaluated on both worlds.
 */
export function bestFixedRules(worlds: Worlds, limits: EnrollmentQuality): Rule[] {
  const grid = Array.from({ length: 181 }, (_, i) => Number((0.2 + i * 0.005).toFixed(3)));
  let onLfw: number | undefined;
  let onPairs: number | undefined;
  for (const threshold of grid) {
    const rule = fixedRule(threshold, '');
    const lfw = lfwIdentification(worlds.lfw, rule, limits);
    if (lfw.strangersAccepted <= 0.01 * lfw.strangers) onLfw = threshold;
    if (pairsVerification(worlds, rule).differentAccepted === 0) onPairs = threshold;
  }
  return [
    ...(onLfw === undefined
      ? []
      : [
          {
            ...fixedRule(onLfw, ''),
            name: `fixed ${onLfw} (best on LFW)`,
            what: 'the highest single threshold with ≤ 1% of LFW strangers accepted',
          },
        ]),
    ...(onPairs === undefined
      ? []
      : [
          {
            ...fixedRule(onPairs, ''),
            name: `fixed ${onPairs} (best on pairs)`,
            what: 'the highest single threshold with no different-person pair accepted',
          },
        ]),
  ];
}

export function candidatesTable(results: readonly CandidateResult[]): string {
  return table(
    [
      'pipeline',
      'rule',
      'LFW identified',
      'wrong person',
      'strangers accepted',
      'pairs: same accepted',
      'different accepted',
      'accuracy',
      'probes exact',
      'large faces taken for LFW people',
      'ms/photo (2 workers)',
      'meets the bar',
    ],
    results.map((result) => [
      result.pipeline,
      result.rule,
      `${pct(result.lfw.identified, result.lfw.probes)} (${result.lfw.identified}/${result.lfw.probes})`,
      pct(result.lfw.wrongPerson, result.lfw.probes),
      `${pct(result.lfw.strangersAccepted, result.lfw.strangers, 2)} (${result.lfw.strangersAccepted}/${result.lfw.strangers})`,
      `${result.pairs.sameAccepted}/${result.pairs.same}`,
      `${result.pairs.differentAccepted}/${result.pairs.different}`,
      pct(pairsAccuracy(result.pairs) * 1000, 1000),
      `${result.probes.exact}/${result.probes.photos}`,
      `${result.cross.accepted}/${result.cross.faces}`,
      fixed(result.msPerPhoto, 0),
      meetsBar(result) ? 'yes' : 'no',
    ]),
  );
}

/** TAR/FAR of one fixed threshold on each world, over a range; the default rule's point below it. */
export function curveTable(
  worlds: Worlds,
  limits: EnrollmentQuality,
  thresholds: readonly number[],
  defaultResult: CandidateResult,
): { text: string; rows: unknown[] } {
  const rows = thresholds.map((threshold) => {
    const rule = fixedRule(threshold, '');
    const lfw = lfwIdentification(worlds.lfw, rule, limits);
    const pairs = pairsVerification(worlds, rule);
    return { threshold, lfw, pairs };
  });
  const cells = rows.map(({ threshold, lfw, pairs }) => [
    fixed(threshold, 2),
    pct(lfw.identified, lfw.probes),
    pct(lfw.strangersAccepted, lfw.strangers, 2),
    pct(pairs.sameAccepted, pairs.same),
    pct(pairs.differentAccepted, pairs.different, 2),
  ]);
  cells.push([
    '**default rule**',
    pct(defaultResult.lfw.identified, defaultResult.lfw.probes),
    pct(defaultResult.lfw.strangersAccepted, defaultResult.lfw.strangers, 2),
    pct(defaultResult.pairs.sameAccepted, defaultResult.pairs.same),
    pct(defaultResult.pairs.differentAccepted, defaultResult.pairs.different, 2),
  ]);
  return {
    text: table(
      [
        'threshold',
        'LFW: true accepts (identified)',
        'LFW: false accepts (strangers)',
        'pairs: true accepts (same)',
        'pairs: false accepts (different)',
      ],
      cells,
    ),
    rows,
  };
}
