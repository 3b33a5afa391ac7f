import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { resolveDatabaseUrl } from '../lib/config/common.js';
import {
  ConfigError,
  databaseUrl,
  hostPort,
  hostPortList,
  nonNegativeInt,
  parseEnv,
  port,
  positiveInt,
  type Env,
} from '../lib/config/env.js';

/** What `facetrail start` needs: everything has a default, so a fresh clone just runs. */
export function loadStartConfig(env: Env, cwd = process.cwd()) {
  const parsed = parseEnv(
    {
      DATABASE_URL: databaseUrl,
      NSQD_TCP_ADDRESS: hostPort.optional(),
      NSQLOOKUPD_HTTP_ADDRESSES: hostPortList.optional(),
      DATA_DIR: z.string().default('./data'),
      IMAGES_ROOT: z.string().optional(),
      KNOWN_PEOPLE_DIR: z.string().optional(),
      ADMIN_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),
      SESSION_SECRET: z.string().min(32, 'use at least 32 characters').optional(),
      HOST: z.string().default('127.0.0.1'),
      RECEIVER_PORT: port(8080),
      FRONTEND_PORT: port(8081),
      PROCESSOR_PORT: port(8082),
      REDEEMER_PORT: port(8083),
      ADAPTER_PORT: port(8084),
      RECOGNIZER_PORT: port(50051),
      REDEEM_INTERVAL_MS: nonNegativeInt(10_000),
      MAX_ATTEMPTS: positiveInt(10),
      MAX_IN_FLIGHT: positiveInt(4),
    },
    env,
  );
  if (Boolean(parsed.NSQD_TCP_ADDRESS) !== Boolean(parsed.NSQLOOKUPD_HTTP_ADDRESSES)) {
    throw new ConfigError(
      'invalid configuration:\n  NSQD_TCP_ADDRESS and NSQLOOKUPD_HTTP_ADDRESSES: set both (run on NSQ) or neither (embedded queue)',
    );
  }
  const dataDir = path.resolve(cwd, parsed.DATA_DIR);
  return {
    databaseUrl: resolveDatabaseUrl({ DATABASE_URL: parsed.DATABASE_URL, DATA_DIR: dataDir }),
    nsq: parsed.NSQD_TCP_ADDRESS
      ? {
          nsqdTcpAddress: parsed.NSQD_TCP_ADDRESS,
          lookupdHttpAddresses: parsed.NSQLOOKUPD_HTTP_ADDRESSES ?? [],
        }
      : undefined,
    dataDir,
    imagesRoot: path.resolve(cwd, parsed.IMAGES_ROOT ?? path.join(dataDir, 'images')),
    knownPeopleDir: path.resolve(
      cwd,
      parsed.KNOWN_PEOPLE_DIR ?? path.join(dataDir, 'known_people'),
    ),
    adminToken: parsed.ADMIN_TOKEN,
    sessionSecret: parsed.SESSION_SECRET,
    host: parsed.HOST,
    ports: {
      receiver: parsed.RECEIVER_PORT,
      frontend: parsed.FRONTEND_PORT,
      processor: parsed.PROCESSOR_PORT,
      redeemer: parsed.REDEEMER_PORT,
      adapter: parsed.ADAPTER_PORT,
      recognizer: parsed.RECOGNIZER_PORT,
    },
    redeemIntervalMs: parsed.REDEEM_INTERVAL_MS,
    maxAttempts: parsed.MAX_ATTEMPTS,
    maxInFlight: parsed.MAX_IN_FLIGHT,
  };
}

export type StartConfig = ReturnType<typeof loadStartConfig>;

/** A secret kept in DATA_DIR (mode 600): read when there, generated once when not. */
async function keptSecret(dataDir: string, name: string): Promise<string> {
  const file = path.join(dataDir, name);
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  await mkdir(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** ADMIN_TOKEN, or one generated once and kept in DATA_DIR/admin-token (mode 600). */
export async function adminTokenFor(config: StartConfig): Promise<string> {
  return config.adminToken ?? keptSecret(config.dataDir, 'admin-token');
}

/** SESSION_SECRET (signs the frontend's session cookies), or one kept in DATA_DIR/session-secret. */
export async function sessionSecretFor(config: StartConfig): Promise<string> {
  return config.sessionSecret ?? keptSecret(config.dataDir, 'session-secret');
}
