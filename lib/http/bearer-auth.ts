import { timingSafeEqual, createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AppError } from '../errors.js';

/** Constant-time comparison of the presented token with the configured one (hashed to equal length). */
function tokensMatch(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Requires `Authorization: Bearer <token>`; with no token configured, admin endpoints stay closed. */
export function requireBearerToken(token: string | undefined): RequestHandler {
  return (req, _res, next) => {
    if (!token)
      return next(
        new AppError(
          'UNAUTHORIZED',
          'admin endpoints are disabled: the server has no ADMIN_TOKEN configured',
        ),
      );
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match?.[1] || !tokensMatch(match[1].trim(), token)) {
      return next(
        new AppError('UNAUTHORIZED', 'send the admin token as Authorization: Bearer <ADMIN_TOKEN>'),
      );
    }
    next();
  };
}
