import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { connectDatabase, type Db } from '../../lib/db/connect.js';
import { migrate } from '../../lib/db/migrate.js';

/** The MariaDB/MySQL server tests use; CI starts it (see .ci/run). */
export const TEST_MYSQL_URL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

export interface TestDatabase {
  url: string;
  name: string;
  db: Db;
  drop(): Promise<void>;
}

async function admin<T>(
  run: (conn: Awaited<ReturnType<typeof createConnection>>) => Promise<T>,
): Promise<T> {
  const conn = await createConnection(TEST_MYSQL_URL);
  try {
    return await run(conn);
  } finally {
    await conn.end();
  }
}

/** A fresh, migrated database of its own for one test file; drop() removes it. */
export async function createTestDatabase(
  prefix = 'facetrail_test',
  options: { migrate?: boolean } = {},
): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await admin((conn) =>
    conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`),
  );
  const url = `${TEST_MYSQL_URL.replace(/\/$/, '')}/${name}`;
  const db = connectDatabase({ url });
  if (options.migrate !== false) await migrate(db);
  return {
    url,
    name,
    db,
    async drop() {
      await db.destroy();
      await admin((conn) => conn.query(`DROP DATABASE IF EXISTS \`${name}\``));
    },
  };
}
