import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Keys start with this, so a leaked one is easy to recognise (secret scanners, logs). */
export const KEY_PREFIX = 'ftk_';

/** A new API key: 32 random bytes, base64url, behind the prefix. */
export function generateApiKey(): string {
  return `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/**
 * What is stored of a key: its SHA-256. A key carries 256 random bits, so a fast hash is
 * enough (nobody can guess one to test against the hash); a slow password hash would only
 * slow every request down.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Constant-time equality of two secrets of any length (both are hashed to 32 bytes first). */
export function secretsEqual(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** Constant-time equality of two hex digests of the same length. */
export function digestsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
