// Before any test: nsqd and nsqlookupd must exist in tools/bin (built once from their Go
// module), and the sources are compiled for the child processes tests start.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { compileSources } from './compile-sources.js';

export default async function globalSetup() {
  if (!existsSync('tools/bin/nsqd') || !existsSync('tools/bin/nsqlookupd')) {
    execFileSync('bash', ['scripts/install-nsq.sh'], { stdio: 'inherit' });
  }
  await compileSources();
}
