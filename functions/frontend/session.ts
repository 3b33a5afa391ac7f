import type { Request, RequestHandler } from 'express';
import cookieSession from 'cookie-session';
import { csrfSync } from 'csrf-sync';
import type { Authenticator, Principal } from '../../lib/auth/authenticator.js';
import { AppError } from '../../lib/errors.js';
import { bearerKey, principalOf, setPrincipal } from '../../lib/http/auth.js';

export const SESSION_COOKIE = 'facetrail_session';

/** What the signed session cookie holds: whose key, until when, and the form token. */
interface SessionData {
  /** Principal id (`key:<id>` or the admin token's fingerprint): never the key itself. */
  pid?: string;
  /** Expiry, epoch milliseconds; checked on every request, whatever the cookie's own expiry. */
  exp?: number;
  csrfToken?: string;
  /** Messages an action leaves for the next page (post, redirect, get). */
  flash?: Array<{ kind: 'notice' | 'error'; text: string }>;
}

const sessionOf = (req: Request): SessionData | undefined =>
  (req.session ?? undefined) as SessionData | undefined;

const signedInBy = new WeakSet<Request>();
const expired = new WeakSet<Request>();

/** True when the request's session ran out (the sign-in page says so). */
export function sessionExpired(req: Request): boolean {
  return expired.has(req);
}

export interface SessionOptions {
  secret: string;
  ttlMs: number;
  authenticator: Authenticator;
  now: () => Date;
}

/**
 * Sign-in state for the web page: a cookie signed with SESSION_SECRET (cookie-session),
 * HttpOnly, SameSite=Lax, Secure whenever the request came over TLS (X-Forwarded-Proto from
 * the Knative queue-proxy on loopback), expiring after SESSION_TTL_HOURS. It names the key,
 * not a copy of it: revoking the key ends every session signed in with it.
 */
export function createSessions(options: SessionOptions) {
  const cookies = cookieSession({
    name: SESSION_COOKIE,
    keys: [options.secret],
    httpOnly: true,
    sameSite: 'lax',
    maxAge: options.ttlMs,
    path: '/',
  });
  const csrf = csrfSync({
    getTokenFromRequest: (req) => {
      const fromForm = (req.body as { _csrf?: unknown } | undefined)?._csrf;
      return typeof fromForm === 'string' ? fromForm : req.get('x-csrf-token');
    },
    size: 32,
  });

  /** Cookie parsing, then the principal: a Bearer key first, else a live session. */
  const authenticate: RequestHandler = (req, res, next) => {
    // Express decides req.protocol (and so the cookie's Secure flag) from X-Forwarded-Proto
    // only for trusted peers: the Knative queue-proxy sits on loopback in the same pod.
    if (req.app.get('trust proxy') !== 'loopback') req.app.set('trust proxy', 'loopback');
    cookies(req, res, async (error?: unknown) => {
      if (error) return next(error);
      try {
        const key = bearerKey(req);
        if (key !== undefined) {
          const principal = await options.authenticator.authenticate(key);
          if (!principal) throw new AppError('UNAUTHORIZED', 'this key is unknown or was revoked');
          setPrincipal(req, principal);
          return next();
        }
        const session = sessionOf(req);
        if (session?.pid) {
          const live = (session.exp ?? 0) > options.now().getTime();
          const principal = live ? await options.authenticator.byId(session.pid) : undefined;
          if (principal) {
            setPrincipal(req, principal);
            signedInBy.add(req);
          } else {
            // Expired, or its key was revoked: the session is emptied with this answer.
            if (!live) expired.add(req);
            req.session = {};
          }
        }
        next();
      } catch (caught) {
        next(caught);
      }
    });
  };

  /**
   * Refuses a form or call without its CSRF token, unless it carries its own Bearer key (no
   * cookie a third-party page could ride on). The sign-in form is posted before anyone is
   * signed in: its token lives in the anonymous session the sign-in page started.
   */
  const requireCsrfToken: RequestHandler = (req, _res, next) => {
    if (principalOf(req) && !signedInBy.has(req)) return next();
    if (!csrf.isRequestValid(req)) return next(new AppError('CSRF_TOKEN_INVALID'));
    next();
  };

  return {
    authenticator: options.authenticator,
    authenticate,
    requireCsrfToken,
    /** The form token of this session (made on first use). */
    csrfToken: (req: Request) => csrf.generateToken(req),
    /**
     * The token a signed-in page puts in its forms; none for a request that brought its own
     * Bearer key (its posts need none, and it should not be handed a cookie it did not ask for).
     */
    formToken: (req: Request) => (signedInBy.has(req) ? csrf.generateToken(req) : ''),
    /** Starts a session for this principal; a fresh form token goes with it. */
    signIn(req: Request, principal: Principal) {
      req.session = {
        pid: principal.id,
        exp: options.now().getTime() + options.ttlMs,
      } satisfies SessionData;
      csrf.generateToken(req, true);
    },
    signOut(req: Request) {
      req.session = null;
    },
    /** Leaves messages for the next page this browser shows (nothing without a session). */
    flash(req: Request, messages: NonNullable<SessionData['flash']>) {
      const session = sessionOf(req);
      if (!session?.pid || messages.length === 0) return;
      // A cookie holds about 4 KB: keep the first messages, each cut short.
      session.flash = [...(session.flash ?? []), ...messages]
        .slice(0, 8)
        .map((message) => ({ kind: message.kind, text: message.text.slice(0, 300) }));
    },
    /** The messages left for this page, removed from the session. */
    takeFlash(req: Request): NonNullable<SessionData['flash']> {
      const session = sessionOf(req);
      const messages = session?.flash ?? [];
      if (session?.flash) delete session.flash;
      return messages;
    },
    principalOf,
  };
}

export type Sessions = ReturnType<typeof createSessions>;
