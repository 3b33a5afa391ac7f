import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../../lib/logger.js';

export interface HealthStatus {
  /** Liveness: false only once the adapter is shutting down. */
  live: boolean;
  /** Readiness, with what it was decided on. */
  ready: boolean;
  details: Record<string, unknown>;
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

/** GET /healthz, /readyz and /metrics on a small node:http server. */
export async function startHealthServer(options: {
  port: number;
  host?: string | undefined;
  status: () => HealthStatus;
  registry: Registry;
  logger: Logger;
}): Promise<HealthServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      sendJson(response, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'use GET' } });
      return;
    }
    if (path === '/healthz') {
      const status = options.status();
      sendJson(response, status.live ? 200 : 503, { status: status.live ? 'ok' : 'stopping' });
    } else if (path === '/readyz') {
      const status = options.status();
      sendJson(response, status.ready ? 200 : 503, {
        status: status.ready ? 'ready' : 'not ready',
        ...status.details,
      });
    } else if (path === '/metrics') {
      options.registry.metrics().then(
        (text) => {
          response.writeHead(200, { 'content-type': options.registry.contentType });
          response.end(text);
        },
        (error: unknown) => {
          options.logger.error({ err: String(error) }, 'collecting metrics failed');
          sendJson(response, 500, {
            error: { code: 'METRICS_FAILED', message: 'collecting metrics failed' },
          });
        },
      );
    } else {
      sendJson(response, 404, {
        error: { code: 'NOT_FOUND', message: 'try /healthz, /readyz or /metrics' },
      });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
