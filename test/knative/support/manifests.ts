// Loads knative/*.yaml and answers questions about what they declare.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import { KNATIVE_DIR } from './repo.js';

export const KUSTOMIZATION = 'kustomization.yaml';
export const SECRET_EXAMPLE = 'secret.example.yaml';
/** Manifests outside the kustomization, created by hand for each upgrade (docs/deploy.md). */
export const UPGRADE_MANIFESTS = ['upgrade/migrate-job.yaml'];

type IObjectMeta = NonNullable<IPodTemplateSpec['metadata']>;

/** One Kubernetes object as written in a manifest file. */
export interface Resource {
  /** File name inside knative/. */
  file: string;
  apiVersion: string;
  kind: string;
  metadata: IObjectMeta & { name: string };
  /** The whole document. */
  body: Record<string, unknown>;
}

/** Parses YAML text with one or more documents; any error or warning is thrown, naming `source`. */
export function parseYamlDocuments(text: string, source: string): unknown[] {
  const documents = parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true });
  const list = Array.isArray(documents) ? documents : [documents];
  const values: unknown[] = [];
  for (const document of list) {
    const problems = [...document.errors, ...document.warnings];
    if (problems.length > 0) {
      throw new Error(`${source}: ${problems.map((problem) => problem.message).join('\n')}`);
    }
    const value: unknown = document.toJS();
    if (value !== null && value !== undefined) values.push(value);
  }
  return values;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every knative/*.yaml file but the kustomization, by name. */
export function manifestFiles(): string[] {
  return readdirSync(KNATIVE_DIR)
    .filter((file) => /\.ya?ml$/.test(file) && file !== KUSTOMIZATION)
    .sort();
}

/** The objects in one knative/ file; each must have apiVersion, kind and metadata.name. */
export function loadFile(file: string): Resource[] {
  const text = readFileSync(path.join(KNATIVE_DIR, file), 'utf8');
  return parseYamlDocuments(text, `knative/${file}`).map((value, index) => {
    const where = `knative/${file} document ${index + 1}`;
    if (!isRecord(value)) throw new Error(`${where}: not a mapping`);
    const { apiVersion, kind, metadata } = value;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
      throw new Error(`${where}: apiVersion and kind are required`);
    }
    if (!isRecord(metadata) || typeof metadata.name !== 'string') {
      throw new Error(`${where}: metadata.name is required`);
    }
    return {
      file,
      apiVersion,
      kind,
      metadata: metadata as unknown as Resource['metadata'],
      body: value,
    };
  });
}

/** knative/kustomization.yaml, parsed. */
export interface Kustomization {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  resources?: string[];
  configMapGenerator?: {
    name: string;
    files?: string[];
    literals?: string[];
    options?: { disableNameSuffixHash?: boolean };
  }[];
  images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
  [key: string]: unknown;
}

export function loadKustomization(): Kustomization {
  const [value] = parseYamlDocuments(
    readFileSync(path.join(KNATIVE_DIR, KUSTOMIZATION), 'utf8'),
    `knative/${KUSTOMIZATION}`,
  );
  if (!isRecord(value)) throw new Error(`knative/${KUSTOMIZATION}: not a mapping`);
  return value as Kustomization;
}

/** Where a pod template sits in a workload, and whether Knative Serving owns it. */
export interface PodTemplate {
  owner: Resource;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: IPodSpec & {
    containerConcurrency?: number;
    timeoutSeconds?: number;
  };
  /** A Knative Service revision template (Knative's restricted PodSpec, PORT injected). */
  knativeServing: boolean;
}

const POD_TEMPLATE_KINDS = new Set([
  'apps/v1/Deployment',
  'apps/v1/StatefulSet',
  'batch/v1/Job',
  'serving.knative.dev/v1/Service',
  'sources.knative.dev/v1/ContainerSource',
]);

export const kindKey = (resource: Pick<Resource, 'apiVersion' | 'kind'>) =>
  `${resource.apiVersion}/${resource.kind}`;

