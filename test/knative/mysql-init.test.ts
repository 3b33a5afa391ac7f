// The MySQL the manifests start is initialised with exactly the sql/ migrations, then the
// components' users (their grants are tested on a real server in grants.test.ts).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { splitStatements } from '../../lib/db/migrate.js';
import { passwordsFor, runUsersScript } from './support/db-users.js';
import { Manifests, loadKustomization, onlyContainer, podTemplateOf } from './support/manifests.js';
import {
  INIT_DIR,
  RECORD_FILE,
  USERS_FILE,
  actualInitFiles,
  expectedInitFiles,
  expectedInitNames,
  schemaMigrationsDdl,
} from './mysql-init.js';

const kustomization = loadKustomization();
const manifests = Manifests.load(kustomization.resources ?? []);
const STALE = 'knative/sql/ is stale: run `npm run knative:sql`';

describe('MySQL init (ConfigMap mysql-initdb)', () => {
  it('knative/sql/ holds the sql/ migrations byte for byte, and the record of them', async () => {
    const expected = await expectedInitFiles();
    const actual = actualInitFiles();
    expect({ files: [...actual.keys()], hint: STALE }).toEqual({
      files: await expectedInitNames(),
      hint: STALE,
    });
    for (const [name, content] of expected) {
      expect({ file: name, same: actual.get(name)?.equals(content), hint: STALE }).toEqual({
        file: name,
        same: true,
        hint: STALE,
      });
    }
  });

  it('the migrations run first, then their record (as lib/db/migrate.ts writes it), then the users', async () => {
    const names = await expectedInitNames();
    expect(names.slice(-2)).toEqual([RECORD_FILE, USERS_FILE]);
    // The entrypoint runs them in name order (a glob), whatever the locale's collation.
    expect([...names].sort()).toEqual(names);
    expect([...names].sort((a, b) => a.localeCompare(b, 'en'))).toEqual(names);
    const statements = splitStatements(actualInitFiles().get(RECORD_FILE)!.toString('utf8'));
    expect(statements[0]).toBe(schemaMigrationsDdl());
    expect(statements[1]).toMatch(/^INSERT INTO schema_migrations \(version, name, applied_at\)/);
  });

  it('kustomization.yaml generates the ConfigMap from every one of those files', async () => {
    const generator = (kustomization.configMapGenerator ?? []).find(
      (g) => g.name === 'mysql-initdb',
    );
    expect(generator?.files).toEqual((await expectedInitNames()).map((f) => `sql/${f}`));
    expect(generator?.options?.disableNameSuffixHash).toBe(true);
  });

  it("MySQL mounts it where its image's entrypoint runs init files", () => {
    const template = podTemplateOf(manifests.get('apps/v1', 'StatefulSet', 'mysql'));
    const volume = template.spec.volumes?.find((v) => v.configMap?.name === 'mysql-initdb');
    expect(volume).toBeDefined();
    const mount = onlyContainer(template).volumeMounts?.find((m) => m.name === volume?.name);
    expect(mount?.mountPath).toBe('/docker-entrypoint-initdb.d');
    // And it creates the database the migrations run in (the entrypoint's MYSQL_DATABASE).
    const env = onlyContainer(template).env ?? [];
    expect(env.find((v) => v.name === 'MYSQL_DATABASE')?.value).toBeTruthy();
  });
});

