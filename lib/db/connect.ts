import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'libsql';
import { Kysely, MysqlDialect, SqliteDialect, sql } from 'kysely';
import { createPool, type PoolConnection } from 'mysql2';
import { boundedPool } from './bounded-pool.js';
import type { Database as Schema } from './schema.js';
import { SqliteValuesPlugin } from './sqlite-values-plugin.js';

export type Db = Kysely<Schema>;
export type DatabaseKind = 'mysql' | 'sqlite';

export interface DatabaseOptions {
  /** mysql://user:password@host:port/database, or sqlite:///absolute/path/facetrail.db */
  url: string;
  /** MySQL connections kept per process; Knative scales processes, so keep it small. */
  poolSize?: number;
  /** Queries that may wait for a pooled connection at once; more are refused (503) at once. */
  queueLimit?: number;
  /** How long a query waits for a connection (connecting included) before a 503. */
  acquireTimeoutMs?: number;
  /** The server aborts a statement running longer (0: no limit, e.g. for migrations). */
  statementTimeoutMs?: number;
}

/** The limits a deployable gets unless its configuration says otherwise. */
export const DATABASE_DEFAULTS = {
  poolSize: 5,
  queueLimit: 50,
  acquireTimeoutMs: 5_000,
  statementTimeoutMs: 30_000,
} as const;

/** sqlite:///absolute/path.db for a database file. */
export function sqliteUrl(file: string): string {
  return pathToFileURL(path.resolve(file)).href.replace(/^file:/, 'sqlite:');
}

export function databaseKind(url: string): DatabaseKind {
  const protocol = new URL(url).protocol;
  if (protocol === 'mysql:') return 'mysql';
  if (protocol === 'sqlite:') return 'sqlite';
  throw new Error(`unsupported database URL ${protocol}//…: use mysql:// or sqlite://`);
}

const kinds = new WeakMap<Db, DatabaseKind>();
/** The statement time limit each MySQL connection got (migrations lift it for their session). */
const statementTimeouts = new WeakMap<Db, number>();

/** Which dialect a connection speaks (migrations and locks differ). */
export function kindOf(db: Db): DatabaseKind {
  const kind = kinds.get(db);
  if (!kind) throw new Error('not a connection made by connectDatabase');
  return kind;
}

/**
 * Opens a connection: a mysql2 pool for mysql:// (nothing is sent until the first query), or
 * the SQLite file for sqlite:// (standalone mode).
 */
export function connectDatabase({ url, ...limits }: DatabaseOptions): Db {
  const kind = databaseKind(url);
  const settings = { ...DATABASE_DEFAULTS, ...withoutUndefined(limits) };
  const db =
    kind === 'mysql'
      ? connectMysql(url, settings)
      : connectSqlite(fileURLToPath(url.replace(/^sqlite:/, 'file:')));
  kinds.set(db, kind);
  if (kind === 'mysql') statementTimeouts.set(db, settings.statementTimeoutMs);
  return db;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, entry]) => entry !== undefined),
  ) as Partial<T>;
}

function connectMysql(url: string, limits: Required<Omit<DatabaseOptions, 'url'>>): Db {
  const parsed = new URL(url);
  const pool = createPool({
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 3306,
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')),
    connectionLimit: limits.poolSize,
    // Every DATETIME is UTC, whatever the server's or the pod's time zone.
    timezone: 'Z',
    dateStrings: false,
    supportBigNumbers: true,
    bigNumberStrings: false,
    // Fail fast when MySQL is down so callers answer 503 instead of hanging.
    connectTimeout: Math.min(5000, limits.acquireTimeoutMs),
    enableKeepAlive: true,
  });
  if (limits.statementTimeoutMs > 0) {
    pool.on('connection', (connection) =>
      limitStatementTime(connection, limits.statementTimeoutMs),
    );
  }
  return new Kysely<Schema>({
    dialect: new MysqlDialect({
      pool: boundedPool(pool, {
        queueLimit: limits.queueLimit,
        acquireTimeoutMs: limits.acquireTimeoutMs,
      }),
    }),
  });
}

