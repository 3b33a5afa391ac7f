// `npm start` / `facetrail start`: every facetrail component in this one process, wired as on
// Knative (each function on its own port, events POSTed to the processor's URL), on SQLite and
// an embedded queue unless DATABASE_URL and the NSQ addresses say otherwise.
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { http } from '@google-cloud/functions-framework';
import { loadAdapterConfig } from '../adapters/nsq-cloudevents/config.js';
import { startAdapter } from '../adapters/nsq-cloudevents/adapter.js';
import { startEmbeddedDelivery } from '../adapters/nsq-cloudevents/embedded.js';
import { loadFrontendConfig } from '../functions/frontend/config.js';
import { createFrontend } from '../functions/frontend/wiring.js';
import { loadProcessorConfig } from '../functions/processor/config.js';
import { createProcessor } from '../functions/processor/wiring.js';
import { loadReceiverConfig } from '../functions/receiver/config.js';
import { createReceiver } from '../functions/receiver/wiring.js';
import { loadRedeemerConfig } from '../functions/redeemer/config.js';
import { createRedeemer } from '../functions/redeemer/wiring.js';
import { ConfigError, type Env } from '../lib/config/env.js';
import { connectDatabase } from '../lib/db/connect.js';
import { ImageClaimsRepository } from '../lib/db/images/claims-repo.js';
import { DeadLettersRepository } from '../lib/db/dead-letters-repo.js';
import { recordDeadLetter } from '../lib/dead-letters.js';
import { migrate } from '../lib/db/migrate.js';
import { asHttpFunction } from '../lib/http/as-http-function.js';
import { serveFunction, type RunningFunctionServer } from '../lib/http/function-server.js';
import { createLogger, prettyDestination, type Logger } from '../lib/logger.js';
import { shutdownOnSignal } from '../lib/process/shutdown-on-signal.js';
import { MemoryQueue } from '../lib/queue/memory-queue.js';
import { loadRecognizerConfig } from '../recognizer/config.js';
import { RecognizerServer } from '../recognizer/server.js';
import { adminTokenFor, loadStartConfig, sessionSecretFor, type StartConfig } from './config.js';

