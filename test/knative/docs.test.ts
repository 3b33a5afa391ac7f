// The commands the README, docs/deploy.md and secret.example.yaml give for the cluster do what
// the manifests need. The Secret commands run with bash and a stand-in kubectl that records
// its arguments (openssl is the real one); the kn commands are read flag by flag and compared
// with the manifests they stand for.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { DEPLOYABLES } from './support/deployables.js';
import { DB_COMPONENTS, dbUserOf, runUsersScript } from './support/db-users.js';
import {
  Manifests,
  SECRET_EXAMPLE,
  loadFile,
  loadKustomization,
  onlyContainer,
  podTemplateOf,
} from './support/manifests.js';
import { readRepoFile } from './support/repo.js';
import { runtimeOf } from './support/runtime.js';

const manifests = Manifests.load(loadKustomization().resources ?? []);
const exampleKeys = Object.keys(
  (loadFile(SECRET_EXAMPLE)[0]!.body.stringData ?? {}) as Record<string, string>,
).sort();

/** The fenced sh blocks of a Markdown file. */
function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** The shell commands in secret.example.yaml's header: its first run of `#   ...` lines. */
function exampleCommands(): string {
  const lines = readRepoFile(`knative/${SECRET_EXAMPLE}`).split('\n');
  const start = lines.findIndex((line) => line.startsWith('#   '));
  const end = lines.findIndex((line, index) => index > start && !line.startsWith('#   '));
  return lines
    .slice(start, end)
    .map((line) => line.slice(4))
    .join('\n');
}

const SECRET_SOURCES: Array<[string, string]> = [
  [
    'README.md',
    shellBlocks(readRepoFile('README.md')).find((b) => b.includes('create secret generic')) ?? '',
  ],
  [
    'docs/deploy.md',
    shellBlocks(readRepoFile('docs/deploy.md')).find((b) => b.includes('create secret generic')) ??
      '',
  ],
  [`knative/${SECRET_EXAMPLE}`, exampleCommands()],
];

