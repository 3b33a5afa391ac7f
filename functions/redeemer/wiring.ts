import { connectDatabase, databaseAnswers } from '../../lib/db/connect.js';
import { ImageSweepRepository } from '../../lib/db/images/sweep-repo.js';
import { PrivacyRepository } from '../../lib/db/privacy-repo.js';
import { createMetrics } from '../../lib/http/metrics.js';
import type { Logger } from '../../lib/logger.js';
import { nsqPublisher } from '../../lib/queue/nsq-writer.js';
import { queuedMessages } from '../../lib/queue/nsqd-stats.js';
import { UnclaimedImagesRepository } from '../../lib/db/images/unclaimed-repo.js';
import { DeadLettersRepository } from '../../lib/db/dead-letters-repo.js';
import { drainTopic } from '../../lib/queue/nsq-drain.js';
import { drainDeadLetters, type DrainCounts } from './dead-letters.js';
import { purgeExpired } from '../../lib/privacy/retention.js';
import type { Publisher } from '../../lib/queue/publisher.js';
import { createRedeemerApp } from './app.js';
import type { RedeemerConfig } from './config.js';
import { resendAllPending, sweepStrandedImages } from './sweep.js';

export function createRedeemer(
  config: RedeemerConfig,
  logger: Logger,
  overrides: { publisher?: Publisher; now?: () => Date; fetch?: typeof globalThis.fetch } = {},
) {
  const db = connectDatabase({
    url: config.databaseUrl,
    poolSize: config.databasePoolSize,
    ...config.databaseLimits,
  });
  const publisher = overrides.publisher ?? nsqPublisher(config.nsqdTcpAddress, logger);
  const { queueStats } = config;
  const readsStats =
    queueStats.lookupdHttpAddresses.length > 0 || queueStats.nsqdHttpAddresses.length > 0;
  const deps = {
    lost: readsStats
      ? {
          unclaimed: new UnclaimedImagesRepository(db),
          lostAfterMs: config.lostAfterMs,
          queued: () => queuedMessages(queueStats, config.topic, config.channel, overrides.fetch),
        }
      : undefined,
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
  // Read from nsqd through nsqlookupd, else from the nsqd it publishes to; standalone mode
  // (no nsqd) stores its dead letters in process instead (scripts/start.ts).
  const deadLetters = new DeadLettersRepository(db);
  const nsqdTcpAddresses = config.nsqdTcpAddress ? [config.nsqdTcpAddress] : [];
  const readsDeadLetters =
    !overrides.publisher &&
    (queueStats.lookupdHttpAddresses.length > 0 || nsqdTcpAddresses.length > 0);
  const drain = async (): Promise<DrainCounts | undefined> =>
    readsDeadLetters
      ? drainDeadLetters({
          deadLetters,
          logger,
          drain: (handle) =>
            drainTopic({
              topic: config.deadLetters.topic,
              channel: config.deadLetters.channel,
              lookupdHttpAddresses: queueStats.lookupdHttpAddresses,
              nsqdTcpAddresses,
              handle,
              idleMs: config.deadLetters.idleMs,
              maxMs: 20_000,
            }),
        })
      : undefined;
  const app = createRedeemerApp({
    ...deps,
    purge,
    drainDeadLetters: drain,
    metrics: createMetrics('redeemer'),
    ready: () => databaseAnswers(db),
  });
  return {
    app,
    sweep: () => sweepStrandedImages(deps),
    purge,
    drainDeadLetters: drain,
    resendAllPending: () => resendAllPending(deps),
    async close() {
      await publisher.close();
      await db.destroy();
    },
  };
}
