// Every deployable gets, from its manifest, the configuration its own code asks for: the
// requirements come from the configuration loaders each deployable calls at start (their zod
// shapes), not from a list kept here, so code and manifests cannot drift apart unnoticed.
import { CLUSTER_WIRING, DEPLOYABLES, variablesRead } from './support/deployables.js';
import { resolveContainerEnv } from './support/env.js';
import { parseEnv } from '../../lib/config/env.js';
import { databaseShape } from '../../lib/config/common.js';
import {
  Manifests,
  UPGRADE_MANIFESTS,
  loadKustomization,
  onlyContainer,
} from './support/manifests.js';
import { readRepoFile } from './support/repo.js';
import { operatorSecrets, runtimeOf } from './support/runtime.js';

const manifests = Manifests.load(loadKustomization().resources ?? []);
/** With the migration Job an upgrade creates beside them. */
const withUpgrade = Manifests.load([
  ...(loadKustomization().resources ?? []),
  ...UPGRADE_MANIFESTS,
]);

/** Values that point at the machine the process runs on: standalone defaults, not the cluster. */
function localValues(config: unknown, at = 'config'): string[] {
  if (typeof config === 'string') {
    const local =
      config.startsWith('sqlite:') ||
      /\b(127\.0\.0\.1|localhost)\b|\[::1\]/.test(config) ||
      config.startsWith(process.cwd()) ||
      config.startsWith('/nonexistent-cwd');
    return local ? [`${at} = ${config}`] : [];
  }
  if (typeof config === 'object' && config !== null) {
    return Object.entries(config).flatMap(([key, value]) => localValues(value, `${at}.${key}`));
  }
  return [];
}

describe.each(DEPLOYABLES.map((deployable) => [deployable.name, deployable] as const))(
  '%s',
  (_name, deployable) => {
    const runtime = runtimeOf(manifests, deployable.resource);
    const read = variablesRead(deployable.load, runtime.env);

    it('its manifest resolves: every ConfigMap key, Secret key and $(VAR) it names exists', () => {
      expect(runtime.manifest.problems).toEqual([]);
    });

    it('starts: its configuration loader accepts what the manifest and Knative give it', () => {
      expect(() => deployable.load(runtime.env)).not.toThrow();
    });

    it('leaves the variables Knative sets (PORT, K_SERVICE, K_SINK, ...) to Knative', () => {
      const reserved = ['PORT', 'K_SERVICE', 'K_CONFIGURATION', 'K_REVISION', 'K_SINK'];
      const knative = [...reserved, ...Object.keys(runtime.platform)];
      expect(runtime.manifest.names.filter((name) => knative.includes(name))).toEqual([]);
    });

    it('sets, rather than leaves to a default, every variable that wires it to the cluster', () => {
      const wiring = CLUSTER_WIRING.filter((name) => read.has(name));
      expect(wiring.filter((name) => !runtime.manifest.names.includes(name))).toEqual([]);
    });

    it('sets no variable its code does not read', () => {
      const referenced = new Set(
        (runtime.container.env ?? []).flatMap((variable) =>
          [...(variable.value ?? '').matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)].map((m) => m[1]!),
        ),
      );
      expect(runtime.manifest.names.filter((n) => !read.has(n) && !referenced.has(n))).toEqual([]);
      expect(new Set(runtime.manifest.names).size).toBe(runtime.manifest.names.length);
    });

    it('ends up with cluster addresses, none of the standalone defaults for this machine', () => {
      expect(localValues(deployable.load(runtime.env))).toEqual([]);
    });
  },
);

describe('ConfigMap facetrail-config (the configuration table)', () => {
  const data = manifests.configMapData().get('facetrail-config') ?? {};
  const runtimes = DEPLOYABLES.map((deployable) => ({
    deployable,
    runtime: runtimeOf(manifests, deployable.resource),
  }));

  it('holds only variables some deployable reads, each given to one that reads it', () => {
    for (const key of Object.keys(data)) {
      const readers = runtimes.filter(({ deployable, runtime }) =>
        variablesRead(deployable.load, runtime.env).has(key),
      );
      expect(`${key}: read by ${readers.length > 0}`).toBe(`${key}: read by true`);
      const given = readers.filter(({ runtime }) => runtime.manifest.names.includes(key));
      expect(`${key}: given to ${given.length > 0}`).toBe(`${key}: given to true`);
    }
  });

  it('is referenced key for key under the variable of the same name', () => {
    for (const { runtime } of runtimes) {
      for (const variable of runtime.container.env ?? []) {
        const ref = variable.valueFrom?.configMapKeyRef;
        if (ref?.name === 'facetrail-config') expect(ref.key).toBe(variable.name);
      }
    }
  });
});

describe('Secret facetrail-secrets (secret.example.yaml)', () => {
  const secret = operatorSecrets().get('facetrail-secrets') ?? {};

  it('every key is used by some container', () => {
    const used = new Set(
      withUpgrade
        .podTemplates()
        .flatMap((t) => t.spec.containers ?? [])
        .flatMap((c) => c.env ?? [])
        .map((v) => v.valueFrom?.secretKeyRef)
        .filter((ref) => ref?.name === 'facetrail-secrets')
        .map((ref) => ref!.key),
    );
    expect(Object.keys(secret).sort()).toEqual([...used].sort());
  });

  it('left unchanged, it stops the receiver from starting (CHANGE_ME is no admin token)', () => {
    const receiver = DEPLOYABLES.find((d) => d.name === 'receiver')!;
    const template = manifests
      .podTemplates()
      .find((t) => t.owner.metadata.name === 'receiver' && t.knativeServing)!;
    const literal = resolveContainerEnv(onlyContainer(template), {
      configMaps: manifests.configMapData(),
      secrets: new Map([['facetrail-secrets', { ...secret, 'admin-token': 'CHANGE_ME' }]]),
      fieldRef: () => '',
    });
    expect(() => receiver.load({ ...literal.env, PORT: '8080' })).toThrow(/ADMIN_TOKEN/);
  });
});

describe('the migration Job (upgrade/migrate-job.yaml)', () => {
  const runtime = runtimeOf(withUpgrade, { apiVersion: 'batch/v1', kind: 'Job', name: 'migrate' });

  it('resolves: every Secret key it names exists', () => {
    expect(runtime.manifest.problems).toEqual([]);
  });

  it('gives the migrator (scripts/migrate.ts) the database URL it reads, and nothing else', () => {
    expect(runtime.manifest.names).toEqual(['DATABASE_URL']);
    const read = variablesRead((env) => parseEnv(databaseShape, env), runtime.env);
    expect(read.has('DATABASE_URL')).toBe(true);
    expect(parseEnv(databaseShape, runtime.env).DATABASE_URL).toMatch(/^mysql:\/\//);
    // That is how the migrator reads its configuration.
    expect(readRepoFile('scripts/migrate.ts')).toContain('parseEnv(databaseShape, env)');
  });
});
