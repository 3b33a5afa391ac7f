import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import {
  ConfigError,
  hostPort,
  hostPortList,
  parseEnv,
  port,
  type Env,
} from '../lib/config/env.js';
import { databaseUrl } from '../lib/config/env.js';

/** What `npm start` needs to run every component on this machine. */
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
      RECEIVER_PORT: port(8080),
      FRONTEND_PORT: port(8081),
      PROCESSOR_PORT: port(8082),
      REDEEMER_PORT: port(8083),
      ADAPTER_PORT: port(8084),
      RECOGNIZER_PORT: port(50051),
    },
    env,
  );
  const missing = [
    parsed.DATABASE_URL ? undefined : 'DATABASE_URL=mysql://user:password@host:3306/facetrail',
    parsed.NSQD_TCP_ADDRESS ? undefined : 'NSQD_TCP_ADDRESS=127.0.0.1:4150',
    parsed.NSQLOOKUPD_HTTP_ADDRESSES ? undefined : 'NSQLOOKUPD_HTTP_ADDRESSES=127.0.0.1:4161',
  ].filter(Boolean);
  if (missing.length > 0) {
    throw new ConfigError(
      `npm start runs facetrail on MySQL and NSQ for now; set:\n  ${missing.join('\n  ')}\n` +
        '(scripts/install-nsq.sh builds nsqd and nsqlookupd into tools/bin; the embedded defaults come with standalone mode)',
    );
  }
  const dataDir = path.resolve(cwd, parsed.DATA_DIR);
  return {
    databaseUrl: parsed.DATABASE_URL as string,
    nsqdTcpAddress: parsed.NSQD_TCP_ADDRESS as string,
    lookupdHttpAddresses: parsed.NSQLOOKUPD_HTTP_ADDRESSES as string[],
    dataDir,
    imagesRoot: path.resolve(cwd, parsed.IMAGES_ROOT ?? path.join(dataDir, 'images')),
    knownPeopleDir: path.resolve(
      cwd,
      parsed.KNOWN_PEOPLE_DIR ?? path.join(dataDir, 'known_people'),
    ),
    adminToken: parsed.ADMIN_TOKEN,
    ports: {
      receiver: parsed.RECEIVER_PORT,
      frontend: parsed.FRONTEND_PORT,
      processor: parsed.PROCESSOR_PORT,
      redeemer: parsed.REDEEMER_PORT,
      adapter: parsed.ADAPTER_PORT,
      recognizer: parsed.RECOGNIZER_PORT,
    },
  };
}

export type StartConfig = ReturnType<typeof loadStartConfig>;

/** ADMIN_TOKEN, or one generated once and kept in DATA_DIR/admin-token (mode 600). */
export async function adminTokenFor(config: StartConfig): Promise<string> {
  if (config.adminToken) return config.adminToken;
  const file = path.join(config.dataDir, 'admin-token');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  await mkdir(config.dataDir, { recursive: true });
  const token = randomBytes(24).toString('base64url');
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return token;
}
