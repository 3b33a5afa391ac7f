// `npm run lint` runs the import rules of .dependency-cruiser.cjs. This proves the rules bite:
// on a small broken tree (test/lint/fixtures/broken) each planted fault is reported and the
// allowed imports are not, and the real repository passes them.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = path.join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** Runs depcruise with the project's config from `cwd`, as `npm run lint:deps` does. */
async function depcruise(cwd: string, args: string[]) {
  return promisify(execFile)(process.execPath, [DEPCRUISE, '--config', CONFIG, ...args], {
    cwd,
    maxBuffer: 64 * 1024 * 1024,
  }).then(
    ({ stdout }) => ({ stdout, exitCode: 0 }),
    (error: { stdout: string; code: number }) => ({ stdout: error.stdout, exitCode: error.code }),
  );
}

/** The violations found, one line each, and whether lint would fail (the default reporter). */
async function cruise(cwd: string, folders: string[]) {
  const { stdout } = await depcruise(cwd, ['--output-type', 'json', ...folders]);
  const result = JSON.parse(stdout) as { summary: { violations: Violation[] } };
  const violations = result.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
  const { exitCode } = await depcruise(cwd, folders);
  return { failed: exitCode !== 0, violations };
}

describe('the import rules (npm run lint:deps)', () => {
  it('report a circle, cross-deployable imports and lib/ importing a deployable', async () => {
    const fixture = path.join(ROOT, 'test/lint/fixtures/broken');
    const { failed, violations } = await cruise(fixture, [
      'lib',
      'functions',
      'recognizer',
      'standalone',
    ]);
    expect(failed).toBe(true);
    expect(violations.sort()).toEqual(
      [
        'deployables-import-only-lib: functions/receiver/index.ts -> functions/processor/handler.ts',
        'lib-imports-no-deployable: lib/uses-deployable.ts -> recognizer/main.ts',
        'no-circular: lib/calendar.ts -> lib/clock.ts',
        'standalone-imports-composition-entries-only: standalone/start.ts -> functions/processor/handler.ts',
      ].sort(),
    );
  }, 60_000);

  it('pass on the repository itself', async () => {
    const script = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const folders = script.scripts['lint:deps']!.split(' ').slice(3);
    expect(folders).toEqual(expect.arrayContaining(['lib', 'functions', 'standalone']));
    // One run, as lint runs it: its exit code decides, and its report says why if it fails.
    const { exitCode, stdout } = await depcruise(ROOT, folders);
    expect({ exitCode, report: exitCode === 0 ? '' : stdout }).toEqual({ exitCode: 0, report: '' });
  }, 60_000);
});
