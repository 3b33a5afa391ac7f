// The labels the pods of each workload carry in a cluster, and label selectors applied to
// them, for the NetworkPolicy tests. A pod gets its template's labels plus what its
// controller adds; a selector that matched only by one of those additions would select more
// (or other) pods than the manifest shows, so they are part of the computation.
import type { INetworkPolicySpec } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicySpec';
import { kindKey, type Manifests, type PodTemplate } from './manifests.js';

export type LabelSelector = INetworkPolicySpec['podSelector'];

export interface Workload {
  /** "Deployment recognizer", "Service receiver" (a Knative Service), ... */
  id: string;
  /** The workload's name: what the tests and the policies' comments call it. */
  name: string;
  template: PodTemplate;
  /** Every label its pods carry. */
  podLabels: Record<string, string>;
}

/**
 * What each controller adds to a pod's template labels:
 * - Deployment: pod-template-hash (ReplicaSet).
 * - StatefulSet: controller-revision-hash, statefulset.kubernetes.io/pod-name, the pod index.
 * - Job: batch.kubernetes.io/job-name, job-name, the controller uids.
 * - Knative Service: its Revision carries the template's labels plus serving.knative.dev/*
 *   (knative/serving pkg/reconciler/configuration/resources/revision.go), and the Revision's
 *   pods those plus serving.knative.dev/revision, revisionUID and app=<revision name> when the
 *   template sets no `app` (pkg/reconciler/revision/resources/meta.go).
 * - ContainerSource: its Deployment's pods carry the template's labels plus
 *   sources.knative.dev/source: container-source-controller and
 *   sources.knative.dev/containerSource: <name> (knative/eventing
 *   pkg/reconciler/containersource/resources/deployment.go, labels.go), then pod-template-hash.
 */
export function podLabels(template: PodTemplate): Record<string, string> {
  const name = template.owner.metadata.name;
  const own = template.labels;
  switch (kindKey(template.owner)) {
    case 'apps/v1/Deployment':
      return { ...own, 'pod-template-hash': '5d8f7c9b6' };
    case 'apps/v1/StatefulSet':
      return {
        ...own,
        'controller-revision-hash': `${name}-7b9c5d6f8`,
        'statefulset.kubernetes.io/pod-name': `${name}-0`,
        'apps.kubernetes.io/pod-index': '0',
      };
    case 'batch/v1/Job':
      return {
        ...own,
        'batch.kubernetes.io/job-name': name,
        'job-name': name,
        'batch.kubernetes.io/controller-uid': '0b6f2a3e-job',
        'controller-uid': '0b6f2a3e-job',
      };
    case 'serving.knative.dev/v1/Service': {
      const revision = `${name}-00001`;
      return {
        app: revision,
        ...own,
        'serving.knative.dev/service': name,
        'serving.knative.dev/serviceUID': '1c2d3e4f-ksvc',
        'serving.knative.dev/configuration': name,
        'serving.knative.dev/configurationUID': '2d3e4f5a-config',
        'serving.knative.dev/configurationGeneration': '1',
        'serving.knative.dev/revision': revision,
        'serving.knative.dev/revisionUID': '3e4f5a6b-rev',
      };
    }
    case 'sources.knative.dev/v1/ContainerSource':
      return {
        ...own,
        'sources.knative.dev/source': 'container-source-controller',
        'sources.knative.dev/containerSource': name,
        'pod-template-hash': '6c7d8e9f0',
      };
    default:
      throw new Error(`no pod labels known for ${template.owner.kind} ${name}`);
  }
}

/** Every workload of these manifests, with its pods' labels. */
export function workloadsOf(manifests: Manifests): Workload[] {
  return manifests.podTemplates().map((template) => ({
    id: `${template.owner.kind} ${template.owner.metadata.name}`,
    name: template.owner.metadata.name,
    template,
    podLabels: podLabels(template),
  }));
}

/**
 * Whether a label selector selects these labels (Kubernetes semantics: every matchLabels pair
 * and every expression must hold; an empty selector selects everything).
 */
export function selects(selector: LabelSelector, labels: Record<string, string>): boolean {
  const pairs = Object.entries(selector.matchLabels ?? {});
  if (!pairs.every(([key, value]) => labels[key] === value)) return false;
  return (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    const has = Object.hasOwn(labels, key);
    switch (operator) {
      case 'In':
        return has && values.includes(labels[key]!);
      case 'NotIn':
        return !has || !values.includes(labels[key]!);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      default:
        throw new Error(`unknown label selector operator ${operator}`);
    }
  });
}
