import { Router } from 'express';
import type { Registry } from 'prom-client';

export interface HealthOptions {
  /** Readiness: can this instance do its job now (database reachable, ...)? Throw or return false if not. */
  ready: () => Promise<boolean>;
  registry: Registry;
}

/** GET /healthz (process alive), /readyz (dependencies reachable), /metrics (Prometheus). */
export function healthRoutes({ ready, registry }: HealthOptions): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      if (await ready()) {
        res.json({ status: 'ready' });
        return;
      }
      res.status(503).json({ status: 'not ready' });
    } catch (error) {
      res.status(503).json({ status: 'not ready', reason: (error as Error).message });
    }
  });
  router.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
}
