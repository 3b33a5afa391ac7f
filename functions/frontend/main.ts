import { runFunction } from '../../lib/http/run-function.js';
import { config, frontend, logger } from './index.js';

await runFunction({
  name: 'frontend',
  port: config.port,
  logger,
  // Enrollment photos are uploaded from the page.
  maxBodyBytes: config.maxUploadBytes,
  maxJsonBytes: config.maxJsonBytes,
  close: frontend.close,
});
