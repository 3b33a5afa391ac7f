// What a deployable sees when its pod starts in the cluster: the environment built from its
// manifest and the Secret, plus what Knative injects (PORT for Serving, K_SINK for a source).
import type { IContainer } from 'kubernetes-models/v1/Container';
import { resolveContainerEnv, type ResolvedEnv } from './env.js';
import type { Deployable } from './deployables.js';
import {
  SECRET_EXAMPLE,
  loadFile,
  onlyContainer,
  podTemplateOf,
  type Manifests,
  type PodTemplate,
} from './manifests.js';

/**
 * A stand-in for what the operator generates where the example says CHANGE_ME
 * (`openssl rand -hex 24`): the same value everywhere, as the example's commands produce for
 * mysql-password and the password inside database-url.
 */
export const GENERATED_SECRET = 'a3f1c9e07b2d4856a3f1c9e07b2d4856a3f1c9e07b2d4856';

/** The Secrets as the operator creates them from secret.example.yaml. */
export function operatorSecrets(): Map<string, Record<string, string>> {
  return new Map(
    loadFile(SECRET_EXAMPLE).map((secret) => [
      secret.metadata.name,
      Object.fromEntries(
        Object.entries((secret.body.stringData ?? {}) as Record<string, string>).map(
          ([key, value]) => [key, value.replaceAll('CHANGE_ME', GENERATED_SECRET)],
        ),
      ),
    ]),
  );
}

export interface SinkRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** The URL Knative resolves a sink reference to (a Knative Service's cluster-local address). */
export function sinkUrl(ref: SinkRef, namespace: string): string {
  if (ref.apiVersion !== 'serving.knative.dev/v1' || ref.kind !== 'Service') {
    throw new Error(`sink ${ref.kind} ${ref.name}: only Knative Services are expected as sinks`);
  }
  return `http://${ref.name}.${ref.namespace ?? namespace}.svc.cluster.local`;
}

export interface Runtime {
  template: PodTemplate;
  container: IContainer;
  /** The variables the manifest sets, resolved. */
  manifest: ResolvedEnv;
  /** What the platform adds (Knative), by name. */
  platform: Record<string, string>;
  /** Everything the process sees. */
  env: Record<string, string>;
}

/**
 * The runtime of the pod template of `resource` (a Deployable's, or any workload's), with the
 * Secrets the example describes, or those given.
 */
export function runtimeOf(
  manifests: Manifests,
  resource: Deployable['resource'],
  secrets: Map<string, Record<string, string>> = operatorSecrets(),
): Runtime {
  const { apiVersion, kind, name } = resource;
  const owner = manifests.get(apiVersion, kind, name);
  const template = podTemplateOf(owner);
  const container = onlyContainer(template);
  const namespace = owner.metadata.namespace ?? 'default';
  const manifest = resolveContainerEnv(container, {
    configMaps: manifests.configMapData(),
    secrets,
    fieldRef: (fieldPath) =>
      ({ 'metadata.name': `${name}-0`, 'metadata.namespace': namespace })[fieldPath] ??
      `<${fieldPath}>`,
  });
  const platform: Record<string, string> = {};
  if (template.knativeServing) {
    // Knative Serving sets PORT to the container's port (8080 when none is declared).
    platform.PORT = String(container.ports?.[0]?.containerPort ?? 8080);
    platform.K_SERVICE = name;
    platform.K_CONFIGURATION = name;
    platform.K_REVISION = `${name}-00001`;
  }
  if (kind === 'ContainerSource') {
    const spec = owner.body.spec as { sink: { ref: SinkRef }; ceOverrides?: unknown };
    platform.K_SINK = sinkUrl(spec.sink.ref, namespace);
    if (spec.ceOverrides !== undefined) platform.K_CE_OVERRIDES = JSON.stringify(spec.ceOverrides);
  }
  return { template, container, manifest, platform, env: { ...manifest.env, ...platform } };
}
