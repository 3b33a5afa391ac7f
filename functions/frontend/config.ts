import { knativePort, parseEnv, port, positiveInt, type Env } from '../../lib/config/env.js';
import {
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
      ...logShape,
      PORT: knativePort,
      FRONTEND_PORT: port(8081),
      PAGE_SIZE: positiveInt(50),
      REFRESH_SECONDS: positiveInt(5),
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
    logLevel: parsed.LOG_LEVEL,
  };
}

export type FrontendConfig = ReturnType<typeof loadFrontendConfig>;
