import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { LevelWithSilent } from 'pino';
import {
  inferenceTimeoutShape,
  recognizerSecretShape,
  resolveDatabaseUrl,
  resolveImagesRoot,
} from '../lib/config/common.js';
import {
  ConfigError,
  databaseUrl,
  logLevel,
  nonNegativeInt,
  parseEnv,
  positiveInt,
  type Env,
} from '../lib/config/env.js';
import {
  DETECTORS,
  INFERENCE_BACKENDS,
  type DetectorName,
  type InferenceBackendPreference,
} from './inference-protocol.js';
import { MATCH_STRATEGIES, type MatchStrategy } from './gallery.js';

/**
 * The match rule's defaults (recognizer/match-policy.ts), chosen with `npm run bench:accuracy`
 * on LFW and on the pairs set (docs/performance.md). Small faces (LFW's 150 px crops: faces of
 * 30–80 px) keep the LFW threshold, the highest at which at most 1% of strangers are accepted;
 * large faces (press photos: 100–700 px) get the middle of the range that accepts every
 * same-person pair of the pairs set and no different-person pair (0.57–0.62), which is also
 * face_recognition's tolerance; in between the threshold grows linearly.
 */
export const DEFAULT_MATCH_THRESHOLD = 0.44;
export const DEFAULT_MATCH_THRESHOLD_LARGE = 0.6;
export const DEFAULT_SMALL_FACE_SIZE = 80;
export const DEFAULT_LARGE_FACE_SIZE = 112;
/** Below these a face is not identified (TOO_SMALL / TOO_BLURRED). */
export const DEFAULT_MIN_FACE_SIZE = 20;
export const DEFAULT_MIN_FACE_SHARPNESS = 0.15;
/** Enrollment refuses faces below these (FACE_TOO_SMALL, FACE_TOO_BLURRED, FACE_NOT_FRONTAL). */
export const DEFAULT_ENROLL_MIN_FACE_SIZE = 40;
export const DEFAULT_ENROLL_MIN_SHARPNESS = 0.25;
export const DEFAULT_ENROLL_MAX_YAW = 45;

/**
 * The square SSD MobileNet looks at. face-api uses 512; the network is convolutional and runs
 * at any multiple of 32 (recognizer/fast-ssd.ts places the anchors). 448 costs ~23% less per
 * photo; both worlds still meet their bar with it (docs/performance.md); 384 loses faces.
 */
export const DEFAULT_SSD_INPUT_SIZE = 448;

/**
 * When a face's descriptor is averaged with its mirror image's: `small` — on photos enlarged
 * by the small-photo path, whose faces are blurry and whose descriptors gain the most (LFW:
 * docs/performance.md); `always`; `never`. `true`/`false` mean `always`/`never`.
 */
export const MIRROR_POLICIES = ['small', 'always', 'never'] as const;
export type MirrorPolicy = (typeof MIRROR_POLICIES)[number];

export interface RecognizerConfig {
  /** mysql://… (the source of truth for enrolled descriptors). */
  databaseUrl: string;
  /** Absolute; Identify/Enroll paths must resolve inside it. */
  imagesRoot: string;
  /** Absolute; enrolled at start when set. */
  knownPeopleDir: string | undefined;
  host: string;
  port: number;
  /** Small faces (≤ smallFaceSize px) match a person only when their distance is strictly below this. */
  matchThreshold: number;
  /** The same for large faces (≥ largeFaceSize px); linear in between. */
  matchThresholdLarge: number;
  smallFaceSize: number;
  largeFaceSize: number;
  /** Faces smaller or less sharp than these are marked unidentifiable instead of matched. */
  minFaceSize: number;
  minFaceSharpness: number;
  /** Enrollment refuses faces smaller, less sharp or turned further than these. */
  enrollMinFaceSize: number;
  enrollMinSharpness: number;
  enrollMaxYaw: number;
  /** `mean`: distance to the mean of a person's descriptors; `nearest`: to their closest photo. */
  matchStrategy: MatchStrategy;
  /** Which faces get their descriptor averaged with their mirror image's (MirrorPolicy). */
  mirrorAverage: MirrorPolicy;
  /** `ssd` (SSD MobileNet v1, the default) or `tiny` (TinyFaceDetector). */
  detector: DetectorName;
  /** SSD minConfidence / TinyFaceDetector scoreThreshold. */
  minDetectionScore: number;
  /** TinyFaceDetector input size (multiple of 32). */
  tinyInputSize: number;
  /** SSD MobileNet input square (multiple of 32); face-api uses 512. */
  ssdInputSize: number;
  /** Photos whose longest side is below this get a black border before detection (0: never). */
  smallPhotoSide: number;
  /** That border on each side, as a fraction of the photo's longest side (0: none). */
  smallPhotoPadding: number;
  inferenceWorkers: number;
  /** `auto`: tfjs-node when it loads, else wasm. */
  inferenceBackend: InferenceBackendPreference;
  /** Decompression-bomb limit: images with more pixels are refused (IMAGE_TOO_LARGE). */
  maxImagePixels: number;
  /** Largest encoded image accepted by path or bytes (also the gRPC message limit). */
  maxImageBytes: number;
  /** Images are scaled down to this longest side before inference (boxes are scaled back). */
  inferenceMaxSide: number;
  /** A worker busy longer than this on one image is restarted; the call fails retryably. */
  inferenceTimeoutMs: number;
  /** Calls waiting for a worker beyond this many are refused with RESOURCE_EXHAUSTED. */
  inferenceQueueLimit: number;
  /** How often galleryVersion() is polled; 0 disables polling. */
  galleryRefreshMs: number;
  /** How long SIGTERM waits for in-flight calls before cutting them off. */
  shutdownGraceMs: number;
  /** Every Recognizer call must carry it (`authorization: Bearer …`); health checks need none. */
  secret: string;
  logLevel: LevelWithSilent;
  /**
   * Test-only fault switch FACETRAIL_FAULT_CRASH_PATH: Identify on a path containing it kills
   * the process once inference starts (recognizer/fault-injection.ts). Undefined in production.
   */
  faultCrashPath: string | undefined;
}

