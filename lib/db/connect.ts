import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { Kysely, MysqlDialect, SqliteDialect, sql } from 'kysely';
import { createPool } from 'mysql2';
import type { Database as Schema } from './schema.js';
import { SqliteDatesPlugin } from './sqlite-dates-plugin.js';

export type Db = Kysely<Schema>;
export type DatabaseKind = 'mysql' | 'sqlite';

export interface DatabaseOptions {
  /** mysql://user:password@host:port/database, or sqlite:///absolute/path/facetrail.db */
  url: string;
  /** MySQL connections kept per process; Knative scales processes, so keep it small. */
  poolSize?: number;
}

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
export function connectDatabase({ url, poolSize = 5 }: DatabaseOptions): Db {
  const kind = databaseKind(url);
  const db =
    kind === 'mysql'
      ? connectMysql(url, poolSize)
      : connectSqlite(fileURLToPath(url.replace(/^sqlite:/, 'file:')));
  kinds.set(db, kind);
  return db;
}

function connectMysql(url: string, poolSize: number): Db {
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
  return new Kysely<Schema>({ dialect: new MysqlDialect({ pool }) });
}

interface SharedSqlite {
  base: Kysely<Schema>;
  handles: number;
}

const sqliteFiles = new Map<string, SharedSqlite>();

/**
 * One better-sqlite3 connection per file and process, shared by every component that asks:
 * better-sqlite3 is synchronous, so a second connection waiting on the first one's lock would
 * block the event loop the first one needs to commit. Kysely's SQLite driver serialises
 * queries and transactions on the one connection instead. Each handle's destroy() releases
 * it; the last one closes the file.
 */
function connectSqlite(file: string): Db {
  let shared = sqliteFiles.get(file);
  if (!shared) {
    mkdirSync(path.dirname(file), { recursive: true });
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
  const handle = entry.base.withPlugin(new SqliteDatesPlugin());
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
