// The cluster topology on one machine: every deployable a separate process (as its pod runs
// it), real nsqd and nsqlookupd, a MariaDB database of the caller's. Each process is
// supervised the way Kubernetes restarts a container: when it exits without being asked to
// stop (a crash, or a kill -9 from a fault test) it is started again on the same port.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRecognizerClient } from '../../lib/recognizer/client.js';
import { builtEntry } from './built-entry.js';
import { startNsq, type NsqCluster } from './nsq.js';
import { freePort } from './ports.js';
import { startProcess, waitFor, type RunningProcess } from './processes.js';
import { TEST_INFERENCE_WORKERS, TEST_RECOGNIZER_SECRET } from './recognizer.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export type Component = 'receiver' | 'processor' | 'adapter' | 'redeemer' | 'recognizer';

export interface SupervisedProcess {
  readonly name: string;
  /** The process running now (a new one after every restart). */
  current(): RunningProcess;
  pid(): number | undefined;
  /** Exits nobody asked for (crashes); kills by kill9() are counted apart. */
  crashes(): number;
  /** When the last crash happened (ms since the epoch), 0 if none. */
  lastCrashAt(): number;
  kills(): number;
  /** kill -9; the supervisor starts it again (returns once it is ready again). */
  kill9(): Promise<void>;
  /** Resolves once the running instance answers its readiness check. */
  ready(timeoutMs?: number): Promise<void>;
  /** Everything every instance printed, oldest first. */
  output(): string;
  /** SIGTERM (SIGKILL after 10 s); not restarted until resume(). */
  stop(): Promise<void>;
  /** Starts it again after stop() and waits until it is ready. */
  resume(): Promise<void>;
}

/** Runs `start` and keeps it running until stop(), restarting it after any exit. */
export function supervise(
  name: string,
  start: () => RunningProcess,
  isReady: () => Promise<boolean>,
  { restartDelayMs = 250 } = {},
): SupervisedProcess {
  let proc: RunningProcess;
  let stopping = false;
  let crashes = 0;
  let kills = 0;
  let lastCrashAt = 0;
  let killing = false;
  let past = '';

  const launch = () => {
    proc = start();
    const mine = proc;
    mine.child.once('exit', (code, signal) => {
      past += mine.output();
      if (stopping) return;
      if (killing) killing = false;
      else {
        crashes++;
        lastCrashAt = Date.now();
        past += `\n[supervisor] ${name} exited (${signal ?? `code ${code}`}); restarting\n`;
      }
      setTimeout(() => {
        if (!stopping) launch();
      }, restartDelayMs);
    });
  };
  launch();

  const ready = async (timeoutMs = 120_000) => {
    // A process that keeps exiting (bad configuration) fails at once, with its output.
    const crashesBefore = crashes;
    const state = await waitFor(
      `${name} to be ready`,
      async () =>
        crashes >= crashesBefore + 3 ? 'crash loop' : (await isReady().catch(() => false)) && 'ok',
      { timeoutMs, intervalMs: 100 },
    );
    if (state === 'crash loop')
      throw new Error(`${name} exited 3 times while starting:\n${past.slice(-5000)}`);
  };

  return {
    name,
    current: () => proc,
    pid: () => proc.child.pid,
    crashes: () => crashes,
    lastCrashAt: () => lastCrashAt,
    kills: () => kills,
    async kill9() {
      kills++;
      killing = true;
      const old = proc;
      await old.kill();
      await waitFor(`${name} to be started again`, () => proc !== old, { timeoutMs: 10_000 });
      await ready();
    },
    ready,
    output: () => past + (proc.child.exitCode === null ? proc.output() : ''),
    async stop() {
      stopping = true;
      await proc.stop(10_000);
    },
    async resume() {
      if (!stopping) return;
      stopping = false;
      launch();
      await ready();
    },
  };
}

async function httpOk(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await response.arrayBuffer();
  return response.ok;
}

export interface ClusterOptions {
  /** mysql://… of a migrated database. */
  databaseUrl: string;
  imagesRoot: string;
  /**
   * recognizer → processor → adapter lanes to start (default 1; 0 for ingest alone). Each
   * adapter reads the same channel, so nsqd spreads the messages over the lanes.
   */
  lanes?: number;
  /** Start the redeemer (default true; its own timer stands in for the PingSource). */
  redeemer?: boolean;
  /** Environment for every process, then per component (wins). */
  env?: Record<string, string>;
  componentEnv?: Partial<Record<Component, Record<string, string>>>;
}

export interface Lane {
  recognizer: SupervisedProcess;
  recognizerAddress: string;
  processor: SupervisedProcess;
  processorUrl: string;
  adapter: SupervisedProcess;
}

