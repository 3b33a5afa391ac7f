// Applies the sql/ migrations to DATABASE_URL; safe to run twice.
import { connectDatabase } from '../lib/db/connect.js';
import { migrate } from '../lib/db/migrate.js';
import { parseEnv, type Env } from '../lib/config/env.js';
import { databaseShape, resolveDatabaseUrl } from '../lib/config/common.js';

export async function runMigrations(env: Env): Promise<string[]> {
  const db = connectDatabase({
    url: resolveDatabaseUrl(parseEnv(databaseShape, env)),
    poolSize: 1,
  });
  try {
    return await migrate(db);
  } finally {
    await db.destroy();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const applied = await runMigrations(process.env);
    console.log(applied.length > 0 ? `applied ${applied.join(', ')}` : 'database is up to date');
  } catch (error) {
    console.error(`migrate: ${(error as Error).message}`);
    process.exit(1);
  }
}
