import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createConnection } from 'mysql2/promise';
import { connectDatabase, sqliteUrl, type DatabaseKind, type Db } from '../../lib/db/connect.js';
import { migrate } from '../../lib/db/migrate.js';

/** The MariaDB/MySQL server tests use; CI starts it (see .ci/run). */
export const TEST_MYSQL_URL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

export interface TestDatabase {
  url: string;
  name: string;
  kind: DatabaseKind;
  db: Db;
  drop(): Promise<void>;
}

/** Runs `run` on a connection of its own as the server's root user, then closes it. */
export async function asMysqlRoot<T>(
  run: (conn: Awaited<ReturnType<typeof createConnection>>) => Promise<T>,
): Promise<T> {
  const conn = await createConnection(TEST_MYSQL_URL);
  try {
    return await run(conn);
  } finally {
    await conn.end();
  }
}

/**
 * A fresh database of its own for one test file, migrated unless asked not to: a MariaDB
 * database by default, or a SQLite file (standalone mode's dialect); drop() removes it.
 */
export async function createTestDatabase(
  prefix = 'facetrail_test',
  options: { migrate?: boolean; kind?: DatabaseKind } = {},
): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const kind = options.kind ?? 'mysql';
  let url: string;
  let dropStorage: () => Promise<void>;
  if (kind === 'sqlite') {
    const dir = await mkdtemp(path.join(tmpdir(), `${name}-`));
    url = sqliteUrl(path.join(dir, 'facetrail.db'));
    dropStorage = () => rm(dir, { recursive: true, force: true });
  } else {
    await asMysqlRoot((conn) =>
      conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`),
    );
    url = `${TEST_MYSQL_URL.replace(/\/$/, '')}/${name}`;
    dropStorage = () =>
      asMysqlRoot((conn) => conn.query(`DROP DATABASE IF EXISTS \`${name}\``)).then(
        () => undefined,
      );
  }
  const db = connectDatabase({ url });
  if (options.migrate !== false) await migrate(db);
  return {
    url,
    name,
    kind,
    db,
    async drop() {
      await db.destroy();
      await dropStorage();
    },
  };
}
