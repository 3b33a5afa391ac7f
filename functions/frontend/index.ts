// The frontend as a functions-framework HTTP function (`--target=frontend`).
import { http } from '@google-cloud/functions-framework';
import { asHttpFunction } from '../../lib/http/as-http-function.js';
import { createLogger } from '../../lib/logger.js';
import { loadFrontendConfig } from './config.js';
import { createFrontend } from './wiring.js';

export const config = loadFrontendConfig(process.env);
export const logger = createLogger('frontend', config.logLevel);
export const frontend = createFrontend(config, logger);

http('frontend', asHttpFunction(frontend.app));
