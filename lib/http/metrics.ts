import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RequestHandler } from 'express';

/** One registry per process, with Node's default metrics and HTTP request timing. */
export function createMetrics(component: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ component });
  collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'facetrail_http_request_duration_seconds',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const middleware: RequestHandler = (req, res, next) => {
    const end = httpDuration.startTimer({ method: req.method });
    res.on('finish', () => {
      // The matched route pattern keeps label cardinality bounded (not /images/123).
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      end({ route: String(route), status: String(res.statusCode) });
    });
    next();
  };
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Counter<L>({ name, help, labelNames, registers: [registry] });
  const histogram = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    buckets?: number[],
  ) =>
    new Histogram<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      ...(buckets ? { buckets } : {}),
    });
  return { registry, middleware, counter, histogram };
}

export type Metrics = ReturnType<typeof createMetrics>;
