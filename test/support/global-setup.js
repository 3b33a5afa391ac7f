// Before any test: nsqd and nsqlookupd must exist in tools/bin (built once from their Go module).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export default function globalSetup() {
  if (!existsSync('tools/bin/nsqd') || !existsSync('tools/bin/nsqlookupd')) {
    execFileSync('bash', ['scripts/install-nsq.sh'], { stdio: 'inherit' });
  }
}
