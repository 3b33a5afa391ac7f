import { generateApiKey, hashApiKey } from '../../lib/auth/api-key.js';
import { KeyExistsError, type KeysRepository } from '../../lib/db/keys-repo.js';
import { ROLES, type Role } from '../../lib/db/schema.js';
import { AppError } from '../../lib/errors.js';

/** Key names: what an operator recognises a camera or a screen by ("door-1-camera", "lobby screen"). */
const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/;

export function checkKeyName(value: unknown): string {
  if (typeof value !== 'string' || !KEY_NAME.test(value.trim())) {
    throw new AppError(
      'INVALID_REQUEST',
      'a key name is 1 to 100 letters, digits, spaces, dots, dashes or underscores, starting with a letter or digit',
    );
  }
  return value.trim();
}

function checkRole(value: unknown): Role {
  if (typeof value !== 'string' || !ROLES.includes(value as Role))
    throw new AppError('INVALID_REQUEST', `role must be one of ${ROLES.join(', ')}`);
  return value as Role;
}

/** Creates a key; the answer is the only time the key itself is shown. */
export async function createKey(keys: KeysRepository, body: unknown) {
  const input = (body ?? {}) as { name?: unknown; role?: unknown };
  const name = checkKeyName(input.name);
  const role = checkRole(input.role);
  const key = generateApiKey();
  try {
    const record = await keys.create({ name, role, keyHash: hashApiKey(key) });
    return { ...record, key };
  } catch (error) {
    if (error instanceof KeyExistsError) throw new AppError('KEY_EXISTS', error.message);
    throw error;
  }
}
