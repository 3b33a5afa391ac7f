import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { jsonErrorHandler } from './json-errors.js';

export interface FunctionServerOptions {
  /** The name the function was registered under with functions-framework's http(). */
  name: string;
  port: number;
  host?: string;
  /** Bodies larger than this (by Content-Length) are refused before they are read. */
  maxBodyBytes?: number;
  logger: Logger;
}

export interface RunningFunctionServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/**
 * Serves a registered functions-framework function, like the `functions-framework` CLI does,
 * plus two things the CLI cannot add: a JSON error handler after the framework's body
 * parsers (a bad JSON body must get `{"error":{...}}`, not an HTML page), and an early 413
 * for oversized bodies.
 */
export async function serveFunction(
  options: FunctionServerOptions,
): Promise<RunningFunctionServer> {
  const server = getTestServer(options.name);
  const app = server.listeners('request')[0] as Express;
  app.use(jsonErrorHandler(options.logger));
  if (options.maxBodyBytes !== undefined) {
    const limit = options.maxBodyBytes;
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const length = Number(req.headers['content-length'] ?? 0);
      if (length > limit) {
        const error = new AppError(
          'PAYLOAD_TOO_LARGE',
          `the body has ${length} bytes; the limit is ${limit}`,
        );
        res.writeHead(error.status, { 'content-type': 'application/json', connection: 'close' });
        res.end(JSON.stringify(error.toJSON()));
        req.resume();
        return;
      }
      app(req, res);
    });
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
  return {
    server,
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
