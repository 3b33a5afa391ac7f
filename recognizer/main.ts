/**
 * The recognizer's entry: `tsx recognizer/main.ts` (or `node dist/recognizer/main.js`).
 * Configuration from the environment (see config.ts); SIGTERM/SIGINT stop it gracefully.
 */
import { ConfigError } from '../lib/config/env.js';
import { createLogger } from '../lib/logger.js';
import { shutdownOnSignal } from '../lib/process/shutdown-on-signal.js';
import { loadRecognizerConfig, type RecognizerConfig } from './config.js';
import { RecognizerServer } from './server.js';

let config: RecognizerConfig;
try {
  config = loadRecognizerConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`recognizer: ${error.message}`);
  process.exit(2);
}

const logger = createLogger('recognizer', config.logLevel);
const server = new RecognizerServer(config, logger);
const shutdown = shutdownOnSignal({ logger, stop: () => server.stop() });
process.on('unhandledRejection', (error) => {
  logger.fatal({ err: error }, 'unhandled rejection');
  process.exit(1);
});

try {
  await server.start();
} catch (error) {
  if (!shutdown.stopping) {
    logger.fatal({ err: error }, 'recognizer failed to start');
    await server.stop().catch(() => undefined);
    process.exit(1);
  }
}
