import type { Db } from './connect.js';
import { isDuplicateKeyError } from './connect.js';
import type { Role } from './schema.js';

export interface ApiKeyRecord {
  id: number;
  name: string;
  role: Role;
  createdAt: string;
  lastUsedAt: string | null;
}

/** A stored key as the authenticator needs it: with its hash, never the key. */
export interface StoredApiKey extends ApiKeyRecord {
  keyHash: string;
}

export class KeyExistsError extends Error {
  override name = 'KeyExistsError';
}

type KeyRow = {
  id: number;
  name: string;
  role: Role;
  key_hash: string;
  created_at: Date;
  last_used_at: Date | null;
};

const toStored = (row: KeyRow): StoredApiKey => ({
  id: Number(row.id),
  name: row.name,
  role: row.role,
  keyHash: row.key_hash,
  createdAt: row.created_at.toISOString(),
  lastUsedAt: row.last_used_at ? row.last_used_at.toISOString() : null,
});

const toRecord = ({ keyHash: _hash, ...record }: StoredApiKey): ApiKeyRecord => record;

/** API keys: names and roles, the hash of each key, when each was last used. */
export class KeysRepository {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(input: { name: string; role: Role; keyHash: string }): Promise<ApiKeyRecord> {
    const createdAt = this.now();
    try {
      const result = await this.db
        .insertInto('api_keys')
        .values({
          name: input.name,
          role: input.role,
          key_hash: input.keyHash,
          created_at: createdAt,
          last_used_at: null,
        })
        .executeTakeFirstOrThrow();
      return {
        id: Number(result.insertId),
        name: input.name,
        role: input.role,
        createdAt: createdAt.toISOString(),
        lastUsedAt: null,
      };
    } catch (error) {
      if (isDuplicateKeyError(error))
        throw new KeyExistsError(`a key named "${input.name}" already exists`);
      throw error;
    }
  }

  async list(): Promise<ApiKeyRecord[]> {
    const rows = await this.db.selectFrom('api_keys').selectAll().orderBy('name').execute();
    return rows.map((row) => toRecord(toStored(row)));
  }

  async findByHash(keyHash: string): Promise<StoredApiKey | undefined> {
    const row = await this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('key_hash', '=', keyHash)
      .executeTakeFirst();
    return row ? toStored(row) : undefined;
  }

  async findById(id: number): Promise<StoredApiKey | undefined> {
    const row = await this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toStored(row) : undefined;
  }

  /** Deletes the key called `name`; false when there is none. */
  async revoke(name: string): Promise<boolean> {
    const result = await this.db.deleteFrom('api_keys').where('name', '=', name).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async touch(id: number, at: Date): Promise<void> {
    await this.db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
  }
}