export interface Cluster {
  receiverUrl: string;
  adminToken: string;
  auth(): { authorization: string };
  nsq: NsqCluster;
  receiver: SupervisedProcess;
  redeemer: SupervisedProcess | undefined;
  lanes: Lane[];
  /** Starts one more lane and waits until it is ready. */
  addLane(): Promise<Lane>;
  /** Every supervised process, for RSS sampling and output on failure. */
  processes(): SupervisedProcess[];
  /** kill -9 nsqd, then start it again on the same ports and data path. */
  killNsqd(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a deployable's compiled entry (builtEntry) as its own process. */
const entryProcess = (entry: string, name: string, env: NodeJS.ProcessEnv) => () =>
  startProcess(name, process.execPath, [entry], { cwd: REPO_ROOT, env });

/**
 * Starts nsqlookupd, nsqd, the receiver, the redeemer and `lanes` recognizer → processor →
 * adapter lanes, and waits until each is ready. On failure everything started is stopped.
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const adminToken = `fault-admin-${randomBytes(12).toString('hex')}`;
  const nsq = await startNsq();
  const started: SupervisedProcess[] = [];
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['PORT', 'DATA_DIR', 'FACETRAIL_URL', 'FACETRAIL_TOKEN']) delete base[name];
  const envFor = (component: Component, extra: Record<string, string>): NodeJS.ProcessEnv => ({
    ...base,
    DATABASE_URL: options.databaseUrl,
    IMAGES_ROOT: options.imagesRoot,
    RECOGNIZER_SECRET: TEST_RECOGNIZER_SECRET,
    NSQD_TCP_ADDRESS: nsq.nsqdTcpAddress,
    LOG_LEVEL: 'info',
    INFERENCE_WORKERS: TEST_INFERENCE_WORKERS,
    ...extra,
    ...options.env,
    ...options.componentEnv?.[component],
  });
  const laneList: Lane[] = [];
  const healthClients: Array<{ close(): void }> = [];
  const closeHealthClients = () => healthClients.forEach((client) => client.close());

  /** Starts a lane's three processes (not waiting for them). */
  const launchLane = async (): Promise<Lane> => {
    const suffix = `-${laneList.length + 1}`;
    const [recognizerPort, processorPort, adapterPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
    ]);
    const recognizerAddress = `127.0.0.1:${recognizerPort}`;
    const health = createRecognizerClient(recognizerAddress, {
      deadlineMs: 2000,
      secret: TEST_RECOGNIZER_SECRET,
    });
    healthClients.push(health);
    const recognizer = supervise(
      `recognizer${suffix}`,
      entryProcess(
        await builtEntry('recognizer/main.ts'),
        `recognizer${suffix}`,
        envFor('recognizer', {
          RECOGNIZER_HOST: '127.0.0.1',
          RECOGNIZER_PORT: String(recognizerPort),
          KNOWN_PEOPLE_DIR: '',
        }),
      ),
      async () => (await health.healthStatus()) === 'SERVING',
    );
    started.push(recognizer);
    const processorUrl = `http://127.0.0.1:${processorPort}`;
    const processor = supervise(
      `processor${suffix}`,
      entryProcess(
        await builtEntry('functions/processor/main.ts'),
        `processor${suffix}`,
        envFor('processor', { PORT: String(processorPort), RECOGNIZER_ADDRESS: recognizerAddress }),
      ),
      () => httpOk(`${processorUrl}/healthz`),
    );
    started.push(processor);
    const adapter = supervise(
      `adapter${suffix}`,
      entryProcess(
        await builtEntry('adapters/nsq-cloudevents/main.ts'),
        `adapter${suffix}`,
        envFor('adapter', {
          K_SINK: processorUrl,
          NSQLOOKUPD_HTTP_ADDRESSES: nsq.lookupdHttpAddress,
          HEALTH_PORT: String(adapterPort),
          NSQ_LOOKUPD_POLL_INTERVAL_SECONDS: '1',
        }),
      ),
      () => httpOk(`http://127.0.0.1:${adapterPort}/healthz`),
    );
    started.push(adapter);
    const lane = { recognizer, recognizerAddress, processor, processorUrl, adapter };
    laneList.push(lane);
    return lane;
  };
  const laneReady = (lane: Lane) =>
    Promise.all([lane.recognizer, lane.processor, lane.adapter].map((proc) => proc.ready(180_000)));

  try {
    for (let index = 0; index < (options.lanes ?? 1); index++) await launchLane();
    const [receiverPort, redeemerPort] = await Promise.all([freePort(), freePort()]);
    const receiverUrl = `http://127.0.0.1:${receiverPort}`;
    const receiver = supervise(
      'receiver',
      entryProcess(
        await builtEntry('functions/receiver/main.ts'),
        'receiver',
        envFor('receiver', {
          PORT: String(receiverPort),
          ADMIN_TOKEN: adminToken,
          RECOGNIZER_ADDRESS: laneList[0]?.recognizerAddress ?? '127.0.0.1:1',
        }),
      ),
      () => httpOk(`${receiverUrl}/readyz`),
    );
    started.push(receiver);
    const redeemer =
      options.redeemer === false
        ? undefined
        : supervise(
            'redeemer',
            entryProcess(
              await builtEntry('functions/redeemer/main.ts'),
              'redeemer',
              envFor('redeemer', { PORT: String(redeemerPort), REDEEM_INTERVAL_MS: '2000' }),
            ),
            () => httpOk(`http://127.0.0.1:${redeemerPort}/healthz`),
          );
    if (redeemer) started.push(redeemer);

    await Promise.all(started.map((proc) => proc.ready(180_000)));

    return {
      receiverUrl,
      adminToken,
      auth: () => ({ authorization: `Bearer ${adminToken}` }),
      nsq,
      receiver,
      redeemer,
      lanes: laneList,
      async addLane() {
        const lane = await launchLane();
        await laneReady(lane);
        return lane;
      },
      processes: () => [...started],
      async killNsqd() {
        await nsq.crashNsqd();
      },
      async stop() {
        closeHealthClients();
        await Promise.all(started.map((proc) => proc.stop()));
        await nsq.stop();
      },
    };
  } catch (error) {
    const output = started.map((proc) => `--- ${proc.name}\n${proc.output()}`).join('\n');
    closeHealthClients();
    await Promise.all(started.map((proc) => proc.stop()));
    await nsq.stop();
    throw new Error(`${(error as Error).message}\n${output.slice(-20_000)}`);
  }
}

/** Resident set size of a process in bytes (Linux /proc), 0 once it is gone. */
export async function rssBytes(pid: number | undefined): Promise<number> {
  if (!pid) return 0;
  const { readFile } = await import('node:fs/promises');
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
