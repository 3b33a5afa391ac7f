import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { jsonErrorHandler } from './json-errors.js';

/** Events and queries are small: what a function takes unless it says otherwise. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export interface FunctionServerOptions {
  /** The name the function was registered under with functions-framework's http(). */
  name: string;
  port: number;
  host?: string;
  /** Larger bodies are refused with 413 (before reading them when Content-Length says so). */
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
 * parsers (a bad JSON body must get `{"error":{...}}`, not an HTML page), and a 413 for
 * oversized bodies, chunked ones included.
 */
export async function serveFunction(
  options: FunctionServerOptions,
): Promise<RunningFunctionServer> {
  const server = getTestServer(options.name);
  const app = server.listeners('request')[0] as Express;
  app.use(jsonErrorHandler(options.logger));
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const tooLarge = (size: string) => {
      if (res.headersSent) return;
      const error = new AppError(
        'PAYLOAD_TOO_LARGE',
        `the body has ${size} bytes; the limit is ${limit}`,
      );
      res.writeHead(error.status, { 'content-type': 'application/json', connection: 'close' });
      // Stop reading what is left once the answer is out.
      res.end(JSON.stringify(error.toJSON()), () => req.socket.destroy());
    };
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      tooLarge(String(declared));
      return;
    }
    // A body without Content-Length (chunked) is counted as it arrives: the framework's own
    // parsers would otherwise buffer up to 1 GiB of it.
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) tooLarge(`more than ${limit}`);
    });
    app(req, res);
  });
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