/** Every resource in the kustomization's files, plus lookups. */
export class Manifests {
  constructor(readonly resources: Resource[]) {}

  static load(files: string[]): Manifests {
    return new Manifests(files.flatMap((file) => loadFile(file)));
  }

  all(apiVersion: string, kind: string): Resource[] {
    return this.resources.filter((r) => r.apiVersion === apiVersion && r.kind === kind);
  }

  find(apiVersion: string, kind: string, name: string): Resource | undefined {
    return this.all(apiVersion, kind).find((r) => r.metadata.name === name);
  }

  get(apiVersion: string, kind: string, name: string): Resource {
    const found = this.find(apiVersion, kind, name);
    if (!found) throw new Error(`no ${apiVersion} ${kind} named ${name} in knative/`);
    return found;
  }

  /** The pod templates of Deployments, StatefulSets, Jobs, Knative Services and ContainerSources. */
  podTemplates(): PodTemplate[] {
    return this.resources.filter((r) => POD_TEMPLATE_KINDS.has(kindKey(r))).map(podTemplateOf);
  }

  /** The core v1 Services, by name. */
  services(): Map<string, Resource> {
    return new Map(this.all('v1', 'Service').map((r) => [r.metadata.name, r]));
  }

  /** A ConfigMap's data, by ConfigMap name. */
  configMapData(): Map<string, Record<string, string>> {
    return new Map(
      this.all('v1', 'ConfigMap').map((r) => [
        r.metadata.name,
        (r.body.data ?? {}) as Record<string, string>,
      ]),
    );
  }
}

export function podTemplateOf(owner: Resource): PodTemplate {
  const spec = owner.body.spec as { template?: { metadata?: IObjectMeta; spec?: unknown } };
  const template = spec?.template;
  if (!template || !isRecord(template.spec)) {
    throw new Error(
      `knative/${owner.file}: ${owner.kind} ${owner.metadata.name} has no pod template`,
    );
  }
  return {
    owner,
    labels: (template.metadata?.labels ?? {}) as Record<string, string>,
    annotations: (template.metadata?.annotations ?? {}) as Record<string, string>,
    spec: template.spec as unknown as PodTemplate['spec'],
    knativeServing: owner.apiVersion === 'serving.knative.dev/v1' && owner.kind === 'Service',
  };
}

/** The only container of a pod template (facetrail runs one per pod). */
export function onlyContainer(template: PodTemplate): IContainer {
  const containers = template.spec.containers ?? [];
  if (containers.length !== 1) {
    throw new Error(
      `${template.owner.kind} ${template.owner.metadata.name}: expected one container, found ${containers.length}`,
    );
  }
  return containers[0]!;
}

/** "svc.ns.svc.cluster.local:port" and friends, split into the Service and namespace they name. */
export function parseServiceAddress(
  address: string,
  namespace: string,
): { service: string; namespace: string; port: number; pod?: string } | undefined {
  const match = /^([a-z0-9.-]+):(\d+)$/.exec(address);
  if (!match) return undefined;
  const parts = match[1]!.replace(/\.svc\.cluster\.local$/, '').split('.');
  const port = Number(match[2]);
  if (parts.length === 1) return { service: parts[0]!, namespace, port };
  if (parts.length === 2) return { service: parts[0]!, namespace: parts[1]!, port };
  if (parts.length === 3) return { pod: parts[0]!, service: parts[1]!, namespace: parts[2]!, port };
  return undefined;
}

/** A Quantity such as 500m, 2, 1536Mi or 2Gi, as a plain number (cores or bytes). */
export function quantity(value: string | number | undefined): number {
  if (value === undefined) return Number.NaN;
  if (typeof value === 'number') return value;
  const match = /^([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(value);
  if (!match) return Number.NaN;
  const factors: Record<string, number> = {
    '': 1,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
  };
  return Number(match[1]) * factors[match[2] ?? '']!;
}
