import { z } from 'zod';
import { knativePort, parseEnv, port, positiveInt, type Env } from '../../lib/config/env.js';
import {
  accessShape,
  databaseLimits,
  databaseShape,
  imagesRootShape,
  logShape,
  recognizerAddressShape,
  resolveDatabaseUrl,
  resolveImagesRoot,
} from '../../lib/config/common.js';

export function loadFrontendConfig(env: Env) {
  const parsed = parseEnv(
    {
      ...databaseShape,
      ...imagesRootShape,
      ...accessShape,
      ...logShape,
      PORT: knativePort,
      FRONTEND_PORT: port(8081),
      ...recognizerAddressShape,
      /**
       * Enrollment from the page (upload, "this is …") calls the recognizer with this secret;
       * unset: the page only reads, and says so where it would offer enrollment.
       */
      RECOGNIZER_SECRET: z.string().min(16, 'use at least 16 characters').optional(),
      RECOGNIZER_TIMEOUT_MS: positiveInt(30_000),
      PAGE_SIZE: positiveInt(50),
      REFRESH_SECONDS: positiveInt(5),
      /** Enrollment photos uploaded from the page: the largest form body. */
      MAX_UPLOAD_BYTES: positiveInt(25 * 1024 * 1024),
      /** JSON and URL-encoded bodies (the page's forms and API), decoded: above it, 413. */
      MAX_JSON_BYTES: positiveInt(1024 * 1024),
      /** How often each frontend process asks the database what changed (while a page listens). */
      LIVE_POLL_MS: positiveInt(1000),
      /**
       * An event stream ends after this long and the browser reconnects at once: Knative's
       * request timeout (timeoutSeconds) must not cut it mid-event.
       */
      EVENTS_STREAM_SECONDS: positiveInt(25),
      /** Signs the session cookies; every frontend pod must share it (a Secret). */
      SESSION_SECRET: z
        .string({ error: 'set a secret of 32+ characters to sign session cookies (from a Secret)' })
        .min(32, 'use at least 32 characters'),
      /** A sign-in lasts this long (a shift), then the page asks for the key again. */
      SESSION_TTL_HOURS: z.coerce
        .number()
        .positive()
        .max(24 * 30)
        .default(12),
    },
    env,
  );
  return {
    databaseUrl: resolveDatabaseUrl(parsed),
    databasePoolSize: parsed.DATABASE_POOL_SIZE,
    databaseLimits: databaseLimits(parsed),
    imagesRoot: resolveImagesRoot(parsed),
    port: parsed.PORT ?? parsed.FRONTEND_PORT,
    pageSize: Math.min(parsed.PAGE_SIZE, 500),
    refreshSeconds: parsed.REFRESH_SECONDS,
    recognizerAddress: parsed.RECOGNIZER_ADDRESS,
    recognizerSecret: parsed.RECOGNIZER_SECRET,
    recognizerTimeoutMs: parsed.RECOGNIZER_TIMEOUT_MS,
    maxUploadBytes: parsed.MAX_UPLOAD_BYTES,
    maxJsonBytes: parsed.MAX_JSON_BYTES,
    livePollMs: parsed.LIVE_POLL_MS,
    eventsStreamMs: parsed.EVENTS_STREAM_SECONDS * 1000,
    adminToken: parsed.ADMIN_TOKEN,
    keyCacheMs: parsed.KEY_CACHE_SECONDS * 1000,
    sessionSecret: parsed.SESSION_SECRET,
    sessionTtlMs: Math.round(parsed.SESSION_TTL_HOURS * 3_600_000),
    logLevel: parsed.LOG_LEVEL,
  };
}

export type FrontendConfig = ReturnType<typeof loadFrontendConfig>;
