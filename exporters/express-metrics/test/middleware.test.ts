import { execFileSync } from 'node:child_process';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Registry } from 'prom-client';
import request from 'supertest';
import { expressMetrics } from '../src';

/** The value of the first series `name` whose labels include `labels`, read from the exposition text. */
async function valueOf(registry: Registry, name: string, labels: Record<string, string>) {
  for (const line of (await registry.metrics()).split('\n')) {
    const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const series = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => series[k] === v)) return Number(match[3]);
  }
  return undefined;
}

function buildApp() {
  const metrics = expressMetrics({ service: 'shop' });
  const app = express();
  app.use(metrics.middleware);
  app.get('/metrics', metrics.metricsHandler);
  app.get('/users/:id', (_req, res) => {
    res.json({ ok: true });
  });
  const api = express.Router();
  api.get('/items/:id', (req, _res, next) => next(req.params.id === 'boom' ? new Error('boom') : undefined));
  api.get('/items/:id', (_req, res) => {
    res.status(204).end();
  });
  app.use('/api', api);
  let release: () => void = () => undefined;
  app.get('/slow', (_req, res) => {
    release = () => res.send('done');
  });
  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).send(err.message);
  });
  return { app, registry: metrics.registry, release: () => release() };
}

describe('express-metrics middleware', () => {
  it('labels requests with the route template, never the raw path', async () => {
    const { app, registry } = buildApp();
    await request(app).get('/users/1').expect(200);
    await request(app).get('/users/2').expect(200);
    const labels = { service: 'shop', route: '/users/:id', method: 'GET', status_code: '200' };
    expect(await valueOf(registry, 'http_requests_total', labels)).toBe(2);
    expect(await valueOf(registry, 'http_request_duration_seconds_count', labels)).toBe(2);
    expect(await valueOf(registry, 'http_response_size_bytes_count', labels)).toBe(2);
    expect(await registry.metrics()).not.toMatch(/route="\/users\/1"/);
  });

  it('keeps the mount path of routers, also when an app-level error handler answers', async () => {
    const { app, registry } = buildApp();
    await request(app).get('/api/items/7').expect(204);
    await request(app).get('/api/items/boom').expect(500);
    const base = { service: 'shop', route: '/api/items/:id', method: 'GET' };
    expect(await valueOf(registry, 'http_requests_total', { ...base, status_code: '204' })).toBe(1);
    expect(await valueOf(registry, 'http_requests_total', { ...base, status_code: '500' })).toBe(1);
  });

  it('labels requests no route matched as "unmatched", and odd methods as "other"', async () => {
    const { app, registry } = buildApp();
    await request(app).get('/no/such/path/123').expect(404);
    await request(app).get('/another/unknown').expect(404);
    await request(app).merge('/users/1').expect(404);
    expect(
      await valueOf(registry, 'http_requests_total', {
        route: 'unmatched',
        method: 'GET',
        status_code: '404',
      }),
    ).toBe(2);
    expect(await valueOf(registry, 'http_requests_total', { route: 'unmatched', method: 'other' })).toBe(1);
    expect(await registry.metrics()).not.toMatch(/no\/such|unknown/);
  });

  it('counts requests in flight while they are handled', async () => {
    const { app, registry, release } = buildApp();
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as { port: number };
      const pending = fetch(`http://127.0.0.1:${port}/slow`);
      for (let i = 0; i < 100 && (await valueOf(registry, 'http_requests_in_flight', {})) !== 1; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(await valueOf(registry, 'http_requests_in_flight', { service: 'shop' })).toBe(1);
      release();
      expect(await (await pending).text()).toBe('done');
      await new Promise((resolve) => setImmediate(resolve));
      expect(await valueOf(registry, 'http_requests_in_flight', { service: 'shop' })).toBe(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('serves an exposition that promtool accepts', async () => {
    const { app } = buildApp();
    await request(app).get('/users/1');
    const res = await request(app).get('/metrics').expect(200);
    expect(res.text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(execFileSync('promtool', ['check', 'metrics'], { input: res.text, encoding: 'utf8' })).toBe('');
  });
});