/** Runs shell commands with a kubectl that records each call's arguments; returns the calls. */
function runWithStandInKubectl(commands: string): string[][] {
  const dir = mkdtempSync(path.join(tmpdir(), 'facetrail-kubectl-'));
  try {
    writeFileSync(
      path.join(dir, 'kubectl'),
      [
        '#!/bin/bash',
        'printf "%s\\0" "$@" > "$(mktemp "$KUBECTL_CALLS/call.XXXXXX")"',
        // `kubectl apply -f -` reads the manifest from its input.
        'for arg in "$@"; do if [ "$arg" = - ]; then cat > /dev/null; fi; done',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    const calls = path.join(dir, 'calls');
    spawnSync('mkdir', [calls]);
    const run = spawnSync('bash', ['-e', '-c', commands], {
      env: { PATH: `${dir}:${process.env.PATH ?? ''}`, KUBECTL_CALLS: calls, HOME: dir },
      encoding: 'utf8',
      // Not a socket: bash -c with a socket on stdin reads ~/.bashrc (as under rshd).
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (run.status !== 0) throw new Error(`the commands failed: ${run.stderr}`);
    return readdirSync(calls).map((file) =>
      readFileSync(path.join(calls, file), 'utf8').split('\0').slice(0, -1),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.each(SECRET_SOURCES)('the Secret commands of %s', (_source, commands) => {
  let create: string[][] = [];
  let literals = new Map<string, string>();
  let secrets = new Map<string, Record<string, string>>();

  beforeAll(() => {
    const calls = runWithStandInKubectl(commands);
    create = calls.filter((args) => args.includes('secret') && args.includes('create'));
    literals = new Map(
      (create[0] ?? [])
        .filter((arg) => arg.startsWith('--from-literal='))
        .map((arg) => {
          const [key, ...value] = arg.slice('--from-literal='.length).split('=');
          return [key!, value.join('=')] as const;
        }),
    );
    secrets = new Map([['facetrail-secrets', Object.fromEntries(literals)]]);
  });

  it('create the Secret facetrail-secrets in facetrail, once, with every key of the example', () => {
    expect(commands).toContain('create secret generic facetrail-secrets');
    expect(create).toHaveLength(1);
    expect(create[0]!.slice(0, 5)).toEqual(['-n', 'facetrail', 'create', 'secret', 'generic']);
    expect(create[0]![5]).toBe('facetrail-secrets');
    expect([...literals.keys()].sort()).toEqual(exampleKeys);
  });

  it("give each component's URL its own user and the password beside it, and the owner's to the migration", () => {
    for (const component of DB_COMPONENTS) {
      const url = new URL(literals.get(`${component}-database-url`)!);
      expect(`${url.protocol}//${url.host}${url.pathname}`).toBe(
        'mysql://mysql.facetrail.svc.cluster.local:3306/facetrail',
      );
      expect(url.username).toBe(dbUserOf(component));
      expect(url.password).toBe(literals.get(`mysql-${component}-password`));
    }
    const owner = new URL(literals.get('migrate-database-url')!);
    expect(owner.username).toBe('facetrail');
    expect(owner.password).toBe(literals.get('mysql-password'));
  });

  it('generate a different secret for every use', () => {
    const generated = [...literals].filter(([key]) => !key.endsWith('-database-url'));
    expect(new Set(generated.map(([, value]) => value)).size).toBe(generated.length);
    for (const [key, value] of generated) expect(`${key}: ${value}`).toMatch(/: [0-9a-f]{48,}$/);
  });

  it('are accepted by every configuration loader and by zz_users.sh', () => {
    for (const deployable of DEPLOYABLES) {
      const runtime = runtimeOf(manifests, deployable.resource, secrets);
      expect(runtime.manifest.problems).toEqual([]);
      expect(() => deployable.load(runtime.env)).not.toThrow();
    }
    const mysql = runtimeOf(
      manifests,
      { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'mysql' },
      secrets,
    );
    expect(mysql.manifest.problems).toEqual([]);
    const run = runUsersScript(mysql.env);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});

/** Words of a shell command, quotes removed (enough for the docs' commands). */
function shellWords(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  let inWord = false;
  for (const char of command) {
    if (quote) {
      if (char === quote) quote = undefined;
      else word += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/**
 * The commands of a shell block, as words: a line ends a command unless it ends in a backslash
 * or a quote is still open; comment lines are dropped.
 */
function commandsOf(block: string): string[][] {
  const commands: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let i = 0; i < block.length; i++) {
    const char = block[i]!;
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"') {
      quote = char;
    } else if (char === '\\' && block[i + 1] === '\n') {
      i++;
      continue;
    } else if (char === '\n') {
      commands.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  commands.push(current);
  return commands
    .map((command) => command.trim())
    .filter((command) => command && !command.startsWith('#'))
    .map(shellWords);
}

interface KnCommand {
  kind: 'service' | 'container';
  name: string;
  env: Map<string, string>;
  labels: Record<string, string>;
  mounts: string[];
}

/** What a `kn service create` or `kn source container create` sets, by flag. */
function parseKn(words: string[]): KnCommand {
  const kind = words[1] === 'service' ? 'service' : 'container';
  const name = words[kind === 'service' ? 3 : 4]!;
  const command: KnCommand = { kind, name, env: new Map(), labels: {}, mounts: [] };
  for (let i = 0; i < words.length; i++) {
    const value = words[i + 1] ?? '';
    if (words[i] === '--env-value-from') {
      const [variable, source] = value.split(/=(.*)/s) as [string, string];
      command.env.set(variable, source.replace(/^cm:/, 'configMap:'));
    } else if (words[i] === '--env') {
      const [variable, literal] = value.split(/=(.*)/s) as [string, string];
      command.env.set(variable, `value:${literal}`);
    } else if (words[i] === '--label') {
      const [key, label] = value.split(/=(.*)/s) as [string, string];
      command.labels[key] = label;
    } else if (words[i] === '--mount') {
      command.mounts.push(value);
    }
  }
  return command;
}

/** The same, read from a manifest's container: env sources, labels, images mount. */
function fromManifest(kind: 'service' | 'container', name: string) {
  const resource =
    kind === 'service'
      ? manifests.get('serving.knative.dev/v1', 'Service', name)
      : manifests.get('sources.knative.dev/v1', 'ContainerSource', name);
  const template = podTemplateOf(resource);
  const container: IContainer = onlyContainer(template);
  const env = new Map(
    (container.env ?? []).map((variable) => {
      const secret = variable.valueFrom?.secretKeyRef;
      const configMap = variable.valueFrom?.configMapKeyRef;
      const source = secret
        ? `secret:${secret.name}:${secret.key}`
        : configMap
          ? `configMap:${configMap.name}:${configMap.key}`
          : `value:${variable.value}`;
      return [variable.name, source] as const;
    }),
  );
  const mounts = (container.volumeMounts ?? []).map((mount) => {
    const volume = template.spec.volumes?.find((v) => v.name === mount.name);
    const claim = volume?.persistentVolumeClaim?.claimName;
    return `${mount.mountPath}=pvc:${claim}${mount.readOnly ? ':readOnly=true' : ''}`;
  });
  return { env, labels: template.labels, mounts };
}

describe('the kn commands of docs/deploy.md ("The same with kn")', () => {
  const section = readRepoFile('docs/deploy.md')
    .split('## The same with kn')[1]!
    .split('\n## ')[0]!;
  const commands = shellBlocks(section).flatMap(commandsOf);
  const kn = commands
    .filter(
      (words) =>
        (words[0] === 'kn' && words[2] === 'create' && words[1] !== 'source') ||
        (words[0] === 'kn' && words[1] === 'source' && words[2] === 'container'),
    )
    .map(parseKn);
  const patch = commands.find(
    (words) =>
      words[0] === 'kubectl' && words.includes('patch') && words.includes('containersource'),
  );

  it('create every Knative Service and the ContainerSource of the manifests', () => {
    const services = manifests.all('serving.knative.dev/v1', 'Service').map((r) => r.metadata.name);
    expect(
      kn
        .filter((c) => c.kind === 'service')
        .map((c) => c.name)
        .sort(),
    ).toEqual(services.sort());
    expect(kn.filter((c) => c.kind === 'container').map((c) => c.name)).toEqual([
      'nsq-cloudevents',
    ]);
  });

  it.each(manifests.all('serving.knative.dev/v1', 'Service').map((r) => r.metadata.name))(
    '%s: the same environment, from the same ConfigMap and Secret keys, labels and images mount',
    (name) => {
      const command = kn.find((c) => c.kind === 'service' && c.name === name)!;
      const manifest = fromManifest('service', name);
      expect(Object.fromEntries(command.env)).toEqual(Object.fromEntries(manifest.env));
      expect(command.labels).toEqual(manifest.labels);
      expect(command.mounts).toEqual(manifest.mounts);
    },
  );

  it('the adapter: the same environment, and the labels through the patch that follows', () => {
    const command = kn.find((c) => c.kind === 'container')!;
    const manifest = fromManifest('container', 'nsq-cloudevents');
    expect(Object.fromEntries(command.env)).toEqual(Object.fromEntries(manifest.env));
    const body = JSON.parse(patch![patch!.indexOf('-p') + 1]!) as {
      spec: { template: { metadata: { labels: Record<string, string> } } };
    };
    expect(body.spec.template.metadata.labels).toEqual(manifest.labels);
  });

  it('apply the NetworkPolicies and the init files (zz_users.sh among them) with kubectl', () => {
    const applied = commands.filter((w) => w[0] === 'kubectl' && w.includes('apply')).flat();
    expect(applied).toContain('knative/02-network-policies.yaml');
    expect(
      commands.some((w) => w.includes('mysql-initdb') && w.includes('--from-file=knative/sql/')),
    ).toBe(true);
  });
});

describe("the README's kn example", () => {
  const block = shellBlocks(readRepoFile('README.md')).find((b) =>
    b.includes('kn service create'),
  )!;
  const commands = commandsOf(block)
    .filter((words) => words[0] === 'kn' && words[1] === 'service')
    .map(parseKn);

  it.each(commands.map((c) => [c.name, c] as const))(
    '%s: every variable it sets comes from where the manifest takes it; the secrets and labels are all there',
    (name, command) => {
      const manifest = fromManifest('service', name);
      for (const [variable, source] of command.env) expect(manifest.env.get(variable)).toBe(source);
      for (const [variable, source] of manifest.env) {
        if (source.startsWith('secret:')) expect(command.env.get(variable)).toBe(source);
      }
      expect(command.labels).toEqual(manifest.labels);
    },
  );
});
