// The pieces fit: ports and probes are where the code listens, every address names a Service
// that leads to the right port, the sources deliver to the right functions, NSQ and MySQL are
// set up as the design needs, and the scaling numbers agree with each other.
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import { loadAdapterConfig } from '../../adapters/nsq-cloudevents/config.js';
import { loadFrontendConfig } from '../../functions/frontend/config.js';
import { loadProcessorConfig } from '../../functions/processor/config.js';
import { loadReceiverConfig } from '../../functions/receiver/config.js';
import { loadRedeemerConfig } from '../../functions/redeemer/config.js';
import { RECOGNIZER_SERVICE } from '../../lib/recognizer/protocol.js';
import { loadRecognizerConfig } from '../../recognizer/config.js';
import { DEPLOYABLES, RECOGNIZER_NODE_CORES } from './support/deployables.js';
import { expandReferences } from './support/env.js';
import {
  DB_COMPONENTS,
  dbUserOf,
  passwordVariableOf,
  passwordVariables,
} from './support/db-users.js';
import {
  Manifests,
  UPGRADE_MANIFESTS,
  loadKustomization,
  onlyContainer,
  parseServiceAddress,
  podTemplateOf,
  quantity,
  type PodTemplate,
  type Resource,
} from './support/manifests.js';
import { readRepoFile } from './support/repo.js';
import { runtimeOf, sinkUrl, type Runtime, type SinkRef } from './support/runtime.js';

const kustomization = loadKustomization();
const manifests = Manifests.load(kustomization.resources ?? []);
const namespace = kustomization.namespace ?? '';

const runtimes = new Map(DEPLOYABLES.map((d) => [d.name, runtimeOf(manifests, d.resource)]));
const runtime = (name: (typeof DEPLOYABLES)[number]['name']): Runtime => runtimes.get(name)!;

const receiver = loadReceiverConfig(runtime('receiver').env);
const processor = loadProcessorConfig(runtime('processor').env);
const frontend = loadFrontendConfig(runtime('frontend').env);
const redeemer = loadRedeemerConfig(runtime('redeemer').env);
const adapter = loadAdapterConfig(runtime('nsq-cloudevents').env);
const recognizer = loadRecognizerConfig(runtime('recognizer').env, {
  cores: RECOGNIZER_NODE_CORES,
  cwd: '/nonexistent-cwd',
});

/**
 * Memory one recognizer inference worker holds on the wasm backend, and what the process needs
 * beside its workers (gRPC, sharp decoding, gallery): recognizer/README.md "Resources" measured
 * ~450 MB per worker, 0.7 GB for one worker and 1.2-1.4 GB for two.
 */
const RECOGNIZER_BYTES_PER_WORKER = 0.7 * 2 ** 30;
const RECOGNIZER_BASE_BYTES = 0.25 * 2 ** 30;
/** Memory a function process needs beside the requests it holds. */
const FUNCTION_BASE_BYTES = 256 * 2 ** 20;

