// The redeemer as a functions-framework HTTP function (`--target=redeemer`), fired by a PingSource.
import { http } from '@google-cloud/functions-framework';
import { asHttpFunction } from '../../lib/http/as-http-function.js';
import { createLogger } from '../../lib/logger.js';
import { loadRedeemerConfig } from './config.js';
import { createRedeemer } from './wiring.js';

export const config = loadRedeemerConfig(process.env);
export const logger = createLogger('redeemer', config.logLevel);
export const redeemer = createRedeemer(config, logger);

http('redeemer', asHttpFunction(redeemer.app));
