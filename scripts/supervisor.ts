import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ComponentSpec {
  name: string;
  /** The TypeScript entry point, run with tsx. */
  entry: string;
  env: Record<string, string>;
}

interface Running {
  spec: ComponentSpec;
  child: ChildProcess;
  restarts: number;
}

const PAD = 10;

/**
 * Runs each component as its own process (as Kubernetes would run its pods), prefixes every
 * line it prints with its name, restarts one that dies (with a growing delay), and stops all
 * of them on stop().
 */
export class Supervisor {
  private readonly running = new Map<string, Running>();
  private stopping = false;

  constructor(private readonly baseEnv: NodeJS.ProcessEnv) {}

  start(spec: ComponentSpec, restarts = 0): void {
    const env: NodeJS.ProcessEnv = { ...this.baseEnv, ...spec.env };
    // Knative's PORT means "this container's port": never let one leak into every component.
    if (!('PORT' in spec.env)) delete env.PORT;
    const child = spawn(process.execPath, ['--import', 'tsx', spec.entry], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const prefix = `${spec.name.padEnd(PAD)}│ `;
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) =>
        process.stdout.write(`${prefix}${line}\n`),
      );
    }
    const entry: Running = { spec, child, restarts };
    this.running.set(spec.name, entry);
    child.on('exit', (code, signal) => {
      if (this.stopping) return;
      const delay = Math.min(30_000, 500 * 2 ** Math.min(entry.restarts, 6));
      process.stdout.write(
        `${prefix}exited (${signal ?? `code ${code}`}); restarting in ${delay} ms\n`,
      );
      setTimeout(() => {
        if (!this.stopping) this.start(spec, entry.restarts + 1);
      }, delay).unref();
    });
  }

  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.running.values()].map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
  }
}
