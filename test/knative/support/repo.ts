// Where things are in the repository, for the knative/ consistency tests.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const KNATIVE_DIR = path.join(ROOT, 'knative');

/** A file's text, by its path relative to the repository root. */
export function readRepoFile(relative: string): string {
  return readFileSync(path.join(ROOT, relative), 'utf8');
}

/** package.json, parsed. */
export function packageJson(): {
  version: string;
  engines?: Record<string, string>;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
} {
  return JSON.parse(readRepoFile('package.json')) as ReturnType<typeof packageJson>;
}
