// Compiles the deployables' TypeScript to plain JavaScript (esbuild, one file each, no bundling:
// the layout `npm run build` gives dist/) for the child processes the tests start. Started
// through tsx, each of those paid about half a second of CPU for tsx's loader thread, its
// inference workers again: over a hundred processes per run on CI's two cores.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Source folders of what runs in a child process: those `npm run build` compiles. */
const SOURCE_DIRS = JSON.parse(
  readFileSync(path.join(REPO_ROOT, 'tsconfig.build.json'), 'utf8'),
).include;

/** Where the compiled copy goes: tools/ is ignored by git, the linters and jest (built-entry.ts). */
const TEST_BUILD_DIR = 'tools/test-build';

function sourcesIn(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourcesIn(file);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [file] : [];
  });
}

/** Compiles every source under SOURCE_DIRS into TEST_BUILD_DIR, afresh. */
export async function compileSources() {
  const outdir = path.join(REPO_ROOT, TEST_BUILD_DIR);
  rmSync(outdir, { recursive: true, force: true });
  await build({
    entryPoints: SOURCE_DIRS.flatMap((dir) => sourcesIn(path.join(REPO_ROOT, dir))),
    outbase: REPO_ROOT,
    outdir,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
}
