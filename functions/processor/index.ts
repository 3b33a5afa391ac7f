// The processor as a functions-framework HTTP function (`--target=processor`): it decodes the
// CloudEvent itself so it can answer 503 with Retry-After, which a cloudEvent() function cannot.
import { http } from '@google-cloud/functions-framework';
import { asHttpFunction } from '../../lib/http/as-http-function.js';
import { createLogger } from '../../lib/logger.js';
import { loadProcessorConfig } from './config.js';
import { createProcessor } from './wiring.js';

export const config = loadProcessorConfig(process.env);
export const logger = createLogger('processor', config.logLevel);
export const processor = createProcessor(config, logger);

http('processor', asHttpFunction(processor.app));