const optionalPort = z.coerce.number().int().min(0).max(65535).optional();

const fraction = (fallback: number, min: number, max: number) =>
  z.coerce.number().min(min).max(max).default(fallback);

const shape = (cores: number) => ({
  DATABASE_URL: databaseUrl,
  DATA_DIR: z.string().default('./data'),
  IMAGES_ROOT: z.string().optional(),
  KNOWN_PEOPLE_DIR: z.string().optional(),
  RECOGNIZER_HOST: z.string().default('0.0.0.0'),
  RECOGNIZER_PORT: optionalPort,
  PORT: optionalPort,
  MATCH_THRESHOLD: fraction(DEFAULT_MATCH_THRESHOLD, 0, 2),
  MATCH_THRESHOLD_LARGE: fraction(DEFAULT_MATCH_THRESHOLD_LARGE, 0, 2),
  SMALL_FACE_SIZE: z.coerce.number().int().min(0).max(4096).default(DEFAULT_SMALL_FACE_SIZE),
  LARGE_FACE_SIZE: z.coerce.number().int().min(0).max(4096).default(DEFAULT_LARGE_FACE_SIZE),
  MIN_FACE_SIZE: z.coerce.number().int().min(0).max(4096).default(DEFAULT_MIN_FACE_SIZE),
  MIN_FACE_SHARPNESS: fraction(DEFAULT_MIN_FACE_SHARPNESS, 0, 10),
  ENROLL_MIN_FACE_SIZE: z.coerce
    .number()
    .int()
    .min(0)
    .max(4096)
    .default(DEFAULT_ENROLL_MIN_FACE_SIZE),
  ENROLL_MIN_SHARPNESS: fraction(DEFAULT_ENROLL_MIN_SHARPNESS, 0, 10),
  ENROLL_MAX_YAW: fraction(DEFAULT_ENROLL_MAX_YAW, 0, 90),
  MATCH_STRATEGY: z.enum(MATCH_STRATEGIES, { error: 'expected mean or nearest' }).default('mean'),
  MIRROR_AVERAGE: z
    .enum([...MIRROR_POLICIES, 'true', 'false'], { error: 'expected small, always or never' })
    .default('small')
    .transform((value): MirrorPolicy =>
      value === 'true' ? 'always' : value === 'false' ? 'never' : value,
    ),
  MIN_DETECTION_SCORE: fraction(0.5, 0.05, 0.99),
  DETECTOR: z.enum(DETECTORS, { error: 'expected ssd or tiny' }).default('ssd'),
  TINY_INPUT_SIZE: z.coerce
    .number()
    .int()
    .min(128)
    .max(1024)
    .refine((value) => value % 32 === 0, 'expected a multiple of 32 (e.g. 320, 416, 512)')
    .default(416),
  SSD_INPUT_SIZE: z.coerce
    .number()
    .int()
    .min(128)
    .max(1024)
    .refine((value) => value % 32 === 0, 'expected a multiple of 32 (e.g. 384, 448, 512)')
    .default(DEFAULT_SSD_INPUT_SIZE),
  SMALL_PHOTO_SIDE: z.coerce.number().int().min(0).max(4096).default(300),
  SMALL_PHOTO_PADDING: fraction(0.5, 0, 2),
  INFERENCE_WORKERS: z.coerce.number().int().min(1).max(64).default(cores),
  INFERENCE_BACKEND: z
    .enum(INFERENCE_BACKENDS, { error: 'expected auto, wasm or tensorflow' })
    .default('auto'),
  MAX_IMAGE_PIXELS: positiveInt(40_000_000),
  MAX_IMAGE_BYTES: positiveInt(32 * 1024 * 1024),
  INFERENCE_MAX_SIDE: z.coerce.number().int().min(256).max(16_384).default(1024),
  ...inferenceTimeoutShape,
  INFERENCE_QUEUE_LIMIT: positiveInt(256),
  GALLERY_REFRESH_MS: nonNegativeInt(5000),
  SHUTDOWN_GRACE_MS: nonNegativeInt(10_000),
  ...recognizerSecretShape,
  LOG_LEVEL: logLevel,
  // Test-only (recognizer/README.md): never set it in production.
  FACETRAIL_FAULT_CRASH_PATH: z.string().optional(),
});

