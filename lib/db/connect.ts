import { Kysely, MysqlDialect } from 'kysely';
import { createPool } from 'mysql2';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

export interface DatabaseOptions {
  /** mysql://user:password@host:port/database */
  url: string;
  /** Connections kept per process; Knative scales processes, so keep it small. */
  poolSize?: number;
}

/** Opens a pooled connection; nothing is sent until the first query. */
export function connectDatabase({ url, poolSize = 5 }: DatabaseOptions): Db {
  const parsed = new URL(url);
  const pool = createPool({
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 3306,
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')),
    connectionLimit: poolSize,
    // Every DATETIME is UTC, whatever the server's or the pod's time zone.
    timezone: 'Z',
    dateStrings: false,
    supportBigNumbers: true,
    bigNumberStrings: false,
    // Fail fast when MySQL is down so callers answer 503 instead of hanging.
    connectTimeout: 5000,
    enableKeepAlive: true,
  });
  return new Kysely<Database>({ dialect: new MysqlDialect({ pool }) });
}

/** True when the error is a unique-key violation (a lost race we can resolve by re-reading). */
export function isDuplicateKeyError(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
