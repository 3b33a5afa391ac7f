import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

interface Schema {
  tables: Record<
    string,
    {
      columns: Array<{ name: string; nullable: boolean }>;
      indexes: Record<string, { unique: boolean; columns: string[] }>;
    }
  >;
}

async function mysqlSchema(database: TestDatabase): Promise<Schema> {
  const columns = await sql<{ table_name: string; column_name: string; is_nullable: string }>`
    SELECT table_name AS table_name, column_name AS column_name, is_nullable AS is_nullable
    FROM information_schema.columns WHERE table_schema = DATABASE() ORDER BY table_name, ordinal_position`.execute(
    database.db,
  );
  const indexes = await sql<{
    table_name: string;
    index_name: string;
    non_unique: number;
    column_name: string;
  }>`
    SELECT table_name AS table_name, index_name AS index_name, non_unique AS non_unique, column_name AS column_name
    FROM information_schema.statistics WHERE table_schema = DATABASE() AND index_name <> 'PRIMARY'
    ORDER BY table_name, index_name, seq_in_index`.execute(database.db);
  const schema: Schema = { tables: {} };
  for (const row of columns.rows) {
    const table = (schema.tables[row.table_name] ??= { columns: [], indexes: {} });
    table.columns.push({ name: row.column_name, nullable: row.is_nullable === 'YES' });
  }
  for (const row of indexes.rows) {
    const table = schema.tables[row.table_name]!;
    // InnoDB adds an index for each foreign key that has none; SQLite does not need one.
    const index = (table.indexes[row.index_name] ??= {
      unique: Number(row.non_unique) === 0,
      columns: [],
    });
    index.columns.push(row.column_name);
  }
  return schema;
}

async function sqliteSchema(database: TestDatabase): Promise<Schema> {
  const tables = await sql<{
    name: string;
  }>`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`.execute(
    database.db,
  );
  const schema: Schema = { tables: {} };
  for (const { name } of tables.rows) {
    const columns = await sql<{
      name: string;
      notnull: number;
      pk: number;
    }>`SELECT name, "notnull", pk FROM pragma_table_info(${name})`.execute(database.db);
    const indexes = await sql<{
      name: string;
      unique: number;
      origin: string;
    }>`SELECT name, "unique", origin FROM pragma_index_list(${name})`.execute(database.db);
    const table = (schema.tables[name] = {
      columns: columns.rows.map((column) => ({
        name: column.name,
        nullable: column.notnull === 0 && column.pk === 0,
      })),
      indexes: {} as Schema['tables'][string]['indexes'],
    });
    for (const index of indexes.rows.filter((entry) => entry.origin === 'c')) {
      const indexColumns = await sql<{
        name: string;
      }>`SELECT name FROM pragma_index_info(${index.name}) ORDER BY seqno`.execute(database.db);
      table.indexes[index.name] = {
        unique: index.unique === 1,
        columns: indexColumns.rows.map((column) => column.name),
      };
    }
  }
  return schema;
}

/** sql/*.sql (MySQL) and sql/sqlite/*.sql must describe the same schema. */
describe('one schema, two dialects', () => {
  let mysql: TestDatabase;
  let sqlite: TestDatabase;

  beforeAll(async () => {
    [mysql, sqlite] = await Promise.all([
      createTestDatabase('facetrail_parity', { kind: 'mysql' }),
      createTestDatabase('facetrail_parity', { kind: 'sqlite' }),
    ]);
  });
  afterAll(async () => {
    await mysql?.drop();
    await sqlite?.drop();
  });

  it('has the same tables, columns (in order, with nullability) and indexes', async () => {
    const [fromMysql, fromSqlite] = await Promise.all([mysqlSchema(mysql), sqliteSchema(sqlite)]);
    expect(Object.keys(fromSqlite.tables).sort()).toEqual(Object.keys(fromMysql.tables).sort());
    for (const [name, table] of Object.entries(fromMysql.tables)) {
      expect({ table: name, columns: fromSqlite.tables[name]?.columns }).toEqual({
        table: name,
        columns: table.columns,
      });
      expect({ table: name, indexes: fromSqlite.tables[name]?.indexes }).toEqual({
        table: name,
        indexes: table.indexes,
      });
    }
  });
});
