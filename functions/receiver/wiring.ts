import { Authenticator } from '../../lib/auth/authenticator.js';
import { connectDatabase, databaseAnswers } from '../../lib/db/connect.js';
import { FacesRepository } from '../../lib/db/faces-repo.js';
import { ImageInserts } from '../../lib/db/images/batch-inserts.js';
import { ImageIngestRepository } from '../../lib/db/images/ingest-repo.js';
import { ImageReadsRepository } from '../../lib/db/images/reads-repo.js';
import { KeysRepository } from '../../lib/db/keys-repo.js';
import { DeadLettersRepository } from '../../lib/db/dead-letters-repo.js';
import { PeopleRepository } from '../../lib/db/people-repo.js';
import { PrivacyRepository } from '../../lib/db/privacy-repo.js';
import { createMetrics } from '../../lib/http/metrics.js';
import type { Logger } from '../../lib/logger.js';
import { nsqPublisher } from '../../lib/queue/nsq-writer.js';
import type { Publisher } from '../../lib/queue/publisher.js';
import { createRecognizerClient } from '../../lib/recognizer/client.js';
import { rescoreFaces } from '../../lib/rescore.js';
import { createReceiverApp } from './app.js';
import type { ReceiverConfig } from './config.js';
import { sweepStagedUploads } from './uploads.js';

/** A staged upload older than this was left by a receiver that died mid-request. */
const STALE_STAGED_UPLOAD_MS = 60 * 60 * 1000;

/** Builds the receiver from its configuration: the handler to register, and how to release what it holds. */
export function createReceiver(
  config: ReceiverConfig,
  logger: Logger,
  overrides: { publisher?: Publisher } = {},
) {
  const db = connectDatabase({
    url: config.databaseUrl,
    poolSize: config.databasePoolSize,
    ...config.databaseLimits,
  });
  const publisher = overrides.publisher ?? nsqPublisher(config.nsqdTcpAddress, logger);
  const recognizer = createRecognizerClient(config.recognizerAddress, {
    deadlineMs: config.recognizerTimeoutMs,
    secret: config.recognizerSecret,
  });
  const keys = new KeysRepository(db);
  // Started, not awaited: a sweep must not delay or fail the receiver's start.
  const swept = sweepStagedUploads(config.imagesRoot, STALE_STAGED_UPLOAD_MS).then(
    (removed) => {
      if (removed > 0) logger.info({ removed }, 'removed uploads staged by a receiver that died');
    },
    (error: unknown) =>
      logger.warn({ err: (error as Error).message }, 'could not sweep staged uploads'),
  );
  const app = createReceiverApp({
    images: new ImageIngestRepository(db),
    imageReads: new ImageReadsRepository(db),
    imageInserts: new ImageInserts(db),
    people: new PeopleRepository(db),
    keys,
    privacy: new PrivacyRepository(db),
    deadLetters: new DeadLettersRepository(db),
    authenticator: new Authenticator({
      keys,
      adminToken: config.adminToken,
      cacheMs: config.keyCacheMs,
      logger,
    }),
    publisher,
    enroller: recognizer,
    galleryChanged: async () => {
      await recognizer.refreshGallery();
    },
    topic: config.topic,
    imagesRoot: config.imagesRoot,
    maxPathsPerRequest: config.maxPathsPerRequest,
    maxUploadBytes: config.maxUploadBytes,
    logger,
    metrics: createMetrics('receiver'),
    // Ready when the source of truth answers; a queue outage only delays work (the redeemer re-sends).
    ready: () => databaseAnswers(db),
    rescore: (filter) => rescoreFaces({ faces: new FacesRepository(db), recognizer }, filter),
  });
  return {
    app,
    /** Settles once stale staged uploads were swept at start. */
    swept,
    async close() {
      await publisher.close();
      recognizer.close();
      await db.destroy();
    },
  };
}
