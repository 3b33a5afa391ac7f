import { Authenticator } from '../../lib/auth/authenticator.js';
import { connectDatabase, databaseAnswers } from '../../lib/db/connect.js';
import { ImagesRepository } from '../../lib/db/images-repo.js';
import { KeysRepository } from '../../lib/db/keys-repo.js';
import { PeopleRepository } from '../../lib/db/people-repo.js';
import { PrivacyRepository } from '../../lib/db/privacy-repo.js';
import { createMetrics } from '../../lib/http/metrics.js';
import type { Logger } from '../../lib/logger.js';
import { createFrontendApp } from './app.js';
import type { FrontendConfig } from './config.js';
import { createSessions } from './session.js';

export function createFrontend(
  config: FrontendConfig,
  logger: Logger,
  overrides: { now?: () => Date } = {},
) {
  const now = overrides.now ?? (() => new Date());
  const db = connectDatabase({ url: config.databaseUrl, poolSize: config.databasePoolSize });
  const authenticator = new Authenticator({
    keys: new KeysRepository(db, now),
    adminToken: config.adminToken,
    cacheMs: config.keyCacheMs,
    now,
    logger,
  });
  const app = createFrontendApp({
    images: new ImagesRepository(db),
    people: new PeopleRepository(db),
    privacy: new PrivacyRepository(db, now),
    sessions: createSessions({
      secret: config.sessionSecret,
      ttlMs: config.sessionTtlMs,
      authenticator,
      now,
    }),
    imagesRoot: config.imagesRoot,
    pageSize: config.pageSize,
    refreshSeconds: config.refreshSeconds,
    logger,
    metrics: createMetrics('frontend'),
    ready: () => databaseAnswers(db),
  });
  return { app, close: () => db.destroy() };
}
