import type { Logger } from '../logger.js';
import { shutdownOnSignal } from '../process/shutdown-on-signal.js';
import { serveFunction } from './function-server.js';

/**
 * Runs a registered function as a long-lived server until SIGTERM/SIGINT, then stops taking
 * requests, lets in-flight ones finish and releases what the function holds.
 */
export async function runFunction(options: {
  name: string;
  port: number;
  logger: Logger;
  maxBodyBytes?: number;
  maxJsonBytes?: number;
  close: () => Promise<void>;
}): Promise<void> {
  const running = await serveFunction({
    name: options.name,
    port: options.port,
    logger: options.logger,
    maxBodyBytes: options.maxBodyBytes,
    maxJsonBytes: options.maxJsonBytes,
  });
  options.logger.info({ url: running.url }, `${options.name} listening`);
  shutdownOnSignal({
    logger: options.logger,
    stop: async () => {
      await running.close();
      await options.close();
    },
  });
}
