import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

// Kept here too: most integration tests import it with the process helpers.
export { waitFor } from './wait-for.js';

export interface RunningProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr), for assertions and failures. */
  output(): string;
  /** SIGTERM, then SIGKILL after a grace period; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once (crash tests). */
  kill(): Promise<void>;
}

const running = new Set<RunningProcess>();

/** Starts a child process whose output is captured; every one is stopped by stopAll(). */
export function startProcess(
  name: string,
  command: string,
  args: string[],
  options: SpawnOptions = {},
): RunningProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let buffer = '';
  const append = (chunk: Buffer) => {
    buffer += chunk.toString();
    if (process.env.FACETRAIL_TEST_VERBOSE) process.stderr.write(`[${name}] ${chunk.toString()}`);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once('exit', () => resolve());
  });
  const proc: RunningProcess = {
    name,
    child,
    output: () => buffer,
    async stop(graceMs = 5000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      running.delete(proc);
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      running.delete(proc);
    },
  };
  running.add(proc);
  return proc;
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((proc) => proc.stop()));
}
