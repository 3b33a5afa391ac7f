// Entry point of the nsq-cloudevents ContainerSource: configuration from the environment,
// start, and a graceful stop on SIGTERM/SIGINT (exit 0). A second signal exits at once.
import { ConfigError } from '../../lib/config/env.js';
import { createLogger } from '../../lib/logger.js';
import { shutdownOnSignal } from '../../lib/process/shutdown-on-signal.js';
import { startAdapter } from './adapter.js';
import { loadAdapterConfig, type AdapterConfig } from './config.js';

function loadConfigOrExit(): AdapterConfig {
  try {
    return loadAdapterConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`nsq-cloudevents: ${error.message}\n`);
    process.exit(2);
  }
}

const config = loadConfigOrExit();
const logger = createLogger('nsq-cloudevents', config.logLevel);
const adapter = await startAdapter(config, logger, { defaultMetrics: true });

shutdownOnSignal({ logger, stop: adapter.stop });
