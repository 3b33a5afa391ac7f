// The environment a container starts with, as the kubelet would build it from a manifest:
// envFrom, then env in order with $(VAR) references expanded, values taken from the
// ConfigMaps and Secrets the references name.
import type { IContainer } from 'kubernetes-models/v1/Container';

export interface EnvSources {
  configMaps: Map<string, Record<string, string>>;
  secrets: Map<string, Record<string, string>>;
  /** Value of a downward-API fieldRef such as metadata.name. */
  fieldRef: (fieldPath: string) => string;
}

export interface ResolvedEnv {
  env: Record<string, string>;
  /** Names set by the manifest, in order (envFrom keys first). */
  names: string[];
  /** References that would leave a variable unset or a $(VAR) unexpanded. */
  problems: string[];
}

/**
 * Expands $(VAR) references with the variables defined so far; $$ escapes a $. An unknown
 * reference stays as written, as the kubelet leaves it, and is reported.
 */
export function expandReferences(
  value: string,
  defined: Record<string, string>,
  problems: string[],
  where: string,
): string {
  return value.replace(
    /\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g,
    (whole, name: string | undefined) => {
      if (name === undefined) return '$';
      if (name in defined) return defined[name]!;
      problems.push(`${where}: $(${name}) refers to no variable defined before it`);
      return whole;
    },
  );
}

export function resolveContainerEnv(container: IContainer, sources: EnvSources): ResolvedEnv {
  const env: Record<string, string> = {};
  const names: string[] = [];
  const problems: string[] = [];
  const where = `container ${container.name}`;
  const lookup = (
    kind: 'ConfigMap' | 'Secret',
    name: string | undefined,
    key: string | undefined,
    optional: boolean | undefined,
  ): string | undefined => {
    const data = (kind === 'ConfigMap' ? sources.configMaps : sources.secrets).get(name ?? '');
    if (!data) {
      if (!optional) problems.push(`${where}: no ${kind} ${name}`);
      return undefined;
    }
    if (key === undefined) return undefined;
    if (!(key in data)) {
      if (!optional) problems.push(`${where}: ${kind} ${name} has no key ${key}`);
      return undefined;
    }
    return String(data[key]);
  };

  for (const source of container.envFrom ?? []) {
    const ref = source.configMapRef ?? source.secretRef;
    const data = source.configMapRef
      ? sources.configMaps.get(source.configMapRef.name ?? '')
      : sources.secrets.get(source.secretRef?.name ?? '');
    if (!data) {
      if (!ref?.optional) problems.push(`${where}: envFrom names a missing ConfigMap or Secret`);
      continue;
    }
    for (const [key, value] of Object.entries(data)) {
      const name = `${source.prefix ?? ''}${key}`;
      env[name] = String(value);
      names.push(name);
    }
  }

  for (const variable of container.env ?? []) {
    let value: string | undefined;
    const from = variable.valueFrom;
    if (variable.value !== undefined) {
      value = expandReferences(variable.value, env, problems, `${where} ${variable.name}`);
    } else if (from?.configMapKeyRef) {
      const ref = from.configMapKeyRef;
      value = lookup('ConfigMap', ref.name, ref.key, ref.optional);
    } else if (from?.secretKeyRef) {
      const ref = from.secretKeyRef;
      value = lookup('Secret', ref.name, ref.key, ref.optional);
    } else if (from?.fieldRef) {
      value = sources.fieldRef(from.fieldRef.fieldPath);
    } else if (from) {
      problems.push(`${where} ${variable.name}: unsupported valueFrom`);
    } else {
      value = '';
    }
    if (value === undefined) continue;
    env[variable.name] = value;
    names.push(variable.name);
  }
  return { env, names, problems };
}
