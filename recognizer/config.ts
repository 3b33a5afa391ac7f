import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { LevelWithSilent } from 'pino';
import { resolveDatabaseUrl, resolveImagesRoot } from '../lib/config/common.js';
import {
  databaseUrl,
  logLevel,
  nonNegativeInt,
  parseEnv,
  positiveInt,
  type Env,
} from '../lib/config/env.js';

export const INFERENCE_BACKENDS = ['auto', 'wasm', 'tensorflow'] as const;
export type InferenceBackendPreference = (typeof INFERENCE_BACKENDS)[number];

export interface RecognizerConfig {
  /** mysql://… (the source of truth for enrolled descriptors). */
  databaseUrl: string;
  /** Absolute; Identify/Enroll paths must resolve inside it. */
  imagesRoot: string;
  /** Absolute; enrolled at start when set. */
  knownPeopleDir: string | undefined;
  host: string;
  port: number;
  /** A face matches a person only when its distance is strictly below this. */
  matchThreshold: number;
  minDetectionScore: number;
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
  logLevel: LevelWithSilent;
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
  MATCH_THRESHOLD: fraction(0.6, 0, 2),
  MIN_DETECTION_SCORE: fraction(0.5, 0.05, 1),
  INFERENCE_WORKERS: z.coerce.number().int().min(1).max(64).default(cores),
  INFERENCE_BACKEND: z
    .enum(INFERENCE_BACKENDS, { error: 'expected auto, wasm or tensorflow' })
    .default('auto'),
  MAX_IMAGE_PIXELS: positiveInt(40_000_000),
  MAX_IMAGE_BYTES: positiveInt(32 * 1024 * 1024),
  INFERENCE_MAX_SIDE: z.coerce.number().int().min(256).max(16_384).default(2048),
  INFERENCE_TIMEOUT_MS: positiveInt(60_000),
  INFERENCE_QUEUE_LIMIT: positiveInt(256),
  GALLERY_REFRESH_MS: nonNegativeInt(5000),
  SHUTDOWN_GRACE_MS: nonNegativeInt(10_000),
  LOG_LEVEL: logLevel,
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
    minDetectionScore: parsed.MIN_DETECTION_SCORE,
    inferenceWorkers: parsed.INFERENCE_WORKERS,
    inferenceBackend: parsed.INFERENCE_BACKEND,
    maxImagePixels: parsed.MAX_IMAGE_PIXELS,
    maxImageBytes: parsed.MAX_IMAGE_BYTES,
    inferenceMaxSide: parsed.INFERENCE_MAX_SIDE,
    inferenceTimeoutMs: parsed.INFERENCE_TIMEOUT_MS,
    inferenceQueueLimit: parsed.INFERENCE_QUEUE_LIMIT,
    galleryRefreshMs: parsed.GALLERY_REFRESH_MS,
    shutdownGraceMs: parsed.SHUTDOWN_GRACE_MS,
    logLevel: parsed.LOG_LEVEL,
  };
}
