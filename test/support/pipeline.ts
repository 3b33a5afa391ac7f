import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';
import { startProcess, waitFor, type RunningProcess } from './processes.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface RunningPipeline {
  receiverUrl: string;
  frontendUrl: string;
  processorUrl: string;
  adminToken: string;
  process: RunningProcess;
  stop(): Promise<void>;
}

/** Runs `npm start` (scripts/start.ts) with every port free and waits until it says it is ready. */
export async function startPipeline(env: Record<string, string>): Promise<RunningPipeline> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'facetrail-data-'));
  const [receiver, frontend, processor, redeemer, adapter, recognizer] = await Promise.all(
    Array.from({ length: 6 }, () => freePort()),
  );
  const adminToken = 'e2e-admin-token-0123456789';
  const proc = startProcess(
    'npm-start',
    process.execPath,
    ['--import', 'tsx', path.join(repoRoot, 'scripts/start.ts')],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        ADMIN_TOKEN: adminToken,
        RECEIVER_PORT: String(receiver),
        FRONTEND_PORT: String(frontend),
        PROCESSOR_PORT: String(processor),
        REDEEMER_PORT: String(redeemer),
        ADAPTER_PORT: String(adapter),
        RECOGNIZER_PORT: String(recognizer),
        LOG_LEVEL: 'info',
        ...env,
      },
    },
  );
  try {
    await waitFor(
      'npm start to report ready',
      () => proc.output().includes('facetrail │ ready') || proc.child.exitCode !== null,
      {
        timeoutMs: 180_000,
        intervalMs: 250,
      },
    );
    if (proc.child.exitCode !== null)
      throw new Error(
        `npm start exited with ${proc.child.exitCode}:\n${proc.output().slice(-4000)}`,
      );
  } catch (error) {
    await proc.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    receiverUrl: `http://127.0.0.1:${receiver}`,
    frontendUrl: `http://127.0.0.1:${frontend}`,
    processorUrl: `http://127.0.0.1:${processor}`,
    adminToken,
    process: proc,
    async stop() {
      await proc.stop(20_000);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
