import path from 'node:path';

/**
 * The compiled JavaScript of a source file (`recognizer/main.ts`), as jest's global setup
 * builds it (compile-sources.js) for the child processes tests start: plain `node`, no tsx.
 */
export function builtEntry(source: string): string {
  const dir = process.env.FACETRAIL_TEST_BUILD_DIR;
  if (!dir)
    throw new Error(
      "FACETRAIL_TEST_BUILD_DIR is unset: jest's global setup (test/support/global-setup.js) compiles the sources and sets it",
    );
  return path.join(dir, source.replace(/\.ts$/, '.js'));
}
