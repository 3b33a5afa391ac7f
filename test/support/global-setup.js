// Before any test: nsqd and nsqlookupd must exist in tools/bin (built once from their Go
// module), and the sources are compiled for the child processes tests start. Jest's workers
// start after this and inherit the environment: built-entry.ts reads the folder from it.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { compileSources } from './compile-sources.js';

export default async function globalSetup() {
  if (!existsSync('tools/bin/nsqd') || !existsSync('tools/bin/nsqlookupd')) {
    execFileSync('bash', ['scripts/install-nsq.sh'], { stdio: 'inherit' });
  }
  process.env.FACETRAIL_TEST_BUILD_DIR = await compileSources();
}
