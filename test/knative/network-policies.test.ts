// The NetworkPolicies (knative/02-network-policies.yaml): they validate, and each selects exactly
// the pods it means. Pod labels are computed from every workload's pod template, with what
// Kubernetes and Knative add to them (support/pods.ts); who must get in is derived from the
// wiring: every workload whose configuration holds an address of a protected service, on the
// container port that address leads to, and nothing else.
import type { INetworkPolicySpec } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicySpec';
import {
  Manifests,
  UPGRADE_MANIFESTS,
  loadKustomization,
  onlyContainer,
  parseServiceAddress,
  type Resource,
} from './support/manifests.js';
import { selects, workloadsOf, type Workload } from './support/pods.js';
import { runtimeOf } from './support/runtime.js';
import { validateResource } from './support/schema.js';

const kustomization = loadKustomization();
const applied = Manifests.load(kustomization.resources ?? []);
// The migration Job runs beside the applied workloads during an upgrade.
const manifests = Manifests.load([...(kustomization.resources ?? []), ...UPGRADE_MANIFESTS]);
const namespace = kustomization.namespace ?? '';
const workloads = workloadsOf(manifests);
const policies = applied.all('networking.k8s.io/v1', 'NetworkPolicy');
const specOf = (policy: Resource) => policy.body.spec as INetworkPolicySpec;

/** What each policy is for, by workload name: whose pods it guards, and who may connect. */
const MEANT: Record<string, { guards: string; from: Record<string, number[]> }> = {
  recognizer: {
    guards: 'recognizer',
    from: { processor: [50051], receiver: [50051], frontend: [50051] },
  },
  mysql: {
    guards: 'mysql',
    from: {
      receiver: [3306],
      processor: [3306],
      frontend: [3306],
      redeemer: [3306],
      recognizer: [3306],
      migrate: [3306],
    },
  },
  nsqd: {
    guards: 'nsqd',
    from: { receiver: [4150], redeemer: [4150, 4151], 'nsq-cloudevents': [4150] },
  },
  nsqlookupd: {
    guards: 'nsqlookupd',
    from: { nsqd: [4160], 'nsq-cloudevents': [4161], redeemer: [4161] },
  },
};

/** The workloads a selector picks; an absent one (a peer without podSelector) picks all. */
const selected = (selector: INetworkPolicySpec['podSelector'] | undefined) =>
  workloads.filter((workload) => selects(selector ?? {}, workload.podLabels));

/** The workload a core Service selects, and the container port its port `port` leads to. */
function throughService(service: string, port: number): { workload: Workload; port: number } {
  const resource = manifests.get('v1', 'Service', service);
  const spec = resource.body.spec as {
    selector: Record<string, string>;
    ports: { port: number; targetPort?: string | number }[];
  };
  const backends = workloads.filter(
    (w) =>
      !w.template.knativeServing &&
      Object.entries(spec.selector).every(([key, value]) => w.podLabels[key] === value),
  );
  if (backends.length !== 1) throw new Error(`Service ${service} selects ${backends.length}`);
  const workload = backends[0]!;
  const servicePort = spec.ports.find((p) => p.port === port);
  if (!servicePort) throw new Error(`Service ${service} has no port ${port}`);
  const target = servicePort.targetPort ?? port;
  const containerPort =
    typeof target === 'number'
      ? target
      : onlyContainer(workload.template).ports?.find((p) => p.name === target)?.containerPort;
  if (containerPort === undefined) throw new Error(`${service}:${port} leads to no container port`);
  return { workload, port: containerPort };
}

/** "receiver -> mysql:3306" for every connection a workload's configuration makes. */
function connections(): Set<string> {
  const found = new Set<string>();
  const add = (from: string, address: string) => {
    const parsed = parseServiceAddress(address.trim(), namespace);
    if (!parsed || parsed.namespace !== namespace) return;
    const to = throughService(parsed.service, parsed.port);
    found.add(`${from} -> ${to.workload.name}:${to.port}`);
    return to;
  };
  for (const workload of workloads) {
    const resource = workload.template.owner;
    const { env, container } = runtimeOf(manifests, {
      apiVersion: resource.apiVersion,
      kind: resource.kind,
      name: resource.metadata.name,
    });
    if (env.DATABASE_URL) {
      const url = new URL(env.DATABASE_URL);
      add(workload.name, `${url.hostname}:${url.port || 3306}`);
    }
    if (env.RECOGNIZER_ADDRESS) add(workload.name, env.RECOGNIZER_ADDRESS);
    if (env.NSQD_TCP_ADDRESS) add(workload.name, env.NSQD_TCP_ADDRESS);
    for (const lookupd of env.NSQLOOKUPD_HTTP_ADDRESSES?.split(',') ?? []) {
      add(workload.name, lookupd);
      // A consumer that discovers nsqd through nsqlookupd then reads from each nsqd's TCP port.
      found.add(`${workload.name} -> ${throughService('nsqd', 4150).workload.name}:4150`);
      // The redeemer also reads each nsqd's /stats over HTTP (lost messages).
      if (workload.name === 'redeemer')
        found.add(`${workload.name} -> ${throughService('nsqd', 4151).workload.name}:4151`);
    }
    // nsqd registers with nsqlookupd (a flag, not a variable).
    for (const part of [...(container.command ?? []), ...(container.args ?? [])]) {
      const lookupd = /^--lookupd-tcp-address=(.+)$/.exec(part)?.[1];
      if (lookupd) add(workload.name, lookupd);
    }
  }
  return found;
}

