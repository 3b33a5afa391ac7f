import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtEntry } from './built-entry.js';
import { freePort } from './ports.js';
import { startProcess, waitFor, type RunningProcess } from './processes.js';
import { TEST_INFERENCE_WORKERS } from './recognizer.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The environment minus anything that would switch standalone mode to MySQL or NSQ. */
export function standaloneEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of [
    'DATABASE_URL',
    'NSQD_TCP_ADDRESS',
    'NSQLOOKUPD_HTTP_ADDRESSES',
    'ADMIN_TOKEN',
    'FACETRAIL_URL',
    'FACETRAIL_TOKEN',
    'PORT',
  ])
    delete env[name];
  return { ...env, ...extra };
}

/**
 * The facetrail CLI for `node` to run: the one global setup compiled, or a checkout's own
 * bin/facetrail.js (through tsx, as a user runs it) when a test runs one of its own (`cwd`).
 */
async function cliEntry(cwd: string | undefined): Promise<string> {
  return cwd ? path.join(cwd, 'bin/facetrail.js') : await builtEntry('cli/run.ts');
}

export interface Standalone {
  url: string;
  frontendUrl: string;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  process: RunningProcess;
  /** `Authorization: Bearer <admin token>` (ADMIN_TOKEN, or the one kept in DATA_DIR). */
  auth(): { authorization: string };
  /** Starts `facetrail start` again on the same ports and data (after stop() or kill()). */
  restart(): Promise<void>;
  stop(): Promise<void>;
  kill(): Promise<void>;
  /** Removes the data directory (after stop). */
  cleanup(): Promise<void>;
}

/** `facetrail start` on free ports with a fresh DATA_DIR (from `cwd`'s bin/facetrail.js if given). */
export async function startStandalone(
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<Standalone> {
  const cwd = options.cwd ?? REPO_ROOT;
  const dataDir = await mkdtemp(path.join(tmpdir(), 'facetrail-standalone-'));
  const [receiver, frontend, processor, redeemer, adapter, recognizer] = await Promise.all(
    Array.from({ length: 6 }, () => freePort()),
  );
  const env = standaloneEnv({
    DATA_DIR: dataDir,
    RECEIVER_PORT: String(receiver),
    FRONTEND_PORT: String(frontend),
    PROCESSOR_PORT: String(processor),
    REDEEMER_PORT: String(redeemer),
    ADAPTER_PORT: String(adapter),
    RECOGNIZER_PORT: String(recognizer),
    INFERENCE_WORKERS: TEST_INFERENCE_WORKERS,
    ...options.env,
  });
  const launch = async () => {
    const proc = startProcess(
      'facetrail-start',
      process.execPath,
      [await cliEntry(options.cwd), 'start'],
      { cwd, env },
    );
    await waitFor(
      'facetrail start to report ready',
      () => proc.output().includes('facetrail │ ready') || proc.child.exitCode !== null,
      {
        timeoutMs: 120_000,
        intervalMs: 200,
      },
    );
    if (proc.child.exitCode !== null)
      throw new Error(
        `facetrail start exited with ${proc.child.exitCode}:\n${proc.output().slice(-3000)}`,
      );
    return proc;
  };
  const standalone: Standalone = {
    url: `http://127.0.0.1:${receiver}`,
    frontendUrl: `http://127.0.0.1:${frontend}`,
    dataDir,
    env,
    process: await launch(),
    auth: () => ({
      authorization: `Bearer ${env.ADMIN_TOKEN ?? readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim()}`,
    }),
    async restart() {
      standalone.process = await launch();
    },
    stop: () => standalone.process.stop(20_000),
    kill: () => standalone.process.kill(),
    cleanup: () => rm(dataDir, { recursive: true, force: true }),
  };
  return standalone;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `facetrail <args>` to completion (from `cwd`'s bin/facetrail.js if given). */
export async function runCli(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  const cwd = options.cwd ?? REPO_ROOT;
  const proc = startProcess(
    'facetrail-cli',
    process.execPath,
    [await cliEntry(options.cwd), ...args],
    {
      cwd,
      env: options.env ?? standaloneEnv(),
    },
  );
  let stdout = '';
  let stderr = '';
  proc.child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  proc.child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) =>
    proc.child.once('exit', (exitCode) => resolve(exitCode)),
  );
  await proc.stop();
  return { code, stdout, stderr };
}