export interface RunningFacetrail {
  urls: { receiver: string; frontend: string; processor: string; redeemer: string };
  adminToken: string;
  /** Resolves once the recognizer answers SERVING. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

const TOPIC = 'images';

/** Starts every component; `env` is the environment each component reads its settings from. */
export async function startFacetrail(
  env: Env,
  log: (line: string) => void,
): Promise<RunningFacetrail> {
  const config = loadStartConfig(env);
  const logLevel = (env.LOG_LEVEL as 'info' | undefined) ?? 'info';
  // JSON lines for machines; readable lines when a person watches (LOG_FORMAT overrides).
  const pretty = (env.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json')) === 'pretty';
  const destination = pretty ? prettyDestination() : undefined;
  const logger = (component: string): Logger => createLogger(component, logLevel, destination);
  await mkdir(config.imagesRoot, { recursive: true });
  await mkdir(config.knownPeopleDir, { recursive: true });

  const db = connectDatabase({ url: config.databaseUrl });
  const applied = await migrate(db);
  log(`database ${applied.length > 0 ? `migrated (${applied.join(', ')})` : 'up to date'}`);
  const adminToken = await adminTokenFor(config);
  const sessionSecret = await sessionSecretFor(config);
  // The recognizer listens on loopback here, but still only answers calls carrying its secret;
  // one per run is enough (every caller lives in this process).
  const recognizerSecret = env.RECOGNIZER_SECRET ?? randomBytes(24).toString('base64url');

  const local = (port: number) => `http://127.0.0.1:${port}`;
  // What every component reads: the user's environment, with the resolved locations and
  // ports; Knative's PORT never leaks into them.
  const componentEnv: Env = {
    ...env,
    PORT: undefined,
    DATABASE_URL: config.databaseUrl,
    DATA_DIR: config.dataDir,
    IMAGES_ROOT: config.imagesRoot,
    KNOWN_PEOPLE_DIR: config.knownPeopleDir,
    ADMIN_TOKEN: adminToken,
    SESSION_SECRET: sessionSecret,
    RECOGNIZER_SECRET: recognizerSecret,
    NSQ_TOPIC: TOPIC,
    RECOGNIZER_ADDRESS: `127.0.0.1:${config.ports.recognizer}`,
    RECOGNIZER_HOST: '127.0.0.1',
    RECOGNIZER_PORT: String(config.ports.recognizer),
    RECEIVER_PORT: String(config.ports.receiver),
    FRONTEND_PORT: String(config.ports.frontend),
    PROCESSOR_PORT: String(config.ports.processor),
    REDEEMER_PORT: String(config.ports.redeemer),
  };

  const recognizer = new RecognizerServer(loadRecognizerConfig(componentEnv), logger('recognizer'));
  // Warming the models takes seconds: the functions start meanwhile, and events that arrive
  // early get 503 from the processor and are retried with backoff. The failure, if any, is
  // reported by whoever awaits `ready`; it must not crash the process as unhandled meanwhile.
  const ready = recognizer.start();
  ready.catch(() => undefined);

  const queue = config.nsq ? undefined : new MemoryQueue();
  const overrides = queue ? { publisher: queue } : {};
  const receiverConfig = loadReceiverConfig(componentEnv);
  const receiver = createReceiver(receiverConfig, logger('receiver'), overrides);
  const processor = createProcessor(loadProcessorConfig(componentEnv), logger('processor'));
  const frontendConfig = loadFrontendConfig(componentEnv);
  const frontend = createFrontend(frontendConfig, logger('frontend'));
  const redeemer = createRedeemer(loadRedeemerConfig(componentEnv), logger('redeemer'), overrides);
  const functions = [
    {
      name: 'receiver',
      app: receiver,
      port: config.ports.receiver,
      maxBodyBytes: receiverConfig.maxUploadBytes,
      maxJsonBytes: receiverConfig.maxJsonBytes,
    },
    { name: 'processor', app: processor, port: config.ports.processor },
    {
      name: 'frontend',
      app: frontend,
      port: config.ports.frontend,
      maxBodyBytes: frontendConfig.maxUploadBytes,
      maxJsonBytes: frontendConfig.maxJsonBytes,
    },
    { name: 'redeemer', app: redeemer, port: config.ports.redeemer },
  ];
  const servers: RunningFunctionServer[] = [];
  let stopDelivery: () => Promise<void> = async () => undefined;
  let timer: NodeJS.Timeout | undefined;
  const stop = async () => {
    clearInterval(timer);
    // Deliveries first (those in flight finish against the processor), then the servers,
    // what the functions hold, the recognizer and the database.
    await stopDelivery().catch(() => undefined);
    await Promise.all(servers.map((server) => server.close()));
    for (const fn of functions) await fn.app.close().catch(() => undefined);
    await recognizer.stop().catch(() => undefined);
    await db.destroy();
  };

  try {
    if (queue) {
      // This process is the only consumer of its embedded queue: claims left by a run that
      // died go back to PENDING, and everything PENDING is queued again (the queue lived in
      // memory) before anything new can arrive.
      await new ImageClaimsRepository(db).releaseOrphanedClaims();
      const resent = await redeemer.resendAllPending();
      if (resent > 0) log(`recovered ${resent} unfinished image(s) from the previous run`);
    }
    for (const fn of functions) {
      http(fn.name, asHttpFunction(fn.app.app));
      servers.push(
        await serveFunction({
          name: fn.name,
          port: fn.port,
          host: config.host,
          logger: logger(fn.name),
          maxBodyBytes: fn.maxBodyBytes,
          maxJsonBytes: fn.maxJsonBytes,
        }),
      );
    }
    const processorUrl = local(config.ports.processor);
    if (queue) {
      startEmbeddedDelivery(
        queue,
        {
          sink: processorUrl,
          topic: TOPIC,
          deadLetterTopic: `${TOPIC}.dead`,
          maxInFlight: config.maxInFlight,
          timeoutMs: 60_000,
          policy: { maxAttempts: config.maxAttempts, backoffBaseMs: 1000, backoffMaxMs: 60_000 },
        },
        logger('adapter'),
      );
      // What the redeemer drains from nsqd in a cluster: dead letters into their table.
      const deadLetters = new DeadLettersRepository(db);
      queue.consume(
        `${TOPIC}.dead`,
        async (message) => {
          await recordDeadLetter(deadLetters, message.body);
          message.finish();
        },
        { maxInFlight: 1 },
      );
      stopDelivery = () => queue.close();
    } else {
      const adapter = await startAdapter(
        loadAdapterConfig({
          ...env,
          K_SINK: processorUrl,
          NSQ_TOPIC: TOPIC,
          NSQD_TCP_ADDRESS: config.nsq!.nsqdTcpAddress,
          NSQLOOKUPD_HTTP_ADDRESSES: config.nsq!.lookupdHttpAddresses.join(','),
          HEALTH_PORT: String(config.ports.adapter),
          // A fresh nsqd has no topic until the first photo: look it up often.
          NSQ_LOOKUPD_POLL_INTERVAL_SECONDS: env.NSQ_LOOKUPD_POLL_INTERVAL_SECONDS ?? '2',
        }),
        logger('adapter'),
        { healthHost: config.host },
      );
      stopDelivery = () => adapter.stop();
    }
  } catch (error) {
    // Leave nothing running behind a failed start (ports, workers, the database).
    await stop();
    throw error;
  }

  // No PingSource here: a timer fires the redeemer's sweep and the retention purge.
  if (config.redeemIntervalMs > 0) {
    timer = setInterval(() => {
      redeemer
        .sweep()
        .then(() => redeemer.purge())
        .catch((error: Error) => logger('redeemer').warn({ err: error.message }, 'sweep failed'));
    }, config.redeemIntervalMs);
  }

  return {
    urls: {
      receiver: local(config.ports.receiver),
      frontend: local(config.ports.frontend),
      processor: local(config.ports.processor),
      redeemer: local(config.ports.redeemer),
    },
    adminToken,
    ready,
    stop,
  };
}

export function describeStart(
  config: StartConfig,
  running: RunningFacetrail,
  startedAt: number,
): string[] {
  return [
    `ready in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`,
    `  receiver  ${running.urls.receiver}   (POST /images; the CLI's --url)`,
    `  frontend  ${running.urls.frontend}   (results page: sign in with the admin token or a viewer key)`,
    `  database  ${config.databaseUrl.startsWith('sqlite:') ? config.databaseUrl.replace(/^sqlite:\/\//, '') + ' (SQLite)' : 'MySQL (DATABASE_URL)'}`,
    `  queue     ${config.nsq ? `NSQ (${config.nsq.nsqdTcpAddress})` : 'embedded (in memory; the database is the source of truth)'}`,
    `  images    ${config.imagesRoot}`,
    `  known people folder ${config.knownPeopleDir} (enrolled at start)`,
    `  admin token ${config.adminToken ? '(from ADMIN_TOKEN)' : `${running.adminToken}  (kept in ${path.join(config.dataDir, 'admin-token')})`}`,
  ];
}

/** The `npm start` entry: runs until SIGINT/SIGTERM. */
export async function runStart(env: Env = process.env): Promise<void> {
  const startedAt = performance.now();
  const log = (line: string) => console.log(`facetrail │ ${line}`);
  let running: RunningFacetrail;
  try {
    running = await startFacetrail(env, log);
  } catch (error) {
    const { code, port } = error as { code?: string; port?: number };
    if (code === 'EADDRINUSE') {
      console.error(
        `facetrail: port ${port} is already in use; stop what holds it or choose other ports (RECEIVER_PORT, FRONTEND_PORT, PROCESSOR_PORT, REDEEMER_PORT, RECOGNIZER_PORT)`,
      );
    } else console.error(error instanceof ConfigError ? `facetrail: ${error.message}` : error);
    process.exit(error instanceof ConfigError ? 2 : 1);
  }
  // Said in the same lines as the rest of what `npm start` prints.
  const say = (fields: { signal?: string; err?: string }, message: string) =>
    log([fields.signal, message, fields.err].filter(Boolean).join(': '));
  shutdownOnSignal({ logger: { info: say, warn: say, error: say }, stop: running.stop });
  try {
    await running.ready;
  } catch (error) {
    log(`the recognizer could not start: ${(error as Error).message}`);
    await running.stop();
    process.exit(1);
  }
  for (const line of describeStart(loadStartConfig(env), running, startedAt)) log(line);
  log('ready');
}

if (import.meta.url === `file://${process.argv[1]}`) await runStart();
