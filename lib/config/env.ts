import { z } from 'zod';

/** Raised when the environment does not describe a usable configuration. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Environment as read by the config loaders: plain strings, possibly missing. */
export type Env = Record<string, string | undefined>;

/**
 * Parses the environment against a zod shape, once per deployable.
 * Empty strings count as unset so that `FOO=` in a manifest falls back to the default.
 * Every problem is reported at once, each with the variable it concerns.
 */
export function parseEnv<Shape extends z.ZodRawShape>(
  shape: Shape,
  env: Env,
): z.infer<z.ZodObject<Shape>> {
  const cleaned: Env = {};
  for (const key of Object.keys(shape)) {
    const value = env[key];
    cleaned[key] = value === undefined || value.trim() === '' ? undefined : value.trim();
  }
  const result = z.object(shape).safeParse(cleaned);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const variable = String(issue.path[0]);
      return `${variable}: ${issue.message}${cleaned[variable] === undefined ? '' : ` (got "${cleaned[variable]}")`}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  return result.data;
}

/** A TCP port number. */
export const port = (fallback: number) =>
  z.coerce.number().int().min(0).max(65535).default(fallback);

/** Knative's PORT: set for the container, or absent (no default, so a local port variable applies). */
export const knativePort = z.coerce.number().int().min(1).max(65535).optional();

export const positiveInt = (fallback: number) =>
  z.coerce.number().int().positive().default(fallback);

export const nonNegativeInt = (fallback: number) =>
  z.coerce.number().int().min(0).default(fallback);

/** host:port, as nsqd and gRPC addresses are written. */
export const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:4150');

/** A comma separated list of host:port addresses. */
export const hostPortList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
  )
  .pipe(z.array(hostPort).min(1, 'expected at least one host:port'));

export const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

export const databaseUrl = z
  .url({
    protocol: /^(mysql|sqlite)$/,
    error: 'expected mysql://user:password@host:port/database (or unset for SQLite in DATA_DIR)',
  })
  .optional();

export const booleanFlag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' })
    .optional()
    .transform((value) => (value === undefined ? fallback : ['true', '1', 'yes'].includes(value)));

export const logLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info');
