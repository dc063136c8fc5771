import express, { type NextFunction, type Request, type Response } from 'express';
import { expressMetrics, traceparentExemplar } from '../src';

/** How the demo misbehaves on /api: a share of requests answered 500, and a delay before every answer. */
export interface FailureMode {
  errorRate: number;
  latencyMs: number;
}

export interface DemoOptions {
  failure?: Partial<FailureMode>;
  /** Decides which requests fail when 0 < errorRate < 1; injectable so tests are deterministic. */
  random?: () => number;
}

const PLANS = ['free', 'pro', 'enterprise'];

const ITEMS = [
  { id: 1, name: 'disk' },
  { id: 2, name: 'fan' },
];

/**
 * The demo service that end-to-end tests and the stack point alerts at. It can be told to fail or slow
 * down at runtime (POST /admin/fail) or from the start (DEMO_ERROR_RATE, DEMO_LATENCY_MS).
 */
export function createDemoApp(options: DemoOptions = {}) {
  const random = options.random ?? Math.random;
  const healthy: FailureMode = { errorRate: 0, latencyMs: 0 };
  const failure: FailureMode = { ...healthy, ...options.failure };
  const metrics = expressMetrics({ service: 'demo', defaultMetrics: true, exemplars: traceparentExemplar });
  // A business metric beside the RED ones, on the same registry; plan is bounded to the known plans.
  const orders = metrics.business.counter({
    name: 'demo_orders_total',
    help: 'Orders placed through the demo API, by plan.',
    labelNames: ['plan'],
    labelValues: { plan: PLANS },
  });

  const app = express();
  app.disable('x-powered-by');
  app.use(metrics.middleware);
  app.use(express.json({ limit: '16kb' }));

  app.get('/metrics', metrics.metricsHandler);
  app.get('/healthz', (_req, res) => {
    if (failure.errorRate >= 1) return void res.status(503).json({ status: 'failing' });
    res.json({ status: 'ok' });
  });

  // Injected per route rather than with api.use(), so the failures are labelled with their route template.
  const inject = async (_req: Request, _res: Response, next: NextFunction) => {
    if (failure.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, failure.latencyMs));
    next(random() < failure.errorRate ? new Error('injected failure') : undefined);
  };
  const api = express.Router();
  api.get('/items', inject, (_req, res) => {
    res.json(ITEMS);
  });
  api.get('/items/:id', inject, (req, res) => {
    const item = ITEMS.find((i) => String(i.id) === req.params.id);
    if (!item)
      return void res
        .status(404)
        .json({ error: { code: 'not_found', message: 'no such item', details: [] } });
    res.json(item);
  });
  api.post('/orders', inject, (req, res) => {
    const plan = (req.body as { plan?: unknown } | undefined)?.plan;
    orders.inc({ plan: typeof plan === 'string' ? plan : 'free' });
    res.status(201).json({ status: 'accepted' });
  });
  app.use('/api', api);

  app.get('/admin/failure', (_req, res) => {
    res.json({ error_rate: failure.errorRate, latency_ms: failure.latencyMs });
  });
  app.post('/admin/fail', (req, res) => {
    const body = (req.body ?? {}) as { error_rate?: unknown; latency_ms?: unknown };
    const errorRate = body.error_rate ?? 1;
    const latencyMs = body.latency_ms ?? 0;
    if (typeof errorRate !== 'number' || errorRate < 0 || errorRate > 1) {
      return void res
        .status(400)
        .json({ error: { code: 'bad_request', message: 'error_rate must be 0..1', details: [] } });
    }
    if (typeof latencyMs !== 'number' || latencyMs < 0 || latencyMs > 60_000) {
      return void res
        .status(400)
        .json({ error: { code: 'bad_request', message: 'latency_ms must be 0..60000', details: [] } });
    }
    Object.assign(failure, { errorRate, latencyMs });
    res.json({ error_rate: failure.errorRate, latency_ms: failure.latencyMs });
  });
  app.post('/admin/recover', (_req, res) => {
    Object.assign(failure, healthy);
    res.json({ error_rate: 0, latency_ms: 0 });
  });

  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: { code: 'not_found', message: 'no such endpoint', details: [] } });
  });
  // Express needs the four-argument signature to treat this as the error handler. A body the JSON parser
  // refuses (malformed, too large) is the client's fault, a 4xx; counted as a 5xx, any client could burn
  // the demo's error budget.
  app.use((err: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    const status = err.status !== undefined && err.status >= 400 && err.status < 500 ? err.status : 500;
    const code = status === 413 ? 'payload_too_large' : status < 500 ? 'bad_request' : 'internal';
    res.status(status).json({ error: { code, message: err.message, details: [] } });
  });
  return { app, registry: metrics.registry };
}
