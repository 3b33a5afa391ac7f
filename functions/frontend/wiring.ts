import { connectDatabase, databaseAnswers } from '../../lib/db/connect.js';
import { ImagesRepository } from '../../lib/db/images-repo.js';
import { PeopleRepository } from '../../lib/db/people-repo.js';
import { createMetrics } from '../../lib/http/metrics.js';
import type { Logger } from '../../lib/logger.js';
import { createFrontendApp } from './app.js';
import type { FrontendConfig } from './config.js';

export function createFrontend(config: FrontendConfig, logger: Logger) {
  const db = connectDatabase({ url: config.databaseUrl, poolSize: config.databasePoolSize });
  const app = createFrontendApp({
    images: new ImagesRepository(db),
    people: new PeopleRepository(db),
    imagesRoot: config.imagesRoot,
    pageSize: config.pageSize,
    refreshSeconds: config.refreshSeconds,
    logger,
    metrics: createMetrics('frontend'),
    ready: () => databaseAnswers(db),
  });
  return { app, close: () => db.destroy() };
}
