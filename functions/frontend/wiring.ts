import { Authenticator } from '../../lib/auth/authenticator.js';
import { AuditRepository } from '../../lib/db/audit-repo.js';
import { connectDatabase, databaseAnswers } from '../../lib/db/connect.js';
import { FacesRepository } from '../../lib/db/faces-repo.js';
import { ImageReadsRepository } from '../../lib/db/images/reads-repo.js';
import { KeysRepository } from '../../lib/db/keys-repo.js';
import { PeopleAdminRepository } from '../../lib/db/people-admin-repo.js';
import { PeopleRepository } from '../../lib/db/people-repo.js';
import { PrivacyRepository } from '../../lib/db/privacy-repo.js';
import { ResultsRepository } from '../../lib/db/results-repo.js';
import { createMetrics } from '../../lib/http/metrics.js';
import type { Logger } from '../../lib/logger.js';
import { createRecognizerClient } from '../../lib/recognizer/client.js';
import { createFrontendApp } from './app.js';
import type { FrontendConfig } from './config.js';
import { createSessions } from './session.js';

export function createFrontend(
  config: FrontendConfig,
  logger: Logger,
  overrides: { now?: () => Date } = {},
) {
  const now = overrides.now ?? (() => new Date());
  const db = connectDatabase({
    url: config.databaseUrl,
    poolSize: config.databasePoolSize,
    ...config.databaseLimits,
  });
  const authenticator = new Authenticator({
    keys: new KeysRepository(db, now),
    adminToken: config.adminToken,
    cacheMs: config.keyCacheMs,
    now,
    logger,
  });
  // Enrollment from the page goes through the recognizer, as the receiver's does; without its
  // secret the page only reads.
  const recognizer = config.recognizerSecret
    ? createRecognizerClient(config.recognizerAddress, {
        deadlineMs: config.recognizerTimeoutMs,
        secret: config.recognizerSecret,
      })
    : undefined;
  const app = createFrontendApp({
    images: new ImageReadsRepository(db),
    results: new ResultsRepository(db),
    people: new PeopleRepository(db),
    peopleAdmin: new PeopleAdminRepository(db, now),
    privacy: new PrivacyRepository(db, now),
    audit: new AuditRepository(db, now),
    sessions: createSessions({
      secret: config.sessionSecret,
      ttlMs: config.sessionTtlMs,
      authenticator,
      now,
    }),
    enroller: recognizer,
    recognizer,
    faces: new FacesRepository(db),
    now,
    galleryChanged: async () => {
      await recognizer?.refreshGallery();
    },
    imagesRoot: config.imagesRoot,
    pageSize: config.pageSize,
    refreshSeconds: config.refreshSeconds,
    maxUploadBytes: config.maxUploadBytes,
    livePollMs: config.livePollMs,
    eventsStreamMs: config.eventsStreamMs,
    logger,
    metrics: createMetrics('frontend'),
    ready: () => databaseAnswers(db),
  });
  return {
    app,
    maxBodyBytes: config.maxUploadBytes,
    maxJsonBytes: config.maxJsonBytes,
    async close() {
      recognizer?.close();
      await db.destroy();
    },
  };
}
