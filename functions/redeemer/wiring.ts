import { sql } from 'kysely';
import { connectDatabase } from '../../lib/db/connect.js';
import { ImagesRepository } from '../../lib/db/images-repo.js';
import { createMetrics } from '../../lib/http/metrics.js';
import type { Logger } from '../../lib/logger.js';
import { ReconnectingWriter, staticNsqdAddresses } from '../../lib/queue/nsq-writer.js';
import { createRedeemerApp } from './app.js';
import type { RedeemerConfig } from './config.js';
import { sweepStrandedImages } from './sweep.js';

export function createRedeemer(config: RedeemerConfig, logger: Logger) {
  const db = connectDatabase({ url: config.databaseUrl, poolSize: config.databasePoolSize });
  const publisher = new ReconnectingWriter(staticNsqdAddresses([config.nsqdTcpAddress]), logger, {
    connectTimeoutMs: 3000,
    publishTimeoutMs: 3000,
    retries: 2,
  });
  const deps = {
    images: new ImagesRepository(db),
    publisher,
    topic: config.topic,
    unpublishedAfterMs: config.unpublishedAfterMs,
    republishAfterMs: config.republishAfterMs,
    batchSize: config.batchSize,
    logger,
  };
  const app = createRedeemerApp({
    ...deps,
    metrics: createMetrics('redeemer'),
    ready: async () => {
      await sql`SELECT 1`.execute(db);
      return true;
    },
  });
  return {
    app,
    sweep: () => sweepStrandedImages(deps),
    async close() {
      await publisher.close();
      await db.destroy();
    },
  };
}
