import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRecognizerClient } from '../../lib/recognizer/client.js';
import { builtEntry } from './built-entry.js';
import { freePort } from './ports.js';
import { startProcess, waitFor, type RunningProcess } from './processes.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** RECOGNIZER_SECRET of the recognizers tests start (and of the clients and functions calling them). */
export const TEST_RECOGNIZER_SECRET = 'test-recognizer-secret-0123456789';

/**
 * INFERENCE_WORKERS of the recognizers tests start, unless a test asks for more: each worker
 * loads and warms the models (about 3.5 s of CPU), and on CI's 2 cores a second worker only
 * competes with the test and the other processes. Tests of concurrency set their own.
 */
export const TEST_INFERENCE_WORKERS = '1';

export interface StartRecognizerOptions {
  /** mysql://… of a migrated database (createTestDatabase). */
  databaseUrl: string;
  imagesRoot: string;
  knownPeopleDir?: string;
  /** Default: a free port. */
  port?: number;
  /** Extra environment (e.g. GALLERY_REFRESH_MS, INFERENCE_WORKERS); wins over the defaults here. */
  env?: Record<string, string>;
  /** How long to wait for SERVING; default 120 s (models load and warm up, the folder is enrolled). */
  timeoutMs?: number;
}

export interface RunningRecognizer {
  /** host:port for createRecognizerClient. */
  address: string;
  port: number;
  process: RunningProcess;
  /** Health statuses observed while waiting for SERVING, in order (deduplicated), e.g. ["DOWN","NOT_SERVING","SERVING"]. */
  healthHistory: string[];
  /** Milliseconds from spawn to the first SERVING answer. */
  startupMs: number;
  /** Everything the recognizer printed so far. */
  output(): string;
  /** The parsed JSON log lines so far. */
  logs(): Array<Record<string, unknown>>;
  /** SIGTERM (graceful), SIGKILL after the grace period. */
  stop(): Promise<void>;
  /** SIGKILL at once. */
  kill(): Promise<void>;
}

/**
 * Starts the real recognizer (recognizer/main.ts, compiled: builtEntry) as a child process
 * and resolves once grpc.health.v1 answers SERVING. Fails early, with the output, if it exits.
 */
export async function startRecognizer(options: StartRecognizerOptions): Promise<RunningRecognizer> {
  const port = options.port ?? (await freePort());
  const address = `127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: options.databaseUrl,
    IMAGES_ROOT: options.imagesRoot,
    KNOWN_PEOPLE_DIR: options.knownPeopleDir ?? '',
    RECOGNIZER_HOST: '127.0.0.1',
    RECOGNIZER_PORT: String(port),
    RECOGNIZER_SECRET: TEST_RECOGNIZER_SECRET,
    LOG_LEVEL: 'info',
    INFERENCE_WORKERS: TEST_INFERENCE_WORKERS,
    ...options.env,
  };
  delete env.PORT;
  const started = Date.now();
  const proc = startProcess(
    'recognizer',
    process.execPath,
    [await builtEntry('recognizer/main.ts')],
    { cwd: REPO_ROOT, env },
  );
  const exited = new Promise<never>((_, reject) => {
    proc.child.once('exit', (code, signal) =>
      reject(
        new Error(
          `the recognizer exited (${signal ?? `code ${code}`}) before SERVING:\n${proc.output()}`,
        ),
      ),
    );
  });
  exited.catch(() => undefined);

  const client = createRecognizerClient(address, {
    deadlineMs: 2000,
    secret: TEST_RECOGNIZER_SECRET,
  });
  const healthHistory: string[] = [];
  const note = (status: string) => {
    if (healthHistory.at(-1) !== status) healthHistory.push(status);
  };
  try {
    await Promise.race([
      exited,
      waitFor(
        'the recognizer to answer SERVING',
        async () => {
          const status = await client.healthStatus().catch(() => 'DOWN');
          note(status);
          return status === 'SERVING';
        },
        { timeoutMs: options.timeoutMs ?? 120_000, intervalMs: 50 },
      ),
    ]);
  } catch (error) {
    await proc.kill();
    throw error instanceof Error && !error.message.includes('exited')
      ? new Error(`${error.message}\n${proc.output()}`)
      : error;
  } finally {
    client.close();
  }
  const startupMs = Date.now() - started;

  return {
    address,
    port,
    process: proc,
    healthHistory,
    startupMs,
    output: () => proc.output(),
    logs: () =>
      proc
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as Record<string, unknown>];
          } catch {
            return [];
          }
        }),
    stop: () => proc.stop(15_000),
    kill: () => proc.kill(),
  };
}
