import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { Router } from 'express';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.js';

/** Readiness with what it was decided on (shown in the /readyz body). */
export interface Readiness {
  ready: boolean;
  details?: Record<string, unknown>;
}

export interface HealthOptions {
  /** Liveness: false once the process is stopping. Always live when left out. */
  live?: () => boolean;
  /** Readiness: can this instance do its job now (database reachable, ...)? Throw or answer false if not. */
  ready: () => Promise<boolean | Readiness> | boolean | Readiness;
  registry: Registry;
  logger?: Pick<Logger, 'error'>;
}

/**
 * GET /healthz (process alive), /readyz (dependencies reachable), /metrics (Prometheus): the
 * one health contract of every facetrail process, mounted in each function's app and, for
 * processes that serve nothing else (the adapter), on a server of its own.
 */
export function healthRoutes({ live, ready, registry, logger }: HealthOptions): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    const alive = live?.() ?? true;
    res.status(alive ? 200 : 503).json({ status: alive ? 'ok' : 'stopping' });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      const answer = await ready();
      const { ready: isReady, details } = typeof answer === 'boolean' ? { ready: answer } : answer;
      res.status(isReady ? 200 : 503).json({ status: isReady ? 'ready' : 'not ready', ...details });
    } catch (error) {
      res.status(503).json({ status: 'not ready', reason: (error as Error).message });
    }
  });
  router.get('/metrics', async (_req, res) => {
    try {
      const text = await registry.metrics();
      res.type(registry.contentType).send(text);
    } catch (error) {
      logger?.error({ err: String(error) }, 'collecting metrics failed');
      res
        .status(500)
        .json({ error: { code: 'METRICS_FAILED', message: 'collecting metrics failed' } });
    }
  });
  return router;
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

/** The health routes alone on a port: for processes with no HTTP app of their own. */
export async function startHealthServer(
  options: HealthOptions & { port: number; host?: string | undefined },
): Promise<HealthServer> {
  const app = express();
  app.disable('x-powered-by');
  app.use(healthRoutes(options));
  app.use((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.status(405).json({ error: { code: 'METHOD_NOT_ALLOWED', message: 'use GET' } });
      return;
    }
    res
      .status(404)
      .json({ error: { code: 'NOT_FOUND', message: 'try /healthz, /readyz or /metrics' } });
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(options.port, options.host ?? '0.0.0.0', (error?: Error) =>
      error ? reject(error) : resolve(listening),
    );
    listening.once('error', reject);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
