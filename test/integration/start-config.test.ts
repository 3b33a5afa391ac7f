import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProcess } from '../support/processes.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('npm start without its services', () => {
  it('says what it needs and exits non-zero', async () => {
    const env = { ...process.env };
    for (const name of ['DATABASE_URL', 'NSQD_TCP_ADDRESS', 'NSQLOOKUPD_HTTP_ADDRESSES'])
      delete env[name];
    const proc = startProcess(
      'start',
      process.execPath,
      ['--import', 'tsx', path.join(repoRoot, 'scripts/start.ts')],
      { cwd: repoRoot, env },
    );
    const code = await new Promise<number | null>((resolve) => proc.child.once('exit', resolve));
    expect(code).toBe(1);
    expect(proc.output()).toContain('DATABASE_URL=mysql://');
    expect(proc.output()).toContain('NSQD_TCP_ADDRESS=');
    expect(proc.output()).toContain('NSQLOOKUPD_HTTP_ADDRESSES=');
    expect(proc.output()).not.toMatch(/at .*\.ts:\d+/);
  }, 30_000);
});
