import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { KeysRepository, StoredApiKey } from '../db/keys-repo.js';
import type { Role } from '../db/schema.js';
import type { Logger } from '../logger.js';
import { digestsEqual, hashApiKey, secretsEqual } from './api-key.js';

/** Who is asking: a stored key, or the bootstrap ADMIN_TOKEN. */
export interface Principal {
  /** Stable while the credential is valid: `key:<id>`, or `admin-token:<fingerprint>`. */
  id: string;
  name: string;
  role: Role;
}

/** The name the bootstrap admin token goes by in logs and `last used` answers. */
export const BOOTSTRAP_NAME = 'ADMIN_TOKEN';

export interface AuthenticatorOptions {
  keys: Pick<KeysRepository, 'findByHash' | 'findById' | 'touch'>;
  /** The bootstrap admin key (16+ characters); unset: only stored keys work. */
  adminToken?: string | undefined;
  /** How long a looked-up key is trusted without asking the database again (revocation delay
   * on other pods); 0 asks every time. */
  cacheMs?: number;
  /** last_used_at is written at most this often per key. */
  touchEveryMs?: number;
  now?: () => Date;
  logger: Logger;
}

const fingerprint = (secret: string) =>
  createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, 16);

/**
 * Turns a presented key into a Principal. Stored keys are found by the SHA-256 of the key
 * (a unique index), then the hashes are compared in constant time; the bootstrap token is
 * compared in constant time. Answers are cached briefly so that a camera posting many photos
 * a second does not cost a query each; revoking through this process clears the cache at once.
 */
export class Authenticator {
  private readonly cache: LRUCache<string, { principal: Principal | null }>;
  private readonly lastTouched = new Map<number, number>();
  private readonly adminId: string | undefined;
  private readonly now: () => Date;

  constructor(private readonly options: AuthenticatorOptions) {
    this.now = options.now ?? (() => new Date());
    this.adminId = options.adminToken
      ? `admin-token:${fingerprint(options.adminToken)}`
      : undefined;
    const ttl = options.cacheMs ?? 10_000;
    // Unknown keys are cached too (a flood of wrong keys costs one query each per TTL), in a
    // bounded cache so that the flood cannot grow memory.
    this.cache = new LRUCache({ max: 10_000, ttl: Math.max(ttl, 1) });
  }

  /** The principal a Bearer key names, or undefined for an unknown or revoked key. */
  async authenticate(presented: string): Promise<Principal | undefined> {
    if (this.options.adminToken && secretsEqual(presented, this.options.adminToken)) {
      return { id: this.adminId!, name: BOOTSTRAP_NAME, role: 'admin' };
    }
    const keyHash = hashApiKey(presented);
    const cached = this.caching() ? this.cache.get(keyHash) : undefined;
    if (cached) {
      if (cached.principal) this.touch(cached.principal);
      return cached.principal ?? undefined;
    }
    const stored = await this.options.keys.findByHash(keyHash);
    const principal = stored && digestsEqual(stored.keyHash, keyHash) ? toPrincipal(stored) : null;
    if (this.caching()) this.cache.set(keyHash, { principal });
    if (principal) this.touch(principal);
    return principal ?? undefined;
  }

  /** The principal behind a session's id, if its credential is still valid. */
  async byId(id: string): Promise<Principal | undefined> {
    if (this.adminId && id === this.adminId) {
      return { id, name: BOOTSTRAP_NAME, role: 'admin' };
    }
    const match = /^key:(\d+)$/.exec(id);
    if (!match) return undefined;
    const cacheKey = `id:${match[1]}`;
    const cached = this.caching() ? this.cache.get(cacheKey) : undefined;
    if (cached) return cached.principal ?? undefined;
    const stored = await this.options.keys.findById(Number(match[1]));
    const principal = stored ? toPrincipal(stored) : null;
    if (this.caching()) this.cache.set(cacheKey, { principal });
    if (principal) this.touch(principal);
    return principal ?? undefined;
  }

  /** Forgets every cached answer (after a key was revoked here). */
  invalidate(): void {
    this.cache.clear();
  }

  private caching(): boolean {
    return (this.options.cacheMs ?? 10_000) > 0;
  }

  /** Records "last used", at most once per touchEveryMs per key, without delaying the request. */
  private touch(principal: Principal): void {
    const match = /^key:(\d+)$/.exec(principal.id);
    if (!match) return;
    const id = Number(match[1]);
    const at = this.now();
    const previous = this.lastTouched.get(id);
    if (previous !== undefined && at.getTime() - previous < (this.options.touchEveryMs ?? 60_000))
      return;
    this.lastTouched.set(id, at.getTime());
    this.options.keys.touch(id, at).catch((error: unknown) => {
      this.options.logger.warn({ err: error, key: principal.name }, 'could not record key use');
    });
  }
}

const toPrincipal = (stored: StoredApiKey): Principal => ({
  id: `key:${stored.id}`,
  name: stored.name,
  role: stored.role,
});
