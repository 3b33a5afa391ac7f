import { createLogger } from '../logger.js';
import type { StoredApiKey } from '../db/keys-repo.js';
import { generateApiKey, hashApiKey, KEY_PREFIX } from './api-key.js';
import { Authenticator, BOOTSTRAP_NAME } from './authenticator.js';

/** An in-memory key store that counts lookups and touches. */
function fakeKeys(
  entries: Array<{ id: number; name: string; role: StoredApiKey['role']; key: string }>,
) {
  const stored = entries.map((entry): StoredApiKey => ({
    id: entry.id,
    name: entry.name,
    role: entry.role,
    keyHash: hashApiKey(entry.key),
    createdAt: '2026-11-29T00:00:00.000Z',
    lastUsedAt: null,
  }));
  const calls = { findByHash: 0, findById: 0, touches: [] as Array<[number, string]> };
  return {
    calls,
    remove: (id: number) =>
      stored.splice(
        stored.findIndex((key) => key.id === id),
        1,
      ),
    keys: {
      findByHash: async (hash: string) => {
        calls.findByHash++;
        return stored.find((key) => key.keyHash === hash);
      },
      findById: async (id: number) => {
        calls.findById++;
        return stored.find((key) => key.id === id);
      },
      touch: async (id: number, at: Date) => {
        calls.touches.push([id, at.toISOString()]);
      },
    },
  };
}

describe('Authenticator', () => {
  const logger = createLogger('test', 'silent');
  const screenKey = generateApiKey();

  it('makes keys of 32 random bytes behind a recognisable prefix', () => {
    const key = generateApiKey();
    expect(key.startsWith(KEY_PREFIX)).toBe(true);
    expect(Buffer.from(key.slice(KEY_PREFIX.length), 'base64url')).toHaveLength(32);
    expect(generateApiKey()).not.toBe(key);
    expect(hashApiKey(key)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('knows the bootstrap admin token and stored keys, and nothing else', async () => {
    const store = fakeKeys([{ id: 7, name: 'lobby-screen', role: 'viewer', key: screenKey }]);
    const auth = new Authenticator({
      keys: store.keys,
      adminToken: 'bootstrap-token-0123456789',
      logger,
    });
    await expect(auth.authenticate('bootstrap-token-0123456789')).resolves.toMatchObject({
      name: BOOTSTRAP_NAME,
      role: 'admin',
    });
    await expect(auth.authenticate(screenKey)).resolves.toEqual({
      id: 'key:7',
      name: 'lobby-screen',
      role: 'viewer',
    });
    await expect(auth.authenticate('bootstrap-token-012345678')).resolves.toBeUndefined();
    await expect(auth.authenticate(`${screenKey}x`)).resolves.toBeUndefined();
    await expect(auth.authenticate('')).resolves.toBeUndefined();
  });

  it('caches answers for cacheMs, and forgets them when told (a key revoked here)', async () => {
    const store = fakeKeys([{ id: 7, name: 'lobby-screen', role: 'viewer', key: screenKey }]);
    const auth = new Authenticator({ keys: store.keys, cacheMs: 60_000, logger });
    for (let i = 0; i < 5; i++) await auth.authenticate(screenKey);
    expect(store.calls.findByHash).toBe(1);
    store.remove(7);
    await expect(auth.authenticate(screenKey)).resolves.toBeDefined();
    auth.invalidate();
    await expect(auth.authenticate(screenKey)).resolves.toBeUndefined();
    // Without a cache, every call asks the store.
    const uncached = new Authenticator({ keys: store.keys, cacheMs: 0, logger });
    const before = store.calls.findByHash;
    await uncached.authenticate(screenKey);
    await uncached.authenticate(screenKey);
    expect(store.calls.findByHash - before).toBe(2);
  });

  it('records "last used" at most once per touchEveryMs per key', async () => {
    const store = fakeKeys([{ id: 7, name: 'lobby-screen', role: 'viewer', key: screenKey }]);
    let now = Date.parse('2026-11-29T10:00:00.000Z');
    const auth = new Authenticator({
      keys: store.keys,
      touchEveryMs: 60_000,
      now: () => new Date(now),
      logger,
    });
    await auth.authenticate(screenKey);
    now += 30_000;
    await auth.authenticate(screenKey);
    now += 31_000;
    await auth.authenticate(screenKey);
    expect(store.calls.touches).toEqual([
      [7, '2026-11-29T10:00:00.000Z'],
      [7, '2026-11-29T10:01:01.000Z'],
    ]);
  });

  it('resolves a session id only while its credential is valid', async () => {
    const store = fakeKeys([{ id: 7, name: 'lobby-screen', role: 'viewer', key: screenKey }]);
    const auth = new Authenticator({
      keys: store.keys,
      adminToken: 'first-admin-token-0123',
      cacheMs: 0,
      logger,
    });
    const admin = (await auth.authenticate('first-admin-token-0123'))!;
    await expect(auth.byId(admin.id)).resolves.toMatchObject({ role: 'admin' });
    await expect(auth.byId('key:7')).resolves.toMatchObject({ name: 'lobby-screen' });
    store.remove(7);
    await expect(auth.byId('key:7')).resolves.toBeUndefined();
    // A new ADMIN_TOKEN ends the sessions of the old one.
    const rotated = new Authenticator({
      keys: store.keys,
      adminToken: 'second-admin-token-0123',
      logger,
    });
    await expect(rotated.byId(admin.id)).resolves.toBeUndefined();
    await expect(rotated.byId('nonsense')).resolves.toBeUndefined();
  });
});
