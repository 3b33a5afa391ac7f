// Schema validation of manifests with the @kubernetes-models validators, made strict.
//
// The validators check types, formats and required fields but accept any unknown field, which
// the API server refuses (kubectl's field validation is Strict by default) and which Knative's
// webhook refuses in a revision template. So the object is validated through a Proxy that
// records every field the validator looks at: a field it never looked at is one its schema
// does not define. Where a schema leaves an object open (Knative's CRDs keep a ContainerSource
// template or a PersistentVolumeClaim volume source opaque), that subtree is checked against
// the core Kubernetes schema instead.
import type { Model } from '@kubernetes-models/base';
import { Service as KnativeService } from '@kubernetes-models/knative/serving.knative.dev/v1/Service';
import { ContainerSource } from '@kubernetes-models/knative/sources.knative.dev/v1/ContainerSource';
import { PingSource } from '@kubernetes-models/knative/sources.knative.dev/v1/PingSource';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { PodTemplate } from 'kubernetes-models/v1/PodTemplate';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { kindKey, type Resource } from './manifests.js';

type ModelClass = new (data: Record<string, unknown>) => Model<unknown>;

/** The kinds facetrail's manifests may use, with the validator each is checked against. */
export const MODELS: Record<string, ModelClass> = {
  'v1/Namespace': Namespace as unknown as ModelClass,
  'v1/ConfigMap': ConfigMap as unknown as ModelClass,
  'v1/Secret': Secret as unknown as ModelClass,
  'v1/Service': Service as unknown as ModelClass,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim as unknown as ModelClass,
  'apps/v1/Deployment': Deployment as unknown as ModelClass,
  'apps/v1/StatefulSet': StatefulSet as unknown as ModelClass,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget as unknown as ModelClass,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy as unknown as ModelClass,
  'batch/v1/Job': Job as unknown as ModelClass,
  'serving.knative.dev/v1/Service': KnativeService as unknown as ModelClass,
  'sources.knative.dev/v1/ContainerSource': ContainerSource as unknown as ModelClass,
  'sources.knative.dev/v1/PingSource': PingSource as unknown as ModelClass,
};

/** Kinds whose spec.template is a pod template the core schema can check where theirs is open. */
const POD_TEMPLATE_FALLBACK = new Set([
  'serving.knative.dev/v1/Service',
  'sources.knative.dev/v1/ContainerSource',
]);

interface Tracked {
  errors: string[];
  /** JSON-pointer-like paths of every property the validator read. */
  seen: Set<string>;
}

function track(value: unknown, at: string, seen: Set<string>): unknown {
  if (value === null || typeof value !== 'object') return value;
  return new Proxy(value, {
    get(target, key, receiver) {
      const child: unknown = Reflect.get(target, key, receiver);
      if (typeof key !== 'string') return child;
      seen.add(`${at}/${key}`);
      return track(child, `${at}/${key}`, seen);
    },
  });
}

function validateTracked(Kind: ModelClass, data: Record<string, unknown>): Tracked {
  const model = new Kind(data);
  const seen = new Set<string>();
  const errors: string[] = [];
  try {
    // validate() is bound to `this`: hand it the tracking proxy of the model.
    model.validate.call(track(model, '', seen) as Model<unknown>);
  } catch (error) {
    errors.push((error as Error).message);
  }
  return { errors, seen };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

/** True when the validator looked at nothing below `at`: its schema leaves that object open. */
function isOpaque(at: string, seen: Set<string>): boolean {
  const prefix = `${at}/`;
  for (const path of seen) if (path.startsWith(prefix)) return false;
  return true;
}

/**
 * Validates one resource: the schema of its kind, and no field that schema does not define.
 * Returns the problems, each naming the field; empty when the resource is valid.
 */
export function validateResource(resource: Resource): string[] {
  const key = kindKey(resource);
  const Kind = MODELS[key];
  if (!Kind) return [`${key} is not a kind facetrail's manifests use (no validator for it)`];
  const primary = validateTracked(Kind, resource.body);
  const problems = [...primary.errors];

  // The core schema's view of the pod template, for subtrees the kind's own schema leaves open.
  let fallback: Tracked | undefined;
  const template = (resource.body.spec as { template?: unknown } | undefined)?.template;
  if (POD_TEMPLATE_FALLBACK.has(key) && isObject(template)) {
    fallback = validateTracked(PodTemplate as unknown as ModelClass, {
      apiVersion: 'v1',
      kind: 'PodTemplate',
      metadata: { name: resource.metadata.name },
      template,
    });
    problems.push(...fallback.errors.map((error) => `as a core pod template: ${error}`));
  }
  const toFallback = (at: string) =>
    at.startsWith('/spec/template/') ? `/template/${at.slice('/spec/template/'.length)}` : at;

  const walk = (value: unknown, at: string, useFallback: boolean) => {
    if (!isObject(value)) return;
    for (const [name, child] of Object.entries(value)) {
      const childAt = `${at}/${name}`;
      if (useFallback) {
        if (!fallback!.seen.has(toFallback(childAt))) problems.push(`unknown field ${childAt}`);
        else walk(child, childAt, true);
      } else if (primary.seen.has(childAt)) {
        walk(child, childAt, false);
      } else if (
        fallback &&
        childAt.startsWith('/spec/template/') &&
        isOpaque(at, primary.seen) &&
        fallback.seen.has(toFallback(childAt))
      ) {
        walk(child, childAt, true);
      } else {
        problems.push(`unknown field ${childAt}`);
      }
    }
  };
  walk(resource.body, '', false);
  return problems;
}
