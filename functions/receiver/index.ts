// The receiver as a functions-framework HTTP function: `functions-framework --target=receiver`
// serves it, and so does main.ts (which adds JSON errors for unparsable bodies).
import { http } from '@google-cloud/functions-framework';
import { asHttpFunction } from '../../lib/http/as-http-function.js';
import { createLogger } from '../../lib/logger.js';
import { loadReceiverConfig } from './config.js';
import { createReceiver } from './wiring.js';

export const config = loadReceiverConfig(process.env);
export const logger = createLogger('receiver', config.logLevel);
export const receiver = createReceiver(config, logger);

http('receiver', asHttpFunction(receiver.app));
