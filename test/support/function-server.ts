import { http } from '@google-cloud/functions-framework';
import type { Router } from 'express';
import { asHttpFunction } from '../../lib/http/as-http-function.js';
import { serveFunction, type RunningFunctionServer } from '../../lib/http/function-server.js';
import { createLogger } from '../../lib/logger.js';

let counter = 0;

/** Registers a handler with functions-framework under a fresh name and serves it on a free port. */
export async function serveForTest(
  handler: Router,
  maxBodyBytes?: number,
  maxJsonBytes?: number,
): Promise<RunningFunctionServer> {
  const name = `test-function-${process.pid}-${++counter}`;
  http(name, asHttpFunction(handler));
  return serveFunction({
    name,
    port: 0,
    host: '127.0.0.1',
    logger: createLogger('test', 'silent'),
    maxBodyBytes,
    maxJsonBytes,
  });
}
