import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { findUp } from '../find-up.js';
import { kindOf, withoutStatementTimeout, type DatabaseKind, type Db } from './connect.js';

export const MIGRATIONS_DIR = findUp('sql', path.dirname(fileURLToPath(import.meta.url)));

export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

/** Splits a migration file into statements: `;` at the end of a line ends one; `--` lines are comments. */
export function splitStatements(source: string): string[] {
  const withoutComments = source
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n');
  return withoutComments
    .split(/;\s*(?:\n|$)/)
    .map((statement) => statement.trim())
    .filter(Boolean);
}

/** Reads `NNN_name.sql` files in version order. */
export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => /^\d+_.+\.sql$/.test(file));
  const migrations = await Promise.all(
    files.map(async (file) => ({
      version: Number(file.split('_', 1)[0]),
      name: file,
      statements: splitStatements(await readFile(path.join(dir, file), 'utf8')),
    })),
  );
  migrations.sort((a, b) => a.version - b.version);
  const versions = new Set<number>();
  for (const migration of migrations) {
    if (versions.has(migration.version))
      throw new Error(`two migrations share version ${migration.version}`);
    versions.add(migration.version);
  }
  return migrations;
}

/** The migrations folder for a dialect: sql/ for MySQL, sql/sqlite/ for SQLite. */
export function migrationsDirFor(kind: DatabaseKind): string {
  return kind === 'mysql' ? MIGRATIONS_DIR : path.join(MIGRATIONS_DIR, 'sqlite');
}

const CREATE_MIGRATIONS_TABLE = sql`CREATE TABLE IF NOT EXISTS schema_migrations (
  version INT NOT NULL PRIMARY KEY,
  name VARCHAR(255) NOT NULL,
  applied_at DATETIME(3) NOT NULL
)`;

async function appliedVersions(conn: Db): Promise<Set<number>> {
  const applied = await sql<{ version: number }>`SELECT version FROM schema_migrations`.execute(
    conn,
  );
  return new Set(applied.rows.map((row) => Number(row.version)));
}

/**
 * Applies the migrations not applied yet, in order, and records each in schema_migrations.
 * Safe to run twice and, on MySQL, from two pods at once (a named lock serialises them).
 */
export async function migrate(db: Db, dir = migrationsDirFor(kindOf(db))): Promise<string[]> {
  const migrations = await readMigrations(dir);
  if (kindOf(db) === 'sqlite') return migrateSqlite(db, migrations);
  return db
    .connection()
    .execute((conn) => withoutStatementTimeout(conn, db, () => migrateMysql(conn, migrations)));
}

async function migrateMysql(conn: Db, migrations: Migration[]): Promise<string[]> {
  const lock = await sql<{
    acquired: number;
  }>`SELECT GET_LOCK('facetrail_migrate', 60) AS acquired`.execute(conn);
  if (Number(lock.rows[0]?.acquired) !== 1)
    throw new Error('could not take the migration lock within 60 s');
  try {
    await CREATE_MIGRATIONS_TABLE.execute(conn);
    const done = await appliedVersions(conn);
    const appliedNow: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      // MySQL commits DDL implicitly, so a migration is not atomic: keep each one small.
      for (const statement of migration.statements) await sql.raw(statement).execute(conn);
      await sql`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${migration.version}, ${migration.name}, ${new Date()})`.execute(
        conn,
      );
      appliedNow.push(migration.name);
    }
    return appliedNow;
  } finally {
    await sql`SELECT RELEASE_LOCK('facetrail_migrate')`.execute(conn);
  }
}

/** SQLite runs DDL in transactions: each migration applies whole or not at all. */
async function migrateSqlite(db: Db, migrations: Migration[]): Promise<string[]> {
  await CREATE_MIGRATIONS_TABLE.execute(db);
  const done = await appliedVersions(db);
  const appliedNow: string[] = [];
  for (const migration of migrations) {
    if (done.has(migration.version)) continue;
    await db.transaction().execute(async (trx) => {
      for (const statement of migration.statements) await sql.raw(statement).execute(trx);
      await sql`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${migration.version}, ${migration.name}, ${new Date()})`.execute(
        trx,
      );
    });
    appliedNow.push(migration.name);
  }
  return appliedNow;
}
