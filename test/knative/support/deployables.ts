// Which manifest runs which deployable, with the configuration loader the deployable itself
// calls at start. The tests derive every requirement (variables, ports, timeouts) from these
// loaders, so a change in the code that the manifests do not follow fails them.
import { loadAdapterConfig } from '../../../adapters/nsq-cloudevents/config.js';
import { loadFrontendConfig } from '../../../functions/frontend/config.js';
import { loadProcessorConfig } from '../../../functions/processor/config.js';
import { loadReceiverConfig } from '../../../functions/receiver/config.js';
import { loadRedeemerConfig } from '../../../functions/redeemer/config.js';
import type { Env } from '../../../lib/config/env.js';
import { loadRecognizerConfig } from '../../../recognizer/config.js';

/**
 * Where the recognizer's loader thinks it runs. Many cores, so that a manifest relying on the
 * INFERENCE_WORKERS default (one worker per core of the node, not of the pod) is caught.
 */
export const RECOGNIZER_NODE_CORES = 64;

export interface Deployable {
  name: string;
  /** The resource whose pod template runs it. */
  resource: { apiVersion: string; kind: string; name: string };
  /** The source file the image's command runs, compiled (the same entry `npm start` runs). */
  entry: string;
  /** The image reference the manifest names (before kustomize's `images:` rewrite). */
  image: string;
  load: (env: Env) => object;
}

const knativeService = (name: string) => ({
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Service',
  name,
});

export const DEPLOYABLES = [
  {
    name: 'receiver',
    resource: knativeService('receiver'),
    entry: 'functions/receiver/main.ts',
    image: 'facetrail/receiver',
    load: loadReceiverConfig,
  },
  {
    name: 'processor',
    resource: knativeService('processor'),
    entry: 'functions/processor/main.ts',
    image: 'facetrail/processor',
    load: loadProcessorConfig,
  },
  {
    name: 'frontend',
    resource: knativeService('frontend'),
    entry: 'functions/frontend/main.ts',
    image: 'facetrail/frontend',
    load: loadFrontendConfig,
  },
  {
    name: 'redeemer',
    resource: knativeService('redeemer'),
    entry: 'functions/redeemer/main.ts',
    image: 'facetrail/redeemer',
    load: loadRedeemerConfig,
  },
  {
    name: 'nsq-cloudevents',
    resource: {
      apiVersion: 'sources.knative.dev/v1',
      kind: 'ContainerSource',
      name: 'nsq-cloudevents',
    },
    entry: 'adapters/nsq-cloudevents/main.ts',
    image: 'facetrail/nsq-cloudevents',
    load: loadAdapterConfig,
  },
  {
    name: 'recognizer',
    resource: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'recognizer' },
    entry: 'recognizer/main.ts',
    image: 'facetrail/recognizer',
    load: (env: Env) =>
      loadRecognizerConfig(env, { cores: RECOGNIZER_NODE_CORES, cwd: '/nonexistent-cwd' }),
  },
] as const satisfies readonly Deployable[];

/**
 * Variables whose default means "this machine" (docs/architecture.md, "Configuration": SQLite and local
 * folders under DATA_DIR, the embedded queue, a loopback recognizer). In the cluster every
 * deployable that reads one must be given it, even when the code would start without it.
 */
export const CLUSTER_WIRING = [
  'DATABASE_URL',
  'IMAGES_ROOT',
  'NSQD_TCP_ADDRESS',
  'NSQLOOKUPD_HTTP_ADDRESSES',
  'RECOGNIZER_ADDRESS',
] as const;

/** The variables a loader reads, found by handing it an environment that records lookups. */
export function variablesRead(load: (env: Env) => unknown, env: Env = {}): Set<string> {
  const read = new Set<string>();
  const recording = new Proxy(env, {
    get(target, key, receiver) {
      if (typeof key === 'string') read.add(key);
      return Reflect.get(target, key, receiver) as unknown;
    },
    has(target, key) {
      if (typeof key === 'string') read.add(key);
      return Reflect.has(target, key);
    },
  });
  try {
    load(recording);
  } catch {
    // Reading is what matters here; the tests load valid environments separately.
  }
  return read;
}
