// The MySQL the manifests start is initialised with exactly the sql/ migrations, then the
// components' users (their grants are tested on a real server in grants.test.ts).
import { splitStatements } from '../../lib/db/migrate.js';
import { Manifests, loadKustomization, onlyContainer, podTemplateOf } from './support/manifests.js';
import {
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
