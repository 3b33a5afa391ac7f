import { runFunction } from '../../lib/http/run-function.js';
import { config, logger, processor } from './index.js';

await runFunction({ name: 'processor', port: config.port, logger, close: processor.close });
