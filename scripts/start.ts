// `npm start`: every facetrail component on this machine, wired as on Knative.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../lib/config/env.js';
import { createRecognizerClient } from '../lib/recognizer-client.js';
import { adminTokenFor, loadStartConfig, type StartConfig } from './start-config.js';
import { runMigrations } from './migrate.js';
import { Supervisor, type ComponentSpec } from './supervisor.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = (relative: string) => path.join(root, relative);

function components(config: StartConfig, adminToken: string): ComponentSpec[] {
  const shared = { DATABASE_URL: config.databaseUrl, IMAGES_ROOT: config.imagesRoot };
  const recognizerAddress = `127.0.0.1:${config.ports.recognizer}`;
  return [
    {
      name: 'recognizer',
      entry: entry('recognizer/main.ts'),
      env: {
        ...shared,
        KNOWN_PEOPLE_DIR: config.knownPeopleDir,
        RECOGNIZER_PORT: String(config.ports.recognizer),
        RECOGNIZER_HOST: '127.0.0.1',
      },
    },
    {
      name: 'processor',
      entry: entry('functions/processor/main.ts'),
      env: {
        ...shared,
        RECOGNIZER_ADDRESS: recognizerAddress,
        PROCESSOR_PORT: String(config.ports.processor),
      },
    },
    {
      name: 'adapter',
      entry: entry('adapters/nsq-cloudevents/main.ts'),
      env: {
        // Knative's ContainerSource contract: the sink is the processor.
        K_SINK: `http://127.0.0.1:${config.ports.processor}`,
        NSQLOOKUPD_HTTP_ADDRESSES: config.lookupdHttpAddresses.join(','),
        NSQD_TCP_ADDRESS: config.nsqdTcpAddress,
        HEALTH_PORT: String(config.ports.adapter),
        // A fresh local nsqd has no topic until the first photo: look it up often.
        NSQ_LOOKUPD_POLL_INTERVAL_SECONDS: process.env.NSQ_LOOKUPD_POLL_INTERVAL_SECONDS ?? '2',
      },
    },
    {
      name: 'receiver',
      entry: entry('functions/receiver/main.ts'),
      env: {
        ...shared,
        NSQD_TCP_ADDRESS: config.nsqdTcpAddress,
        RECOGNIZER_ADDRESS: recognizerAddress,
        ADMIN_TOKEN: adminToken,
        RECEIVER_PORT: String(config.ports.receiver),
      },
    },
    {
      name: 'frontend',
      entry: entry('functions/frontend/main.ts'),
      env: { ...shared, FRONTEND_PORT: String(config.ports.frontend) },
    },
    {
      name: 'redeemer',
      entry: entry('functions/redeemer/main.ts'),
      // No PingSource here: a timer fires the sweep.
      env: {
        ...shared,
        NSQD_TCP_ADDRESS: config.nsqdTcpAddress,
        REDEEMER_PORT: String(config.ports.redeemer),
        REDEEM_INTERVAL_MS: process.env.REDEEM_INTERVAL_MS ?? '10000',
      },
    },
  ];
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

const waitUntilReady = (url: string, timeoutMs: number) =>
  waitUntil(async () => (await fetch(url)).ok, timeoutMs);

async function main(): Promise<void> {
  const config = loadStartConfig(process.env);
  await mkdir(config.imagesRoot, { recursive: true });
  await mkdir(config.knownPeopleDir, { recursive: true });
  const applied = await runMigrations({ DATABASE_URL: config.databaseUrl });
  console.log(
    `facetrail │ database ${applied.length > 0 ? `migrated (${applied.join(', ')})` : 'up to date'}`,
  );
  const adminToken = await adminTokenFor(config);
  const supervisor = new Supervisor(process.env);
  for (const spec of components(config, adminToken)) supervisor.start(spec);

  const shutdown = async (signal: string) => {
    console.log(`facetrail │ ${signal}: stopping every component`);
    await supervisor.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  const urls = {
    receiver: `http://127.0.0.1:${config.ports.receiver}`,
    frontend: `http://127.0.0.1:${config.ports.frontend}`,
    processor: `http://127.0.0.1:${config.ports.processor}`,
  };
  const recognizer = createRecognizerClient(`127.0.0.1:${config.ports.recognizer}`);
  const ready = await Promise.all([
    waitUntil(() => recognizer.checkHealth(), 120_000).finally(() => recognizer.close()),
    waitUntilReady(`${urls.receiver}/readyz`, 120_000),
    waitUntilReady(`${urls.frontend}/readyz`, 120_000),
    waitUntilReady(`${urls.processor}/readyz`, 120_000),
  ]);
  if (ready.every(Boolean)) {
    console.log(
      [
        'facetrail │ ready',
        `facetrail │   receiver  ${urls.receiver}   (POST /images)`,
        `facetrail │   frontend  ${urls.frontend}   (results page)`,
        `facetrail │   images root      ${config.imagesRoot}`,
        `facetrail │   known people dir ${config.knownPeopleDir}`,
        `facetrail │   admin token      ${config.adminToken ? '(from ADMIN_TOKEN)' : `${adminToken}  (kept in ${path.join(config.dataDir, 'admin-token')})`}`,
      ].join('\n'),
    );
  } else {
    console.log('facetrail │ some components are not ready after 120 s; see their logs above');
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `facetrail: ${error.message}` : error);
  process.exit(1);
});
