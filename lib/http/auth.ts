import type { Request, RequestHandler } from 'express';
import type { Authenticator, Principal } from '../auth/authenticator.js';
import type { Role } from '../db/schema.js';
import { AppError } from '../errors.js';

const principals = new WeakMap<Request, Principal>();

/** Who made this request, once an authenticating middleware has run. */
export function principalOf(req: Request): Principal | undefined {
  return principals.get(req);
}

export function setPrincipal(req: Request, principal: Principal): void {
  principals.set(req, principal);
}

/** The key of `Authorization: Bearer <key>`, or undefined when the header is absent. */
export function bearerKey(req: Request): string | undefined {
  const header = req.get('authorization');
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1])
    throw new AppError('UNAUTHORIZED', 'send the key as Authorization: Bearer <key>');
  return match[1];
}

/**
 * Reads `Authorization: Bearer <key>`: a valid key becomes the request's principal; a key that
 * is unknown or revoked is refused at once; no header leaves the request anonymous (a later
 * requireRole decides).
 */
export function authenticateBearer(authenticator: Authenticator): RequestHandler {
  return async (req, _res, next) => {
    try {
      const key = bearerKey(req);
      if (key === undefined) return next();
      const principal = await authenticator.authenticate(key);
      if (!principal) throw new AppError('UNAUTHORIZED', 'this key is unknown or was revoked');
      setPrincipal(req, principal);
      next();
    } catch (error) {
      next(error);
    }
  };
}

/** Lets the request through only for a principal holding one of `roles`: 401 without one, 403 with another. */
export function requireRole(...roles: Role[]): RequestHandler {
  const allowed = roles.join(' or ');
  return (req, _res, next) => {
    const principal = principalOf(req);
    if (!principal) {
      return next(
        new AppError('UNAUTHORIZED', `this endpoint needs a key with the ${allowed} role`),
      );
    }
    if (!roles.includes(principal.role)) {
      return next(
        new AppError(
          'FORBIDDEN',
          `the key "${principal.name}" has the ${principal.role} role; this endpoint needs ${allowed}`,
        ),
      );
    }
    next();
  };
}
