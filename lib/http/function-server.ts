import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import {
  bodyParserError,
  createBodyReader,
  declaresBody,
  DEFAULT_MAX_JSON_BYTES,
  unsupportedEncoding,
} from './body-limits.js';
import { jsonErrorHandler } from './json-errors.js';

/** Events and queries are small: what a function takes unless it says otherwise. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export interface FunctionServerOptions {
  /** The name the function was registered under with functions-framework's http(). */
  name: string;
  port: number;
  host?: string;
  /**
   * Larger bodies are refused with 413 (before reading them when Content-Length says so),
   * compressed ones once they inflate past it.
   */
  maxBodyBytes?: number;
  /** The limit for JSON, text and URL-encoded bodies (decoded); at most maxBodyBytes. */
  maxJsonBytes?: number;
  logger: Logger;
}

export interface RunningFunctionServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/**
 * Serves a registered functions-framework function, like the `functions-framework` CLI does,
 * plus what the CLI cannot add: a JSON error handler after the framework's body parsers (a
 * bad JSON body must get `{"error":{...}}`, not an HTML page), a 413 for oversized bodies
 * (chunked and compressed ones included: the limits hold on the decoded bytes) and a 415 for a
 * Content-Encoding facetrail does not decode.
 */
export async function serveFunction(
  options: FunctionServerOptions,
): Promise<RunningFunctionServer> {
  const server = getTestServer(options.name);
  const app = server.listeners('request')[0] as Express;
  app.use(jsonErrorHandler(options.logger));
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const readBody = createBodyReader({
    maxBodyBytes: limit,
    maxJsonBytes: options.maxJsonBytes ?? DEFAULT_MAX_JSON_BYTES,
  });
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    /** Answers before the body is read; the connection closes so that the rest is not read. */
    const refuse = (error: AppError) => {
      if (res.headersSent) return;
      res.writeHead(error.status, { 'content-type': 'application/json', connection: 'close' });
      // Stop reading what is left once the answer is out.
      res.end(JSON.stringify(error.toJSON()), () => req.socket.destroy());
    };
    const tooLarge = (size: string) =>
      refuse(
        new AppError('PAYLOAD_TOO_LARGE', `the body has ${size} bytes; the limit is ${limit}`),
      );
    const encoding = declaresBody(req) ? unsupportedEncoding(req) : undefined;
    if (encoding !== undefined) {
      refuse(
        new AppError(
          'UNSUPPORTED_CONTENT_ENCODING',
          `Content-Encoding "${encoding}" is not supported; send the body uncompressed, or as gzip, deflate or br`,
        ),
      );
      return;
    }
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
    readBody(req, res, (error?: unknown) => {
      if (error === undefined) {
        app(req, res);
        return;
      }
      const refusal = bodyParserError(error);
      if (!refusal) options.logger.error({ err: error, url: req.url }, 'reading a body failed');
      if (res.headersSent) return;
      const answer =
        refusal ?? new AppError('INTERNAL', 'internal error; the server log has the details');
      // body-parser has read off the rest of the request: the connection may stay open.
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.toJSON()));
    });
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