describe('zz_users.sh, as the entrypoint sources it and as an operator runs it', () => {
  const database = { MYSQL_DATABASE: 'facetrail' };
  const passwords = passwordsFor('check');
  const sql = () => {
    const run = runUsersScript({ ...database, ...passwords });
    expect(run.status).toBe(0);
    return run.stdout;
  };

  it.each([
    ['a password is missing', 'FACETRAIL_FRONTEND_DB_PASSWORD', undefined],
    ["the example's placeholder", 'FACETRAIL_FRONTEND_DB_PASSWORD', 'CHANGE_ME_FRONTEND'],
    ['a short password', 'FACETRAIL_REDEEMER_DB_PASSWORD', 'abc123'],
    [
      'a quote (SQL injection)',
      'FACETRAIL_RECEIVER_DB_PASSWORD',
      "x'; DROP TABLE images; --aaaaaa",
    ],
    [
      'characters a URL must escape',
      'FACETRAIL_RECOGNIZER_DB_PASSWORD',
      'pass word@host/0123456789',
    ],
    ['no database', 'MYSQL_DATABASE', undefined],
    ['a database name SQL would need to escape', 'MYSQL_DATABASE', 'face`trail'],
  ])('refuses %s, naming the variable, and sends nothing', (_case, variable, value) => {
    const env: Record<string, string> = { ...database, ...passwords };
    if (value === undefined) delete env[variable];
    else env[variable] = value;
    const run = runUsersScript(env);
    expect(run.status).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(variable);
  });

  it('run by hand (no entrypoint), sends the same statements to the local server as root', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'facetrail-fake-mysql-'));
    try {
      // A stand-in mysql client: records how it was called, what it read, and exits as told.
      writeFileSync(
        path.join(dir, 'mysql'),
        [
          '#!/bin/bash',
          'printf "%s\\n" "$@" > "$FAKE_DIR/args"',
          'cat "${1#--defaults-extra-file=}" > "$FAKE_DIR/options"',
          'cat > "$FAKE_DIR/stdin"',
          'exit "${FAKE_STATUS:-0}"',
          '',
        ].join('\n'),
        { mode: 0o755 },
      );
      const env = {
        ...database,
        ...passwords,
        MYSQL_ROOT_PASSWORD: 'root-password-0123456789',
        FAKE_DIR: dir,
      };
      const searchPath = `${dir}:${process.env.PATH ?? ''}`;
      const run = runUsersScript(env, { entrypoint: false, path: searchPath });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const args = readFileSync(path.join(dir, 'args'), 'utf8').trim().split('\n');
      expect(args[0]).toMatch(/^--defaults-extra-file=/);
      expect(args.slice(1)).toEqual(['--protocol=socket', '-uroot', 'facetrail']);
      expect(readFileSync(path.join(dir, 'options'), 'utf8')).toBe(
        '[client]\npassword="root-password-0123456789"\n',
      );
      expect(readFileSync(path.join(dir, 'stdin'), 'utf8')).toBe(sql());
      expect(run.stdout).toMatch(/up to date/);
      // A failing server fails the run.
      const failing = runUsersScript(
        { ...env, FAKE_STATUS: '1' },
        { entrypoint: false, path: searchPath },
      );
      expect(failing.status).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is sourced by the entrypoint (a ConfigMap file is not executable) and leaves its shell as it was', () => {
    const mode = statSync(path.join(INIT_DIR, USERS_FILE)).mode;
    expect(mode & 0o111).toBe(0);
    const template = podTemplateOf(manifests.get('apps/v1', 'StatefulSet', 'mysql'));
    const volume = template.spec.volumes?.find((v) => v.configMap?.name === 'mysql-initdb');
    expect((volume?.configMap?.defaultMode ?? 0o644) & 0o111).toBe(0);
    // Only its own facetrail_* names are left behind in the entrypoint's shell.
    const probe = spawnSync(
      'bash',
      [
        '-c',
        'set -eo pipefail; docker_process_sql() { cat >/dev/null; }; before=$(compgen -v | sort); . "$0"; comm -13 <(echo "$before") <(compgen -v | sort); echo "options: $-"',
        path.join(INIT_DIR, USERS_FILE),
      ],
      {
        env: { PATH: process.env.PATH ?? '', ...database, ...passwords },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    expect(probe.stderr).toBe('');
    expect(probe.status).toBe(0);
    const lines = probe.stdout.trim().split('\n');
    const options = lines.pop()!;
    expect(
      lines.filter((name) => !/^(facetrail_|BASH_|_$|before$|PIPESTATUS$)/.test(name)),
    ).toEqual([]);
    expect(options).toMatch(/e/);
  });
});