/** The SET that limits a session's statements: MariaDB's (seconds, every statement) or MySQL 8's (ms, SELECTs only). */
function statementTimeoutSql(serverVersion: string, timeoutMs: number): string {
  return /mariadb/i.test(serverVersion)
    ? `SET SESSION max_statement_time = ${timeoutMs / 1000}`
    : `SET SESSION max_execution_time = ${Math.round(timeoutMs)}`;
}

/**
 * Sets the session's statement time limit on a new connection, before the query it was opened
 * for (mysql2 runs a connection's commands in order). The flavour is in the server's
 * handshake, which mysql2 keeps but does not type.
 */
function limitStatementTime(connection: PoolConnection, timeoutMs: number): void {
  const version =
    (connection as unknown as { _handshakePacket?: { serverVersion?: string } })._handshakePacket
      ?.serverVersion ?? '';
  // A failure here shows on the query that follows, if the connection broke.
  connection.query(statementTimeoutSql(version, timeoutMs), () => undefined);
}

/**
 * Runs `run` on one connection without the statement time limit (a migration may wait for its
 * lock or alter a large table), then puts the pool's limit back on that connection.
 */
export async function withoutStatementTimeout<T>(
  conn: Db,
  db: Db,
  run: () => Promise<T>,
): Promise<T> {
  const limitMs = statementTimeouts.get(db) ?? 0;
  if (limitMs === 0) return run();
  const { rows } = await sql<{ version: string }>`SELECT VERSION() AS version`.execute(conn);
  const version = rows[0]?.version ?? '';
  await sql.raw(statementTimeoutSql(version, 0)).execute(conn);
  try {
    return await run();
  } finally {
    await sql.raw(statementTimeoutSql(version, limitMs)).execute(conn);
  }
}

interface SharedSqlite {
  base: Kysely<Schema>;
  handles: number;
}

const sqliteFiles = new Map<string, SharedSqlite>();

/**
 * One libsql connection per file and process, shared by every component that asks: libsql
 * (like better-sqlite3, whose API it keeps) is synchronous, so a second connection waiting on
 * the first one's lock would block the event loop the first one needs to commit. Kysely's
 * SQLite driver serialises queries and transactions on the one connection instead. Each
 * handle's destroy() releases it; the last one closes the file.
 */
function connectSqlite(file: string): Db {
  let shared = sqliteFiles.get(file);
  if (!shared) {
    mkdirSync(path.dirname(file), { recursive: true });
    // libsql, not better-sqlite3: the same synchronous API, but it ships prebuilt binaries as
    // npm packages, so an install never compiles SQLite (71 s of CI's 2 cores) or needs a C++
    // toolchain when prebuilt downloads are out of reach.
    const database = new Database(file, { timeout: 5000 });
    // WAL: readers never block the writer, and a crash never leaves a half-written page.
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('foreign_keys = ON');
    shared = { base: new Kysely<Schema>({ dialect: new SqliteDialect({ database }) }), handles: 0 };
    sqliteFiles.set(file, shared);
  }
  const entry = shared;
  entry.handles++;
  const handle = entry.base.withPlugin(new SqliteValuesPlugin());
  let released = false;
  return Object.assign(handle, {
    destroy: async () => {
      if (released) return;
      released = true;
      if (--entry.handles === 0) {
        sqliteFiles.delete(file);
        await entry.base.destroy();
      }
    },
  });
}

/** True when the error is a unique-key violation (a lost race we can resolve by re-reading). */
export function isDuplicateKeyError(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** Readiness of a component whose source of truth is this database: it answers a query. */
export async function databaseAnswers(db: Db): Promise<boolean> {
  await sql`SELECT 1`.execute(db);
  return true;
}
