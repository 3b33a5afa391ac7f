import { z } from 'zod';
import { knativePort, parseEnv, port, positiveInt, type Env } from '../../lib/config/env.js';
import {
  accessShape,
  databaseShape,
  imagesRootShape,
  logShape,
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
      PAGE_SIZE: positiveInt(50),
      REFRESH_SECONDS: positiveInt(5),
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
    imagesRoot: resolveImagesRoot(parsed),
    port: parsed.PORT ?? parsed.FRONTEND_PORT,
    pageSize: Math.min(parsed.PAGE_SIZE, 500),
    refreshSeconds: parsed.REFRESH_SECONDS,
    adminToken: parsed.ADMIN_TOKEN,
    keyCacheMs: parsed.KEY_CACHE_SECONDS * 1000,
    sessionSecret: parsed.SESSION_SECRET,
    sessionTtlMs: Math.round(parsed.SESSION_TTL_HOURS * 3_600_000),
    logLevel: parsed.LOG_LEVEL,
  };
}

export type FrontendConfig = ReturnType<typeof loadFrontendConfig>;
