import path from 'node:path';
import { compileSources } from './compile-sources.js';

let compiling: Promise<string> | undefined;

/**
 * The folder of compiled sources: the one jest's global setup built for this run, or one built
 * now, once per process (the benchmarks start recognizers and clusters without jest).
 */
function testBuildDir(): Promise<string> {
  const built = process.env.FACETRAIL_TEST_BUILD_DIR;
  if (built) return Promise.resolve(built);
  compiling ??= compileSources().then((dir) => {
    process.env.FACETRAIL_TEST_BUILD_DIR = dir;
    return dir;
  });
  return compiling;
}

/**
 * The compiled JavaScript of a source file (`recognizer/main.ts`) for a child process to run
 * with plain `node`, no tsx (compile-sources.js says why).
 */
export async function builtEntry(source: string): Promise<string> {
  return path.join(await testBuildDir(), source.replace(/\.ts$/, '.js'));
}
