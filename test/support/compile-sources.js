// Compiles the deployables' TypeScript to plain JavaScript (esbuild, one file each, no bundling:
// the layout `npm run build` gives dist/) for the child processes the tests start. Started
// through tsx, each of those paid about half a second of CPU for tsx's loader thread, its
// inference workers again: over a hundred processes per run on CI's two cores.
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Source folders of what runs in a child process: those `npm run build` compiles. */
const SOURCE_DIRS = JSON.parse(
  readFileSync(path.join(REPO_ROOT, 'tsconfig.build.json'), 'utf8'),
).include;

/** Where compiled copies go, one folder per test run: tools/ is ignored by git, linters and jest. */
const TEST_BUILDS_DIR = path.join(REPO_ROOT, 'tools/test-build');

function sourcesIn(dir) {
  return readdirSync(dir, { recursive: true })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .map((file) => path.join(dir, file));
}

function isRunning(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/**
 * Compiles every source under SOURCE_DIRS into a folder of this test run's own (named by its
 * process id: CI runs the fault suite beside `npm test`) and returns that folder. The folders
 * of runs that are gone are removed first.
 */
export async function compileSources() {
  mkdirSync(TEST_BUILDS_DIR, { recursive: true });
  for (const name of readdirSync(TEST_BUILDS_DIR))
    if (!isRunning(Number(name)))
      rmSync(path.join(TEST_BUILDS_DIR, name), { recursive: true, force: true });
  const outdir = path.join(TEST_BUILDS_DIR, String(process.pid));
  await build({
    entryPoints: SOURCE_DIRS.flatMap((dir) => sourcesIn(path.join(REPO_ROOT, dir))),
    outbase: REPO_ROOT,
    outdir,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
  return outdir;
}

/** Removes a folder compileSources returned. */
export function removeCompiled(outdir) {
  rmSync(outdir, { recursive: true, force: true });
}
