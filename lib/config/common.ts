import path from 'node:path';
import { z } from 'zod';
import { DATABASE_DEFAULTS, sqliteUrl } from '../db/connect.js';
import {
  booleanFlag,
  databaseUrl,
  hostPort,
  logLevel,
  nonNegativeInt,
  positiveInt,
} from './env.js';

/** Variables several deployables share, with one meaning everywhere (README "Configuration"). */
export const databaseShape = {
  /** Unset: SQLite in DATA_DIR (standalone mode). */
  DATABASE_URL: databaseUrl,
  DATA_DIR: z.string().default('./data'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(DATABASE_DEFAULTS.poolSize),
  /** Queries that may wait for a pooled connection at once; more get 503 at once. */
  DATABASE_QUEUE_LIMIT: positiveInt(DATABASE_DEFAULTS.queueLimit),
  /** How long a query waits for a connection (connecting included) before a 503. */
  DATABASE_ACQUIRE_TIMEOUT_MS: positiveInt(DATABASE_DEFAULTS.acquireTimeoutMs),
  /** The server aborts a statement running longer; 0 for no limit (MySQL 8: SELECTs only). */
  DATABASE_STATEMENT_TIMEOUT_MS: nonNegativeInt(DATABASE_DEFAULTS.statementTimeoutMs),
};

/** What a deployable passes to connectDatabase besides the URL and the pool size. */
export function databaseLimits(parsed: {
  DATABASE_QUEUE_LIMIT: number;
  DATABASE_ACQUIRE_TIMEOUT_MS: number;
  DATABASE_STATEMENT_TIMEOUT_MS: number;
}) {
  return {
    queueLimit: parsed.DATABASE_QUEUE_LIMIT,
    acquireTimeoutMs: parsed.DATABASE_ACQUIRE_TIMEOUT_MS,
    statementTimeoutMs: parsed.DATABASE_STATEMENT_TIMEOUT_MS,
  };
}

/** DATABASE_URL, or the standalone default: SQLite at $DATA_DIR/facetrail.db. */
export function resolveDatabaseUrl(
  parsed: { DATABASE_URL?: string | undefined; DATA_DIR: string },
  cwd = process.cwd(),
): string {
  return parsed.DATABASE_URL ?? sqliteUrl(path.resolve(cwd, parsed.DATA_DIR, 'facetrail.db'));
}

export const queueShape = {
  /** Unset: the component needs a publisher handed to it (the standalone embedded queue). */
  NSQD_TCP_ADDRESS: hostPort.optional(),
  NSQ_TOPIC: z
    .string()
    .regex(/^[.a-zA-Z0-9_-]{1,64}$/, 'expected an NSQ topic name')
    .default('images'),
};

export const imagesRootShape = {
  /** Unset: $DATA_DIR/images (standalone mode). */
  IMAGES_ROOT: z.string().optional(),
};

/** IMAGES_ROOT as an absolute path, or the standalone default $DATA_DIR/images. */
export function resolveImagesRoot(
  parsed: { IMAGES_ROOT?: string | undefined; DATA_DIR: string },
  cwd = process.cwd(),
): string {
  return path.resolve(cwd, parsed.IMAGES_ROOT ?? path.join(parsed.DATA_DIR, 'images'));
}

export const recognizerAddressShape = {
  RECOGNIZER_ADDRESS: hostPort.default('127.0.0.1:50051'),
};

export const logShape = { LOG_LEVEL: logLevel };

/**
 * The recognizer's limit on one inference job (a worker busy longer is replaced and the call
 * fails as INFERENCE_TIMEOUT). The processor reads it too: its gRPC deadline
 * (RECOGNIZER_TIMEOUT_MS) must be longer, or it would give up on calls the recognizer still
 * works on and count them as the photo's attempts.
 */
export const inferenceTimeoutShape = {
  INFERENCE_TIMEOUT_MS: positiveInt(20_000),
};

/** Who may call: the bootstrap admin key, and how long a looked-up key is trusted. */
export const accessShape = {
  /** The bootstrap admin key; stored keys (`facetrail keys create`) work beside it. */
  ADMIN_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),
  /** A revoked key stops working on other pods within this many seconds. */
  KEY_CACHE_SECONDS: nonNegativeInt(10),
};

/** The shared secret every call to the recognizer carries (metadata `authorization: Bearer …`). */
export const recognizerSecretShape = {
  RECOGNIZER_SECRET: z
    .string({ error: 'set the shared secret of the recognizer (16+ characters, from a Secret)' })
    .min(16, 'use at least 16 characters'),
};

/**
 * How long results are kept (README "Privacy and access" says why these defaults): 72 hours
 * for every result, 24 hours for photos on which no known person was found. 0 keeps for ever.
 */
export const retentionShape = {
  RETENTION_HOURS: nonNegativeInt(72),
  RETENTION_UNKNOWN_HOURS: nonNegativeInt(24),
  /** Also delete the files cameras dropped under IMAGES_ROOT, not only facetrail's uploads. */
  PURGE_CAMERA_FILES: booleanFlag(false),
};

export function retentionPolicy(parsed: {
  RETENTION_HOURS: number;
  RETENTION_UNKNOWN_HOURS: number;
  PURGE_CAMERA_FILES: boolean;
}) {
  return {
    retentionHours: parsed.RETENTION_HOURS,
    retentionUnknownHours: parsed.RETENTION_UNKNOWN_HOURS,
    deleteCameraFiles: parsed.PURGE_CAMERA_FILES,
  };
}
