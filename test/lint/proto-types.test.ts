// CI runs `npm run check:proto` (scripts/check-proto-types.sh). This proves it bites: in a
// scratch git repository holding a copy of proto/, the committed generated types and the
// script, it passes as committed and fails after a proto edit that was not regenerated.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);

/** Exit code and output of the check, run in `cwd` as CI runs it. */
async function checkProto(cwd: string) {
  return run('bash', ['scripts/check-proto-types.sh'], { cwd }).then(
    ({ stdout }) => ({ exitCode: 0, output: stdout }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      exitCode: error.code,
      output: error.stdout + error.stderr,
    }),
  );
}

describe('npm run check:proto', () => {
  let repo: string;

  beforeAll(async () => {
    repo = await mkdtemp(path.join(tmpdir(), 'facetrail-proto-'));
    for (const entry of [
      'package.json',
      'proto',
      'scripts/check-proto-types.sh',
      'lib/recognizer/generated',
    ])
      await cp(path.join(ROOT, entry), path.join(repo, entry), { recursive: true });
    await symlink(path.join(ROOT, 'node_modules'), path.join(repo, 'node_modules'));
    await writeFile(path.join(repo, '.gitignore'), 'node_modules\n');
    const git = (...args: string[]) => run('git', args, { cwd: repo });
    await git('init', '-q');
    await git('add', '-A');
    await git(
      '-c',
      'user.name=test',
      '-c',
      'user.email=test@example.invalid',
      'commit',
      '-qm',
      'x',
    );
  }, 60_000);

  afterAll(async () => {
    if (repo) await rm(repo, { recursive: true, force: true });
  });

  it('passes when the committed types are what proto/ produces', async () => {
    expect(await checkProto(repo)).toMatchObject({ exitCode: 0 });
  }, 60_000);

  it('fails after a proto edit that was not regenerated, naming the new file', async () => {
    const proto = path.join(repo, 'proto/recognizer/v1/recognizer.proto');
    const text = await readFile(proto, 'utf8');
    await writeFile(
      proto,
      text.replace('double roll = 4;', 'double roll = 4;\n  double pitch = 5;') +
        '\nmessage Extra {\n  int32 n = 1;\n}\n',
    );
    const { exitCode, output } = await checkProto(repo);
    expect(exitCode).toBe(1);
    expect(output).toContain('FaceQuality.ts');
    expect(output).toContain('Extra.ts');
    expect(output).toContain("run 'npm run gen:proto'");
  }, 60_000);
});