/** "processor -> recognizer:50051" for every pod a policy lets in, on every port it opens. */
function allowed(policy: Resource): Set<string> {
  const spec = specOf(policy);
  const guarded = selected(spec.podSelector);
  const result = new Set<string>();
  for (const rule of spec.ingress ?? []) {
    for (const peer of rule.from ?? []) {
      for (const source of selected(peer.podSelector)) {
        for (const port of rule.ports ?? []) {
          for (const target of guarded) result.add(`${source.name} -> ${target.name}:${port.port}`);
        }
      }
    }
  }
  return result;
}

describe('NetworkPolicies (02-network-policies.yaml)', () => {
  it('exist for the recognizer, MySQL, nsqd and nsqlookupd, and are applied by the kustomization', () => {
    expect(policies.map((p) => p.metadata.name).sort()).toEqual(Object.keys(MEANT).sort());
    expect(new Set(policies.map((p) => p.file))).toEqual(new Set(['02-network-policies.yaml']));
    expect(kustomization.resources).toContain('02-network-policies.yaml');
  });

  it.each(policies.map((p) => [p.metadata.name, p] as const))(
    '%s validates against the networking.k8s.io/v1 schema, with no unknown field',
    (_name, policy) => {
      expect(validateResource(policy)).toEqual([]);
    },
  );

  it.each(policies.map((p) => [p.metadata.name, p] as const))(
    '%s restricts ingress only, from pods of this namespace only (no namespace or IP peers)',
    (_name, policy) => {
      const spec = specOf(policy);
      expect(spec.policyTypes).toEqual(['Ingress']);
      expect(spec.egress).toBeUndefined();
      expect(spec.ingress?.length).toBeGreaterThan(0);
      for (const rule of spec.ingress ?? []) {
        expect(rule.from?.length).toBeGreaterThan(0);
        expect(rule.ports?.length).toBeGreaterThan(0);
        for (const peer of rule.from ?? []) {
          expect(Object.keys(peer)).toEqual(['podSelector']);
        }
        for (const port of rule.ports ?? []) {
          expect(port.protocol).toBe('TCP');
          expect(typeof port.port).toBe('number');
        }
      }
    },
  );

  it.each(policies.map((p) => [p.metadata.name, p] as const))(
    '%s guards the pods of exactly the workload it means',
    (name, policy) => {
      expect(selected(specOf(policy).podSelector).map((w) => w.name)).toEqual([
        MEANT[name]!.guards,
      ]);
    },
  );

  it.each(policies.map((p) => [p.metadata.name, p] as const))(
    '%s: each `from` selects the pods of exactly one workload, and together those meant, on the ports meant',
    (name, policy) => {
      for (const rule of specOf(policy).ingress ?? []) {
        for (const peer of rule.from ?? []) {
          const sources = selected(peer.podSelector).map((w) => w.id);
          expect({ peer: peer.podSelector, selects: sources.length }).toEqual({
            peer: peer.podSelector,
            selects: 1,
          });
        }
      }
      const meant = MEANT[name]!;
      const expected = Object.entries(meant.from).flatMap(([source, ports]) =>
        ports.map((port) => `${source} -> ${meant.guards}:${port}`),
      );
      expect([...allowed(policy)].sort()).toEqual(expected.sort());
    },
  );

  it('each port opened is one the guarded container declares', () => {
    for (const policy of policies) {
      const [guarded] = selected(specOf(policy).podSelector);
      const declared = (onlyContainer(guarded!.template).ports ?? []).map((p) => p.containerPort);
      for (const rule of specOf(policy).ingress ?? []) {
        for (const port of rule.ports ?? []) expect(declared).toContain(port.port);
      }
    }
  });

  it('every connection the configuration makes to a guarded service is let in, and no other', () => {
    const guarded = new Set(Object.values(MEANT).map((m) => m.guards));
    const wired = [...connections()].filter((c) => guarded.has(/-> ([^:]+):/.exec(c)![1]!));
    const open = policies.flatMap((policy) => [...allowed(policy)]);
    expect(open.sort()).toEqual(wired.sort());
    // The derivation found the components this file's comments name.
    expect(wired).toEqual(
      expect.arrayContaining([
        'processor -> recognizer:50051',
        'receiver -> recognizer:50051',
        'frontend -> recognizer:50051',
        'migrate -> mysql:3306',
        'nsq-cloudevents -> nsqd:4150',
        'nsqd -> nsqlookupd:4160',
      ]),
    );
  });

  it("leaves the Knative Services' and the adapter's own pods unselected (their callers are Knative's)", () => {
    for (const policy of policies) {
      for (const workload of selected(specOf(policy).podSelector)) {
        expect(['Deployment', 'StatefulSet']).toContain(workload.template.owner.kind);
      }
    }
  });
});
