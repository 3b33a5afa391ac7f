import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtEntry } from '../support/built-entry.js';
import { startProcess, stopAll } from '../support/processes.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function startWith(env: Record<string, string | undefined>) {
  const proc = startProcess('start', process.execPath, [await builtEntry('standalone/start.ts')], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
  });
  const code = await new Promise<number | null>((resolve) => proc.child.once('exit', resolve));
  return { code, output: proc.output() };
}

describe('npm start with a configuration it cannot use', () => {
  afterAll(stopAll);

  it('names both NSQ variables when only one is set, and exits 2 without a stack trace', async () => {
    const { code, output } = await startWith({
      NSQD_TCP_ADDRESS: '127.0.0.1:4150',
      NSQLOOKUPD_HTTP_ADDRESSES: undefined,
    });
    expect(code).toBe(2);
    expect(output).toContain('NSQD_TCP_ADDRESS and NSQLOOKUPD_HTTP_ADDRESSES: set both');
    expect(output).not.toMatch(/\n\s+at .*:\d+:\d+/);
  }, 30_000);

  it('names a malformed variable', async () => {
    const { code, output } = await startWith({
      DATABASE_URL: 'postgres://nope',
      RECEIVER_PORT: 'eighty',
    });
    expect(code).toBe(2);
    expect(output).toMatch(/DATABASE_URL: expected mysql:\/\//);
    expect(output).toMatch(/RECEIVER_PORT: /);
  }, 30_000);
});