/** The port number a probe or Service targets, resolving a port name against the container. */
function portNumber(container: IContainer, port: string | number | undefined): number | undefined {
  if (typeof port === 'number') return port;
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

function probePort(container: IContainer, probe: IProbe | undefined): number | undefined {
  const port = probe?.httpGet?.port ?? probe?.grpc?.port ?? probe?.tcpSocket?.port;
  return portNumber(container, port);
}

function knativeService(name: string): { resource: Resource; template: PodTemplate } {
  const resource = manifests.get('serving.knative.dev/v1', 'Service', name);
  return { resource, template: podTemplateOf(resource) };
}

const annotation = (template: PodTemplate, name: string) =>
  template.annotations[`autoscaling.knative.dev/${name}`];

/** A Go duration (nsqd's flags): 15m, 60s, 1h30m, 500ms. */
function goDurationMs(value: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  const rest = value.replace(
    /(\d+(?:\.\d+)?)(ms|s|m|h)/g,
    (_whole, amount: string, unit: string) => {
      total += Number(amount) * units[unit]!;
      return '';
    },
  );
  if (rest !== '' || value === '') throw new Error(`not a Go duration: ${value}`);
  return total;
}

/** `--flag=value` arguments of a container's command and args, $(VAR) expanded. */
function flags(container: IContainer, env: Record<string, string>): Map<string, string> {
  const problems: string[] = [];
  const parts = [...(container.command ?? []), ...(container.args ?? [])].map((part) =>
    expandReferences(part, env, problems, `container ${container.name}`),
  );
  expect(problems).toEqual([]);
  return new Map(
    parts
      .map((part) => /^--([a-z0-9-]+)=(.*)$/.exec(part))
      .filter((match) => match !== null)
      .map((match) => [match[1]!, match[2]!]),
  );
}

/** The workload a core Service selects, and the container port its named Service port reaches. */
function throughService(serviceName: string, servicePort: number) {
  const service = manifests.get('v1', 'Service', serviceName);
  const spec = service.body.spec as {
    selector: Record<string, string>;
    ports: { name: string; port: number; targetPort?: string | number }[];
  };
  const port = spec.ports.find((p) => p.port === servicePort);
  if (!port) throw new Error(`Service ${serviceName} has no port ${servicePort}`);
  const template = manifests
    .podTemplates()
    .find(
      (t) =>
        !t.knativeServing &&
        Object.entries(spec.selector).every(([key, value]) => t.labels[key] === value),
    );
  if (!template) throw new Error(`Service ${serviceName} selects no workload`);
  const container = onlyContainer(template);
  return {
    service,
    portName: port.name,
    template,
    container,
    containerPort: portNumber(container, port.targetPort ?? port.port),
  };
}

describe('ports and probes are where the code listens', () => {
  const healthRoutes = readRepoFile('lib/http/health.ts');

  it.each(['receiver', 'processor', 'frontend', 'redeemer'] as const)(
    '%s: Knative PORT, /readyz and /healthz on the container port',
    (name) => {
      const { container, env } = runtime(name);
      const [port, ...others] = container.ports ?? [];
      expect(others).toEqual([]);
      expect(['http1', 'h2c']).toContain(port?.name);
      const listening = { receiver, processor, frontend, redeemer }[name].port;
      expect(listening).toBe(port?.containerPort);
      expect(Number(env.PORT)).toBe(port?.containerPort);
      expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
      expect(container.livenessProbe?.httpGet?.path).toBe('/healthz');
      for (const probe of [container.readinessProbe, container.livenessProbe]) {
        // Knative accepts no other port in a probe than the container's.
        expect(probePort(container, probe) ?? port?.containerPort).toBe(port?.containerPort);
      }
      // The function serves them: its app mounts lib/http/health.ts's routes.
      const entry = DEPLOYABLES.find((d) => d.name === name)!.entry;
      expect(readRepoFile(entry.replace(/main\.ts$/, 'app.ts'))).toContain('healthRoutes(');
      expect(healthRoutes).toContain("'/readyz'");
      expect(healthRoutes).toContain("'/healthz'");
    },
  );

  it('adapter: /readyz and /healthz on its health port', () => {
    const { container } = runtime('nsq-cloudevents');
    expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(container.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(probePort(container, container.readinessProbe)).toBe(adapter.healthPort);
    expect(probePort(container, container.livenessProbe)).toBe(adapter.healthPort);
    // The same routes as the functions': lib/http/health.ts on a port of its own.
    expect(readRepoFile('adapters/nsq-cloudevents/adapter.ts')).toContain(
      "import { startHealthServer, type Readiness } from '../../lib/http/health.js'",
    );
    const routes = readRepoFile('lib/http/health.ts');
    expect(routes).toContain("'/readyz'");
    expect(routes).toContain("'/healthz'");
  });

  it('recognizer: gRPC on all interfaces, native gRPC probes of its health service', () => {
    const { container } = runtime('recognizer');
    expect(['0.0.0.0', '::']).toContain(recognizer.host);
    expect(portNumber(container, 'grpc')).toBe(recognizer.port);
    const probes = [container.startupProbe, container.livenessProbe, container.readinessProbe];
    for (const probe of probes) {
      expect(probe?.grpc).toBeDefined();
      expect(probePort(container, probe)).toBe(recognizer.port);
      expect(['', RECOGNIZER_SERVICE]).toContain(probe?.grpc?.service ?? '');
    }
    // The models load before SERVING: the startup probe waits minutes, not seconds.
    const startup = container.startupProbe!;
    expect((startup.periodSeconds ?? 10) * (startup.failureThreshold ?? 3)).toBeGreaterThanOrEqual(
      120,
    );
    const service = manifests.get('v1', 'Service', 'recognizer');
    const [port] = (service.body.spec as { ports: { appProtocol?: string; name: string }[] }).ports;
    expect(port?.appProtocol).toBe('kubernetes.io/h2c');
    expect(throughService('recognizer', Number(recognizer.port)).containerPort).toBe(
      recognizer.port,
    );
  });
});

describe('every address names a Service that leads to the right port', () => {
  const cases = [
    ['RECOGNIZER_ADDRESS', 'recognizer', 'grpc'],
    ['NSQD_TCP_ADDRESS', 'nsqd', 'tcp'],
    ['NSQLOOKUPD_HTTP_ADDRESSES', 'nsqlookupd', 'http'],
  ] as const;
  for (const [variable, service, portName] of cases) {
    it(`${variable} -> Service ${service}, port ${portName}`, () => {
      let users = 0;
      for (const [name, { env }] of runtimes) {
        if (env[variable] === undefined) continue;
        users++;
        for (const address of env[variable].split(',')) {
          const target = parseServiceAddress(address.trim(), namespace);
          expect(`${name}: ${address} -> ${target?.service}.${target?.namespace}`).toBe(
            `${name}: ${address} -> ${service}.${namespace}`,
          );
          expect(throughService(service, target!.port).portName).toBe(portName);
        }
      }
      expect(users).toBeGreaterThan(0);
    });
  }

  it('DATABASE_URL -> Service mysql, each component as its own user (zz_users.sh), with its password', () => {
    const mysql = throughService('mysql', 3306);
    const mysqlEnv = runtimeOf(manifests, {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      name: 'mysql',
    }).env;
    const variables = passwordVariables();
    const users: string[] = [];
    for (const [name, { env }] of runtimes) {
      if (env.DATABASE_URL === undefined) continue;
      const url = new URL(env.DATABASE_URL);
      expect(`${name}: ${url.protocol}`).toBe(`${name}: mysql:`);
      const target = parseServiceAddress(`${url.hostname}:${url.port || 3306}`, namespace);
      expect(`${target?.service}.${target?.namespace}`).toBe(`mysql.${namespace}`);
      expect(throughService('mysql', target!.port).portName).toBe('mysql');
      expect(url.pathname).toBe(`/${mysqlEnv.MYSQL_DATABASE}`);
      // Its own user, created by the init script, never the owner (which may change the schema).
      expect(`${name}: ${url.username}`).toBe(`${name}: ${dbUserOf(name)}`);
      expect(url.username).not.toBe(mysqlEnv.MYSQL_USER);
      const variable = variables.get(url.username);
      expect(`${name}: ${variable}`).toMatch(/_DB_PASSWORD$/);
      // The script's password for that user is the one in the URL (the Secret keys agree).
      expect(`${name}: ${mysqlEnv[variable!]}`).toBe(
        `${name}: ${decodeURIComponent(url.password)}`,
      );
      users.push(url.username);
    }
    expect(users.sort()).toEqual([...DB_COMPONENTS].map(dbUserOf).sort());
    expect([...variables.keys()].sort()).toEqual(users);
    expect(mysql.template.owner.metadata.name).toBe('mysql');
  });

  it("the MySQL container gives zz_users.sh each component's password from the Secret", () => {
    const env =
      onlyContainer(podTemplateOf(manifests.get('apps/v1', 'StatefulSet', 'mysql'))).env ?? [];
    for (const component of DB_COMPONENTS) {
      const variable = env.find((v) => v.name === passwordVariableOf(component));
      expect(variable?.valueFrom?.secretKeyRef).toEqual({
        name: 'facetrail-secrets',
        key: `mysql-${component}-password`,
      });
    }
    expect(env.filter((v) => /^FACETRAIL_/.test(v.name))).toHaveLength(DB_COMPONENTS.length);
  });

  it('the migration Job connects as the owner MySQL creates (the only user with DDL rights)', () => {
    const withUpgrade = Manifests.load([...(kustomization.resources ?? []), ...UPGRADE_MANIFESTS]);
    const job = runtimeOf(withUpgrade, { apiVersion: 'batch/v1', kind: 'Job', name: 'migrate' });
    const mysqlEnv = runtimeOf(manifests, {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      name: 'mysql',
    }).env;
    const url = new URL(job.env.DATABASE_URL!);
    expect(parseServiceAddress(`${url.hostname}:${url.port}`, namespace)?.service).toBe('mysql');
    expect(url.username).toBe(mysqlEnv.MYSQL_USER);
    expect(decodeURIComponent(url.password)).toBe(mysqlEnv.MYSQL_PASSWORD);
    expect(url.pathname).toBe(`/${mysqlEnv.MYSQL_DATABASE}`);
  });
});

describe('sources', () => {
  const source = manifests.get('sources.knative.dev/v1', 'ContainerSource', 'nsq-cloudevents');
  const ping = manifests.get('sources.knative.dev/v1', 'PingSource', 'redeemer-tick');
  const sinkOf = (resource: Resource) =>
    (resource.body.spec as { sink: { ref: SinkRef } }).sink.ref;

  it('the ContainerSource runs the adapter with the processor as its sink', () => {
    expect(sinkOf(source)).toEqual({
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Service',
      name: 'processor',
    });
    knativeService('processor');
    expect(adapter.sink).toBe(sinkUrl(sinkOf(source), namespace));
    expect(onlyContainer(podTemplateOf(source)).image).toBe('facetrail/nsq-cloudevents');
  });

  it('the PingSource fires the redeemer every minute', () => {
    expect(sinkOf(ping)).toEqual({
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Service',
      name: 'redeemer',
    });
    knativeService('redeemer');
    const spec = ping.body.spec as { schedule: string; data?: string; contentType?: string };
    expect(spec.schedule).toBe('* * * * *');
    if (spec.contentType === 'application/json')
      expect(() => JSON.parse(spec.data ?? '')).not.toThrow();
    // Without the PingSource's ticks the redeemer would need its own timer.
    expect(redeemer.intervalMs).toBe(0);
  });

  it('functions only sources call are cluster-local; receiver and frontend are public', () => {
    const visibility = (name: string) =>
      knativeService(name).resource.metadata.labels?.['networking.knative.dev/visibility'];
    expect(visibility(sinkOf(source).name)).toBe('cluster-local');
    expect(visibility(sinkOf(ping).name)).toBe('cluster-local');
    expect(visibility('receiver')).toBeUndefined();
    expect(visibility('frontend')).toBeUndefined();
  });

  it('the adapter drains in-flight deliveries before Kubernetes kills it', () => {
    const grace = podTemplateOf(source).spec.terminationGracePeriodSeconds ?? 30;
    expect(grace * 1000).toBeGreaterThan(adapter.shutdownTimeoutMs + 5_000);
  });
});

describe('Knative Services', () => {
  const services = manifests.all('serving.knative.dev/v1', 'Service');
  const AUTOSCALING = new Set([
    'class',
    'metric',
    'target',
    'target-utilization-percentage',
    'min-scale',
    'max-scale',
    'initial-scale',
    'scale-down-delay',
    'window',
    'panic-window-percentage',
    'panic-threshold-percentage',
    'activation-scale',
  ]);

  it.each(services.map((s) => [s.metadata.name, s]))(
    "%s: autoscaling settings Knative accepts, bounded scale, timeout within Knative's maximum",
    (_name, resource) => {
      const template = podTemplateOf(resource);
      for (const key of Object.keys(template.annotations)) {
        if (!key.startsWith('autoscaling.knative.dev/')) continue;
        expect(AUTOSCALING).toContain(key.slice('autoscaling.knative.dev/'.length));
      }
      const min = Number(annotation(template, 'min-scale') ?? 0);
      const max = Number(annotation(template, 'max-scale'));
      expect(Number.isInteger(min) && Number.isInteger(max)).toBe(true);
      expect(max).toBeGreaterThanOrEqual(Math.max(min, 1));
      const utilization = Number(annotation(template, 'target-utilization-percentage') ?? 70);
      expect(utilization).toBeGreaterThan(0);
      expect(utilization).toBeLessThanOrEqual(100);
      const { containerConcurrency, timeoutSeconds } = template.spec;
      expect(containerConcurrency).toBeGreaterThanOrEqual(0);
      expect(containerConcurrency).toBeLessThanOrEqual(1000);
      expect(timeoutSeconds).toBeGreaterThan(0);
      expect(timeoutSeconds).toBeLessThanOrEqual(600);
      expect(template.spec.containers).toHaveLength(1);
    },
  );
});

describe('the processor is matched to the recognizer', () => {
  const { template: processorTemplate } = knativeService('processor');
  const recognizerDeployment = manifests.get('apps/v1', 'Deployment', 'recognizer');
  const replicas = (recognizerDeployment.body.spec as { replicas: number }).replicas;
  const concurrency = processorTemplate.spec.containerConcurrency!;
  const maxScale = Number(annotation(processorTemplate, 'max-scale'));

  it('its concurrency keeps every inference worker busy without queueing in the recognizer', () => {
    // Per worker: one photo in inference, the next being decoded (recognizer/README.md).
    expect(concurrency).toBe(2 * recognizer.inferenceWorkers);
    expect(maxScale).toBe(replicas);
    expect(Number(annotation(processorTemplate, 'min-scale'))).toBeGreaterThanOrEqual(1);
  });

  it('the adapter delivers no more at once than the processors take', () => {
    expect(adapter.nsq.maxInFlight).toBe(concurrency * maxScale);
  });

  it('request timeouts: recognizer deadline < processor timeout < adapter delivery timeout and lease', () => {
    const timeoutMs = processorTemplate.spec.timeoutSeconds! * 1000;
    expect(timeoutMs).toBeGreaterThan(processor.recognizerTimeoutMs);
    // The recognizer gives up on a job before the processor gives up on the call.
    expect(processor.recognizerTimeoutMs).toBeGreaterThan(recognizer.inferenceTimeoutMs);
    expect(processor.inferenceTimeoutMs).toBe(recognizer.inferenceTimeoutMs);
    expect(adapter.delivery.timeoutMs).toBeGreaterThanOrEqual(timeoutMs);
    expect(processor.leaseMs).toBeGreaterThan(timeoutMs);
  });

  it('nsqd lets the adapter TOUCH a message for as long as a delivery may take', () => {
    const nsqd = runtimeOf(manifests, { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'nsqd' });
    const maxMsgTimeout = goDurationMs(
      flags(nsqd.container, nsqd.env).get('max-msg-timeout') ?? '15m',
    );
    expect(maxMsgTimeout).toBeGreaterThan(adapter.delivery.timeoutMs);
  });
});

describe('resources', () => {
  it('the recognizer sets its worker count and has a CPU and the memory for each worker', () => {
    const { container, template } = runtime('recognizer');
    expect(runtime('recognizer').manifest.names).toContain('INFERENCE_WORKERS');
    const { requests = {}, limits = {} } = container.resources ?? {};
    expect(quantity(requests.cpu)).toBeGreaterThanOrEqual(recognizer.inferenceWorkers);
    expect(quantity(limits.memory)).toBeGreaterThanOrEqual(
      recognizer.inferenceWorkers * RECOGNIZER_BYTES_PER_WORKER + RECOGNIZER_BASE_BYTES,
    );
    expect(template.spec.terminationGracePeriodSeconds! * 1000).toBeGreaterThan(
      recognizer.shutdownGraceMs,
    );
  });

  it('the receiver holds containerConcurrency uploads of the largest size in its memory limit', () => {
    const { container, template } = runtime('receiver');
    const limit = quantity(container.resources?.limits?.memory);
    const concurrency = template.spec.containerConcurrency!;
    expect(concurrency).toBeGreaterThan(0);
    expect(concurrency * receiver.maxUploadBytes + FUNCTION_BASE_BYTES).toBeLessThanOrEqual(limit);
  });

  it('the redeemer sweeps one at a time', () => {
    const { template } = knativeService('redeemer');
    expect(template.spec.containerConcurrency).toBe(1);
    expect(annotation(template, 'max-scale')).toBe('1');
  });

  it("at full scale, every process's database pool fits in MySQL's max_connections", () => {
    const mysql = onlyContainer(podTemplateOf(manifests.get('apps/v1', 'StatefulSet', 'mysql')));
    const maxConnections = Number(flags(mysql, {}).get('max-connections') ?? 151);
    // The recognizer opens a fixed pool (recognizer/server.ts); the functions take DATABASE_POOL_SIZE.
    const poolLiteral = /connectDatabase\(\{[^}]*poolSize:\s*(?:config\.\w+\s*\?\?\s*)?(\d+)/.exec(
      readRepoFile('recognizer/server.ts'),
    );
    if (!poolLiteral) {
      throw new Error(
        'recognizer/server.ts no longer opens its database pool as this test reads it: update the test',
      );
    }
    const recognizerPool = Number(poolLiteral[1]);
    const maxScale = (name: string) =>
      Number(annotation(knativeService(name).template, 'max-scale'));
    const recognizerReplicas = (
      manifests.get('apps/v1', 'Deployment', 'recognizer').body.spec as { replicas: number }
    ).replicas;
    const connections =
      maxScale('receiver') * receiver.databasePoolSize +
      maxScale('processor') * processor.databasePoolSize +
      maxScale('frontend') * frontend.databasePoolSize +
      maxScale('redeemer') * redeemer.databasePoolSize +
      recognizerReplicas * recognizerPool;
    // Room for an operator's session and a migration run.
    expect(connections + 10).toBeLessThanOrEqual(maxConnections);
  });
});

describe('NSQ', () => {
  const lookupd = onlyContainer(
    podTemplateOf(manifests.get('apps/v1', 'Deployment', 'nsqlookupd')),
  );
  const nsqdSet = manifests.get('apps/v1', 'StatefulSet', 'nsqd');
  const nsqd = onlyContainer(podTemplateOf(nsqdSet));
  const nsqdEnv = runtimeOf(manifests, {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    name: 'nsqd',
  }).env;
  const nsqdFlags = flags(nsqd, nsqdEnv);
  const lookupdFlags = flags(lookupd, {});
  const portOf = (address: string | undefined) => Number(address?.split(':').at(-1));

  it('nsqlookupd broadcasts its Service DNS name and listens where the Service points', () => {
    expect(lookupdFlags.get('broadcast-address')).toBe(`nsqlookupd.${namespace}.svc.cluster.local`);
    expect(portOf(lookupdFlags.get('tcp-address'))).toBe(portNumber(lookupd, 'tcp'));
    expect(portOf(lookupdFlags.get('http-address'))).toBe(portNumber(lookupd, 'http'));
    expect(throughService('nsqlookupd', 4161).template.owner.metadata.name).toBe('nsqlookupd');
  });

  it('nsqd keeps every message on disk, on its own volume', () => {
    expect(nsqdFlags.get('mem-queue-size')).toBe('0');
    const claims = (
      nsqdSet.body.spec as { volumeClaimTemplates: { metadata: { name: string } }[] }
    ).volumeClaimTemplates.map((c) => c.metadata.name);
    const mount = nsqd.volumeMounts?.find((m) => claims.includes(m.name));
    expect(mount?.mountPath).toBe(nsqdFlags.get('data-path'));
  });

  it('each nsqd broadcasts a per-pod name its headless Service resolves', () => {
    const serviceName = (nsqdSet.body.spec as { serviceName: string }).serviceName;
    const address = parseServiceAddress(`${nsqdFlags.get('broadcast-address')}:0`, namespace);
    expect(address).toEqual({ pod: 'nsqd-0', service: serviceName, namespace, port: 0 });
    const service = manifests.get('v1', 'Service', serviceName);
    expect((service.body.spec as { clusterIP?: string }).clusterIP).toBe('None');
  });

  it('nsqd registers with nsqlookupd and listens where its Service points', () => {
    const lookup = parseServiceAddress(nsqdFlags.get('lookupd-tcp-address') ?? '', namespace);
    expect(lookup?.service).toBe('nsqlookupd');
    expect(throughService('nsqlookupd', lookup!.port).portName).toBe('tcp');
    expect(portOf(nsqdFlags.get('tcp-address'))).toBe(portNumber(nsqd, 'tcp'));
    expect(portOf(nsqdFlags.get('http-address'))).toBe(portNumber(nsqd, 'http'));
  });
});

describe('MySQL and the images volume', () => {
  const mysqlSet = manifests.get('apps/v1', 'StatefulSet', 'mysql');
  const mysql = onlyContainer(podTemplateOf(mysqlSet));

  it('MySQL 8 keeps its data on a claim, in a folder below the volume root', () => {
    expect(mysql.image).toMatch(/^mysql:8\.\d+/);
    const dataMount = mysql.volumeMounts?.find((m) => m.name === 'data');
    const datadir = flags(mysql, {}).get('datadir') ?? '/var/lib/mysql';
    expect(datadir.startsWith(`${dataMount?.mountPath}/`)).toBe(true);
  });

  it('the images claim is ReadWriteMany and mounted at IMAGES_ROOT where it is used', () => {
    const claim = manifests.get('v1', 'PersistentVolumeClaim', 'facetrail-images');
    expect((claim.body.spec as { accessModes: string[] }).accessModes).toContain('ReadWriteMany');
    const imagesRoots = {
      receiver: receiver.imagesRoot,
      frontend: frontend.imagesRoot,
      redeemer: redeemer.imagesRoot,
      recognizer: recognizer.imagesRoot,
    };
    // Who writes: the receiver (uploads, enrollment photos, an admin's deletes), the frontend
    // (an admin's deletes) and the redeemer (the retention purge). The recognizer only reads.
    const writers = ['receiver', 'frontend', 'redeemer'];
    for (const [name, imagesRoot] of Object.entries(imagesRoots)) {
      const { container, template } = runtime(name as keyof typeof imagesRoots);
      const volume = template.spec.volumes?.find(
        (v) => v.persistentVolumeClaim?.claimName === 'facetrail-images',
      );
      const mount = container.volumeMounts?.find((m) => m.name === volume?.name);
      expect(`${name}: ${mount?.mountPath}`).toBe(`${name}: ${imagesRoot}`);
      expect(`${name}: read-only ${mount?.readOnly ?? false}`).toBe(
        `${name}: read-only ${!writers.includes(name)}`,
      );
      expect(`${name}: claim read-only ${volume?.persistentVolumeClaim?.readOnly ?? false}`).toBe(
        `${name}: claim read-only ${!writers.includes(name)}`,
      );
    }
  });
});
