import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The compiled JavaScript of a source file (`recognizer/main.ts`), as global setup builds it
 * (compile-sources.js) for the child processes tests start: plain `node`, no tsx.
 */
export function builtEntry(source: string): string {
  return path.join(REPO_ROOT, 'tools/test-build', source.replace(/\.ts$/, '.js'));
}