/**
 * Reads the recognizer's configuration once, at start. RECOGNIZER_PORT wins over PORT
 * (PORT is what a Knative-style platform sets; RECOGNIZER_PORT is the standalone name).
 * Relative directories are resolved against the working directory.
 */
export function loadRecognizerConfig(
  env: Env,
  { cores = os.availableParallelism(), cwd = process.cwd() } = {},
): RecognizerConfig {
  const parsed = parseEnv(shape(cores), env);
  if (parsed.LARGE_FACE_SIZE < parsed.SMALL_FACE_SIZE) {
    throw new ConfigError(
      `invalid configuration:\n  LARGE_FACE_SIZE: must not be smaller than SMALL_FACE_SIZE (${parsed.SMALL_FACE_SIZE})`,
    );
  }
  return {
    databaseUrl: resolveDatabaseUrl(parsed, cwd),
    imagesRoot: resolveImagesRoot(parsed, cwd),
    knownPeopleDir:
      parsed.KNOWN_PEOPLE_DIR === undefined
        ? undefined
        : path.resolve(cwd, parsed.KNOWN_PEOPLE_DIR),
    host: parsed.RECOGNIZER_HOST,
    port: parsed.RECOGNIZER_PORT ?? parsed.PORT ?? 50051,
    matchThreshold: parsed.MATCH_THRESHOLD,
    matchThresholdLarge: parsed.MATCH_THRESHOLD_LARGE,
    smallFaceSize: parsed.SMALL_FACE_SIZE,
    largeFaceSize: parsed.LARGE_FACE_SIZE,
    minFaceSize: parsed.MIN_FACE_SIZE,
    minFaceSharpness: parsed.MIN_FACE_SHARPNESS,
    enrollMinFaceSize: parsed.ENROLL_MIN_FACE_SIZE,
    enrollMinSharpness: parsed.ENROLL_MIN_SHARPNESS,
    enrollMaxYaw: parsed.ENROLL_MAX_YAW,
    matchStrategy: parsed.MATCH_STRATEGY,
    mirrorAverage: parsed.MIRROR_AVERAGE,
    detector: parsed.DETECTOR,
    minDetectionScore: parsed.MIN_DETECTION_SCORE,
    tinyInputSize: parsed.TINY_INPUT_SIZE,
    ssdInputSize: parsed.SSD_INPUT_SIZE,
    smallPhotoSide: parsed.SMALL_PHOTO_SIDE,
    smallPhotoPadding: parsed.SMALL_PHOTO_PADDING,
    inferenceWorkers: parsed.INFERENCE_WORKERS,
    inferenceBackend: parsed.INFERENCE_BACKEND,
    maxImagePixels: parsed.MAX_IMAGE_PIXELS,
    maxImageBytes: parsed.MAX_IMAGE_BYTES,
    inferenceMaxSide: parsed.INFERENCE_MAX_SIDE,
    inferenceTimeoutMs: parsed.INFERENCE_TIMEOUT_MS,
    inferenceQueueLimit: parsed.INFERENCE_QUEUE_LIMIT,
    galleryRefreshMs: parsed.GALLERY_REFRESH_MS,
    shutdownGraceMs: parsed.SHUTDOWN_GRACE_MS,
    secret: parsed.RECOGNIZER_SECRET,
    logLevel: parsed.LOG_LEVEL,
    faultCrashPath: parsed.FACETRAIL_FAULT_CRASH_PATH || undefined,
  };
}
