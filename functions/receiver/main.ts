import { runFunction } from '../../lib/http/run-function.js';
import { config, logger, receiver } from './index.js';

await runFunction({
  name: 'receiver',
  port: config.port,
  logger,
  maxBodyBytes: config.maxUploadBytes,
  maxJsonBytes: config.maxJsonBytes,
  close: receiver.close,
});
