import { connectDatabase, databaseAnswers } from '../../lib/db/connect.js';
import { ImageSweepRepository } from '../../lib/db/images/sweep-repo.js';
import { PrivacyRepository } from '../../lib/db/privacy-repo.js';
import { createMetrics } from '../../lib/http/metrics.js';
import type { Logger } from '../../lib/logger.js';
import { nsqPublisher } from '../../lib/queue/nsq-writer.js';
import { purgeExpired } from '../../lib/privacy/retention.js';
import type { Publisher } from '../../lib/queue/publisher.js';
import { createRedeemerApp } from './app.js';
import type { RedeemerConfig } from './config.js';
import { resendAllPending, sweepStrandedImages } from './sweep.js';

export function createRedeemer(
  config: RedeemerConfig,
  logger: Logger,
  overrides: { publisher?: Publisher; now?: () => Date } = {},
) {
  const db = connectDatabase({
    url: config.databaseUrl,
    poolSize: config.databasePoolSize,
    ...config.databaseLimits,
  });
  const publisher = overrides.publisher ?? nsqPublisher(config.nsqdTcpAddress, logger);
  const deps = {
    images: new ImageSweepRepository(db),
    publisher,
    topic: config.topic,
    unpublishedAfterMs: config.unpublishedAfterMs,
    republishAfterMs: config.republishAfterMs,
    batchSize: config.batchSize,
    logger,
  };
  const purgeDeps = {
    privacy: new PrivacyRepository(db),
    imagesRoot: config.imagesRoot,
    policy: config.retention,
    logger,
    ...(overrides.now ? { now: overrides.now } : {}),
  };
  const purge = () => purgeExpired(purgeDeps);
  const app = createRedeemerApp({
    ...deps,
    purge,
    metrics: createMetrics('redeemer'),
    ready: () => databaseAnswers(db),
  });
  return {
    app,
    sweep: () => sweepStrandedImages(deps),
    purge,
    resendAllPending: () => resendAllPending(deps),
    async close() {
      await publisher.close();
      await db.destroy();
    },
  };
}
