// knative/: every manifest parses and validates, the kustomization lists them, and what the
// API server and Knative's webhook would check without a cluster (references, selectors,
// security) holds.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { IContainer } from 'kubernetes-models/v1/Container';
import {
  Manifests,
  SECRET_EXAMPLE,
  UPGRADE_MANIFESTS,
  kindKey,
  loadFile,
  loadKustomization,
  manifestFiles,
  parseYamlDocuments,
  quantity,
  type PodTemplate,
  type Resource,
} from './support/manifests.js';
import { KNATIVE_DIR } from './support/repo.js';
import { validateResource } from './support/schema.js';

const kustomization = loadKustomization();
const applied = kustomization.resources ?? [];
const manifests = Manifests.load(applied);
/** The applied manifests and the ones an upgrade creates by hand (the migration Job). */
const everything = Manifests.load([...applied, ...UPGRADE_MANIFESTS]);
const example = loadFile(SECRET_EXAMPLE);
const namespace = kustomization.namespace ?? '';

const containersOf = (template: PodTemplate): IContainer[] => [
  ...(template.spec.initContainers ?? []),
  ...(template.spec.containers ?? []),
];
const nameOf = (template: PodTemplate) => `${template.owner.kind} ${template.owner.metadata.name}`;

describe('knative/kustomization.yaml', () => {
  it('lists every manifest in knative/, numbered and in order, but the Secret example', () => {
    const manifestsOnDisk = manifestFiles().filter((file) => file !== SECRET_EXAMPLE);
    expect([...applied].sort()).toEqual(manifestsOnDisk);
    expect(applied).toEqual([...applied].sort());
    for (const file of applied) expect(file).toMatch(/^\d{2}-[a-z0-9-]+\.yaml$/);
    expect(new Set(applied).size).toBe(applied.length);
  });

  it('never applies the Secret example', () => {
    expect(applied).not.toContain(SECRET_EXAMPLE);
    expect(manifests.all('v1', 'Secret')).toEqual([]);
  });

  it('leaves the migration Job to upgrades (a Job cannot be re-applied with a new image)', () => {
    expect(applied.filter((file) => UPGRADE_MANIFESTS.includes(file))).toEqual([]);
    expect(manifests.all('batch/v1', 'Job')).toEqual([]);
    expect(everything.all('batch/v1', 'Job').map((job) => job.metadata.name)).toEqual(['migrate']);
  });

  it('uses only fields kustomize knows, and files inside knative/', () => {
    const known = [
      'apiVersion',
      'kind',
      'namespace',
      'resources',
      'configMapGenerator',
      'images',
      'labels',
      'patches',
    ];
    expect(Object.keys(kustomization).filter((key) => !known.includes(key))).toEqual([]);
    expect(kustomization.apiVersion).toBe('kustomize.config.k8s.io/v1beta1');
    expect(kustomization.kind).toBe('Kustomization');
    const files = (kustomization.configMapGenerator ?? []).flatMap((g) => g.files ?? []);
    for (const file of [...applied, ...files]) {
      const resolved = path.resolve(KNATIVE_DIR, file);
      expect(resolved.startsWith(`${KNATIVE_DIR}${path.sep}`)).toBe(true);
      expect(existsSync(resolved)).toBe(true);
    }
  });

  it('puts everything in the namespace 00-namespace.yaml creates', () => {
    const [created] = manifests.all('v1', 'Namespace');
    expect(created?.metadata.name).toBe(namespace);
    for (const resource of [...everything.resources, ...example]) {
      if (resource.kind === 'Namespace') continue;
      expect(`${resource.kind} ${resource.metadata.name} in ${resource.metadata.namespace}`).toBe(
        `${resource.kind} ${resource.metadata.name} in ${namespace}`,
      );
    }
  });

  // kubectl comes with this machine kind (go-svc); elsewhere install it rather than skip this.
  it('builds with kubectl kustomize', () => {
    const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
    if (kubectl.status !== 0)
      throw new Error('kubectl is not installed: this test needs `kubectl kustomize`');
    const built = spawnSync('kubectl', ['kustomize', KNATIVE_DIR], { encoding: 'utf8' });
    expect(built.stderr).toBe('');
    expect(built.status).toBe(0);
    const objects = parseYamlDocuments(
      built.stdout,
      'kubectl kustomize knative/',
    ) as Resource['body'][];
    const kinds = objects.map((o) => `${String(o.kind)} ${(o.metadata as { name: string }).name}`);
    expect(kinds).toContain('ConfigMap mysql-initdb');
    expect(objects).toHaveLength(manifests.resources.length + 1);
    // kustomize's images: rewrite reaches Knative's kinds too.
    const images = JSON.stringify(objects).match(/"image":"[^"]+"/g) ?? [];
    for (const image of images) expect(image).not.toMatch(/"image":"facetrail\//);
  });
});

describe('knative/ manifests', () => {
  it.each([...manifestFiles(), ...UPGRADE_MANIFESTS])(
    '%s parses: YAML without duplicate keys, Kubernetes objects',
    (file) => {
      expect(loadFile(file).length).toBeGreaterThan(0);
    },
  );

  it.each([...everything.resources, ...example].map((r) => [`${r.kind} ${r.metadata.name}`, r]))(
    '%s validates against its schema, with no unknown field',
    (_name, resource) => {
      expect(validateResource(resource as Resource)).toEqual([]);
    },
  );

  it('names are DNS-1123 labels, unique per kind', () => {
    const seen = new Set<string>();
    for (const resource of everything.resources) {
      expect(resource.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
      const key = `${kindKey(resource)} ${resource.metadata.name}`;
      expect(seen.has(key)).toBe(false);
      seen.add(key);
    }
  });

  it('the Secret example holds placeholders only', () => {
    expect(example).toHaveLength(1);
    const secret = example[0]!;
    expect(secret.body.data).toBeUndefined();
    const values = Object.values(secret.body.stringData as Record<string, string>);
    expect(values.length).toBeGreaterThan(0);
    for (const value of values) expect(value).toContain('CHANGE_ME');
  });

  it('every Service selects the pods of exactly one workload and targets ports they declare', () => {
    const templates = manifests.podTemplates().filter((t) => !t.knativeServing);
    for (const service of manifests.all('v1', 'Service')) {
      const spec = service.body.spec as {
        selector: Record<string, string>;
        ports: { name: string; port: number; targetPort?: string | number }[];
      };
      const selected = templates.filter((t) =>
        Object.entries(spec.selector).every(([key, value]) => t.labels[key] === value),
      );
      expect(`${service.metadata.name} selects ${selected.length}`).toBe(
        `${service.metadata.name} selects 1`,
      );
      const ports = (selected[0]!.spec.containers ?? []).flatMap((c) => c.ports ?? []);
      for (const port of spec.ports) {
        const target = port.targetPort ?? port.port;
        const declared = ports.find((p) =>
          typeof target === 'string' ? p.name === target : p.containerPort === target,
        );
        expect(
          `${service.metadata.name}:${port.name} -> ${declared ? 'declared' : 'missing'}`,
        ).toBe(`${service.metadata.name}:${port.name} -> declared`);
      }
    }
  });

  it('workload selectors match their pod labels; StatefulSets name their headless Service', () => {
    for (const kind of ['Deployment', 'StatefulSet']) {
      for (const workload of manifests.all('apps/v1', kind)) {
        const spec = workload.body.spec as {
          selector: { matchLabels: Record<string, string> };
          template: { metadata: { labels: Record<string, string> } };
          serviceName?: string;
        };
        for (const [key, value] of Object.entries(spec.selector.matchLabels)) {
          expect(spec.template.metadata.labels[key]).toBe(value);
        }
        if (kind === 'StatefulSet') {
          const service = manifests.get('v1', 'Service', spec.serviceName ?? '');
          expect((service.body.spec as { clusterIP?: string }).clusterIP).toBe('None');
        }
      }
    }
  });

  it('every volume, claim, ConfigMap and Secret a pod refers to exists', () => {
    const claims = new Set(
      manifests.all('v1', 'PersistentVolumeClaim').map((r) => r.metadata.name),
    );
    const configMaps = new Set([
      ...manifests.all('v1', 'ConfigMap').map((r) => r.metadata.name),
      ...(kustomization.configMapGenerator ?? []).map((g) => g.name),
    ]);
    const secrets = new Set(example.map((r) => r.metadata.name));
    for (const template of everything.podTemplates()) {
      const volumes = new Set((template.spec.volumes ?? []).map((v) => v.name));
      const claimTemplates = (
        (template.owner.body.spec as { volumeClaimTemplates?: { metadata: { name: string } }[] })
          .volumeClaimTemplates ?? []
      ).map((c) => c.metadata.name);
      for (const volume of template.spec.volumes ?? []) {
        if (volume.persistentVolumeClaim)
          expect(claims).toContain(volume.persistentVolumeClaim.claimName);
        if (volume.configMap) expect(configMaps).toContain(volume.configMap.name);
        if (volume.secret) expect(secrets).toContain(volume.secret.secretName);
      }
      for (const container of containersOf(template)) {
        for (const mount of container.volumeMounts ?? []) {
          expect([...volumes, ...claimTemplates]).toContain(mount.name);
        }
        for (const variable of container.env ?? []) {
          const ref = variable.valueFrom;
          if (ref?.configMapKeyRef) expect(configMaps).toContain(ref.configMapKeyRef.name);
          if (ref?.secretKeyRef) expect(secrets).toContain(ref.secretKeyRef.name);
        }
      }
    }
  });

  it('every container runs as non-root within the restricted Pod Security profile', () => {
    for (const template of everything.podTemplates()) {
      const pod = template.spec.securityContext ?? {};
      for (const container of containersOf(template)) {
        const own = container.securityContext ?? {};
        const where = `${nameOf(template)} container ${container.name}`;
        expect(`${where}: runAsNonRoot=${own.runAsNonRoot ?? pod.runAsNonRoot}`).toBe(
          `${where}: runAsNonRoot=true`,
        );
        expect(`${where}: runAsUser=${own.runAsUser ?? pod.runAsUser}`).not.toMatch(/=0$/);
        expect(`${where}: allowPrivilegeEscalation=${own.allowPrivilegeEscalation}`).toBe(
          `${where}: allowPrivilegeEscalation=false`,
        );
        expect(own.privileged).not.toBe(true);
        expect(own.capabilities?.drop).toContain('ALL');
        expect(own.capabilities?.add ?? []).toEqual([]);
        expect(`${where}: seccomp=${(own.seccompProfile ?? pod.seccompProfile)?.type}`).toBe(
          `${where}: seccomp=RuntimeDefault`,
        );
        expect(typeof own.readOnlyRootFilesystem).toBe('boolean');
      }
      expect(template.spec.hostNetwork ?? false).toBe(false);
      expect(template.spec.hostPID ?? false).toBe(false);
      expect(template.spec.hostIPC ?? false).toBe(false);
    }
  });

  it('no pod gets service links or a service account token', () => {
    // Service links would add RECOGNIZER_PORT=tcp://..., RECEIVER_PORT=tcp://... and the like,
    // which the components read as their own port settings.
    for (const template of everything.podTemplates()) {
      expect(`${nameOf(template)}: ${template.spec.enableServiceLinks}`).toBe(
        `${nameOf(template)}: false`,
      );
      expect(`${nameOf(template)}: ${template.spec.automountServiceAccountToken}`).toBe(
        `${nameOf(template)}: false`,
      );
    }
  });

  it('every container requests CPU and memory, and is limited to no less', () => {
    for (const template of everything.podTemplates()) {
      for (const container of containersOf(template)) {
        const { requests = {}, limits = {} } = container.resources ?? {};
        for (const resource of ['cpu', 'memory']) {
          const where = `${nameOf(template)} ${container.name} ${resource}`;
          const request = quantity(requests[resource]);
          const limit = quantity(limits[resource]);
          expect(`${where}: ${request > 0 && limit >= request}`).toBe(`${where}: true`);
        }
      }
    }
  });

  it('every container that keeps running has a readiness and a liveness probe', () => {
    for (const template of manifests.podTemplates()) {
      for (const container of template.spec.containers ?? []) {
        expect(container.readinessProbe).toBeDefined();
        expect(container.livenessProbe).toBeDefined();
      }
    }
  });
});
