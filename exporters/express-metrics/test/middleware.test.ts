import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
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

/**
 * Polls until the series has `value`: the middleware records a request on 'close', after the client sees
 * it. Up to 10 s, as a machine busy with other suites may take that long to deliver the socket's close.
 */
async function waitFor(registry: Registry, name: string, labels: Record<string, string>, value: number) {
  const giveUpAt = Date.now() + 10_000;
  while ((await valueOf(registry, name, labels)) !== value && Date.now() < giveUpAt) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(await valueOf(registry, name, labels)).toBe(value);
}

/** Serves app on a real socket for fn, so a client can go away mid-request. */
async function listening(app: express.Express, fn: (url: string) => Promise<void>) {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    await fn(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
  } finally {
    // A request the server still holds open would keep close() waiting, hiding the failed expectation.
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

function buildApp() {
  const metrics = expressMetrics({ service: 'shop' });
  const app = express();
  app.use(metrics.middleware);
  app.get('/metrics', metrics.metricsHandler);
  app.get('/users/:id', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/status/:code', (req, res) => {
    res.status(Number(req.params.code)).end();
  });
  const api = express.Router();
  api.get('/items/:id', (req, _res, next) => next(req.params.id === 'boom' ? new Error('boom') : undefined));
  api.get('/items/:id', (_req, res) => {
    res.status(204).end();
  });
  app.use('/api', api);
  // A mount with a param of its own, and a router within it.
  const org = express.Router();
  const teams = express.Router();
  teams.get('/:team', (_req, res) => {
    res.end();
  });
  org.use('/teams', teams);
  org.get('/items/:id', (_req, res) => {
    res.end();
  });
  org.get('/', (_req, res) => {
    res.end();
  });
  app.use('/orgs/:org', org);
  // A mount with a wildcard: its segments, however many, are one label value.
  const files = express.Router();
  files.get('/meta', (_req, res) => {
    res.end();
  });
  app.use('/files/*path/-', files);
  // A router that sees its parent's params too (mergeParams).
  const project = express.Router({ mergeParams: true });
  const boards = express.Router({ mergeParams: true });
  boards.get('/:board', (_req, res) => {
    res.end();
  });
  project.use('/boards', boards);
  app.use('/projects/:project', project);
  // Responses the server breaks off once begun: with an error, and as Express does after a late failure.
  app.get('/broken', (_req, res) => {
    res.write('partial');
    setImmediate(() => res.destroy(new Error('upstream failed')));
  });
  app.get('/cut', (req, res) => {
    res.write('partial');
    setImmediate(() => req.socket.destroy());
  });
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
    const labels = { service: 'shop', route: '/users/:id', method: 'GET', status_class: '2xx' };
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
    expect(await valueOf(registry, 'http_requests_total', { ...base, status_class: '2xx' })).toBe(1);
    expect(await valueOf(registry, 'http_requests_total', { ...base, status_class: '5xx' })).toBe(1);
  });

  it('labels mount paths as templates too: one series whatever org a mount param holds, or however a path is spelt', async () => {
    const { app, registry } = buildApp();
    for (const path of ['/orgs/acme/items/1', '/orgs/globex/items/2', '/ORGS/o3/items/3'])
      await request(app).get(path).expect(200);
    for (const path of ['/orgs/acme/teams/sre', '/Orgs/a%20b/Teams/web'])
      await request(app).get(path).expect(200);
    await request(app).get('/API/items/7').expect(204);
    await request(app).get('/Api/items/8').expect(204);
    const get = { service: 'shop', method: 'GET' };
    expect(await valueOf(registry, 'http_requests_total', { ...get, route: '/orgs/:org/items/:id' })).toBe(3);
    expect(await valueOf(registry, 'http_requests_total', { ...get, route: '/orgs/:org/teams/:team' })).toBe(
      2,
    );
    expect(await valueOf(registry, 'http_requests_total', { ...get, route: '/api/items/:id' })).toBe(2);
    expect(await registry.metrics()).not.toMatch(/acme|globex|o3|API|Api|ORGS|Teams/);
  });

  it("labels a mount's wildcard as *name, a param's value that looks like a fixed segment as the param, a router's root as its mount", async () => {
    const { app, registry } = buildApp();
    for (const path of ['/files/a/-/meta', '/files/a/b/c/-/meta', '/files/x%2Fy/-/meta'])
      await request(app).get(path).expect(200);
    // The org named "orgs", and a router's root with and without its slash.
    for (const path of ['/orgs/orgs/items/1', '/orgs/acme', '/orgs/acme/'])
      await request(app).get(path).expect(200);
    const get = { service: 'shop', method: 'GET' };
    expect(await valueOf(registry, 'http_requests_total', { ...get, route: '/files/*path/-/meta' })).toBe(3);
    expect(await valueOf(registry, 'http_requests_total', { ...get, route: '/orgs/:org/items/:id' })).toBe(1);
    expect(await valueOf(registry, 'http_requests_total', { ...get, route: '/orgs/:org' })).toBe(2);
    // The parent's params, merged in, are no part of the nested mount.
    for (const path of ['/projects/p1/boards/b1', '/projects/p2/boards/p2'])
      await request(app).get(path).expect(200);
    expect(
      await valueOf(registry, 'http_requests_total', { ...get, route: '/projects/:project/boards/:board' }),
    ).toBe(2);
    expect(await registry.metrics()).not.toMatch(/route="[^"]*(\/a\/|\/b\/|x%2Fy|x\/y|acme|:org\/:org|\/")/);
  });

  it("labels a mount by its own pattern: a param within a segment, or one spelt like the mount's fixed segments", async () => {
    const metrics = expressMetrics({ service: 'shop' });
    const app = express();
    app.use(metrics.middleware);
    const ok = (_req: Request, res: Response) => {
      res.end();
    };
    const users = express.Router();
    users.get('/users/:id', ok);
    app.use('/api/v:version', users);
    const team = express.Router();
    team.get('/', ok);
    app.use('/teams/:org-:team', team);
    const orgs = express.Router();
    const items = express.Router();
    items.get('/:id', ok);
    orgs.use('/:org/items', items);
    app.use('/orgs', orgs);
    for (const path of ['/api/v1/users/1', '/api/v2/users/2', '/teams/acme-web', '/teams/foo-bar'])
      await request(app).get(path).expect(200);
    for (const path of ['/orgs/items/items/1', '/orgs/acme/items/2'])
      await request(app).get(path).expect(200);
    const get = { service: 'shop', method: 'GET' };
    for (const route of ['/api/v:version/users/:id', '/teams/:org-:team', '/orgs/:org/items/:id'])
      expect(await valueOf(metrics.registry, 'http_requests_total', { ...get, route })).toBe(2);
    expect(await metrics.registry.metrics()).not.toMatch(/route="[^"]*(v1|v2|acme|foo|items\/:org)/);
  });

  it('starts from the patterns a sub-app was mounted at, or the params a router with the middleware holds', async () => {
    const metrics = expressMetrics({ service: 'shop' });
    const ok = (_req: Request, res: Response) => {
      res.end();
    };
    const sub = express();
    sub.use(metrics.middleware);
    sub.get('/ping', ok);
    // The router sees its mount's params (mergeParams), not its pattern: a segment a param only partly
    // fills is the param.
    const router = express.Router({ mergeParams: true });
    router.use(metrics.middleware);
    router.get('/ping', ok);
    const app = express();
    app.use('/apps/:org-:team/v:version', sub);
    app.use('/routers/:org-:team/v:version', router);
    // The middleware mounted at a path, which Express leaves before the route.
    app.use('/direct/:org', metrics.middleware);
    app.get('/direct/:org/ping', ok);
    for (const path of ['/acme-web/v1/ping', '/foo-bar/v2/ping']) {
      for (const mount of ['/apps', '/routers']) await request(app).get(`${mount}${path}`).expect(200);
    }
    for (const path of ['/direct/acme/ping', '/direct/foo/ping']) await request(app).get(path).expect(200);
    const get = { service: 'shop', method: 'GET' };
    const routes = ['/apps/:org-:team/v:version/ping', '/routers/:org/:version/ping', '/direct/:org/ping'];
    for (const route of routes)
      expect(await valueOf(metrics.registry, 'http_requests_total', { ...get, route })).toBe(2);
    expect(await metrics.registry.metrics()).not.toMatch(/acme|foo|v1|v2/);
  });

  it("counts a request once when a mounted sub-app uses the middleware too, and once in another instance's registry", async () => {
    const metrics = expressMetrics({ service: 'shop' });
    const other = expressMetrics({ service: 'shop' });
    const sub = express();
    sub.use(metrics.middleware);
    sub.use(other.middleware);
    sub.get('/ping', (_req, res) => {
      res.end();
    });
    const app = express();
    app.use(metrics.middleware);
    app.use('/sub', sub);
    await request(app).get('/sub/ping').expect(200);
    const labels = { service: 'shop', route: '/sub/ping', method: 'GET', status_class: '2xx' };
    await waitFor(metrics.registry, 'http_requests_total', labels, 1);
    expect(await valueOf(metrics.registry, 'http_request_duration_seconds_count', labels)).toBe(1);
    expect(await valueOf(metrics.registry, 'http_requests_in_flight', { service: 'shop' })).toBe(0);
    await waitFor(other.registry, 'http_requests_total', labels, 1);
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
        status_class: '4xx',
      }),
    ).toBe(2);
    expect(await valueOf(registry, 'http_requests_total', { route: 'unmatched', method: 'other' })).toBe(1);
    expect(await registry.metrics()).not.toMatch(/no\/such|unknown/);
  });

  it('labels the status class only, so the label takes at most five values', async () => {
    const { app, registry } = buildApp();
    for (const code of [200, 201, 204, 301, 304, 404, 418, 500, 503, 599, 600, 999]) {
      await request(app).get(`/status/${code}`).expect(code);
    }
    const counts: Record<string, number | undefined> = {};
    for (const status_class of ['2xx', '3xx', '4xx', '5xx']) {
      counts[status_class] = await valueOf(registry, 'http_requests_total', {
        route: '/status/:code',
        status_class,
      });
    }
    // Codes above 599 are no HTTP class: the server's fault, so 5xx.
    expect(counts).toEqual({ '2xx': 3, '3xx': 2, '4xx': 2, '5xx': 5 });
    expect(await registry.metrics()).not.toMatch(/status_code|status_class="(?![1-5]xx")/);
  });

  it('counts requests in flight while they are handled', async () => {
    const { app, registry, release } = buildApp();
    await listening(app, async (url) => {
      const pending = fetch(`${url}/slow`);
      await waitFor(registry, 'http_requests_in_flight', { service: 'shop' }, 1);
      release();
      expect(await (await pending).text()).toBe('done');
      await waitFor(registry, 'http_requests_in_flight', { service: 'shop' }, 0);
    });
  });

  it('counts a request the client abandoned before the response as 4xx, like nginx 499', async () => {
    const { app, registry } = buildApp();
    await listening(app, async (url) => {
      const client = new AbortController();
      const pending = fetch(`${url}/slow`, { signal: client.signal });
      await waitFor(registry, 'http_requests_in_flight', { service: 'shop' }, 1);
      client.abort();
      await expect(pending).rejects.toThrow();
      const labels = { route: '/slow', method: 'GET', status_class: '4xx' };
      await waitFor(registry, 'http_requests_total', labels, 1);
      // A client that resets the connection rather than closing it (ECONNRESET), too.
      const { port } = new URL(url);
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
      });
      socket.on('error', () => undefined);
      await waitFor(registry, 'http_requests_in_flight', { service: 'shop' }, 1);
      socket.resetAndDestroy();
      await waitFor(registry, 'http_requests_total', labels, 2);
      expect(await valueOf(registry, 'http_request_duration_seconds_count', labels)).toBe(2);
      expect(await valueOf(registry, 'http_requests_in_flight', { service: 'shop' })).toBe(0);
    });
  });

  it('counts a response the server broke off as 5xx: a failure of its own, not of the client', async () => {
    const { app, registry } = buildApp();
    await listening(app, async (url) => {
      for (const route of ['/broken', '/cut']) {
        await expect(fetch(`${url}${route}`).then((res) => res.text())).rejects.toThrow();
        await waitFor(registry, 'http_requests_total', { route, status_class: '5xx' }, 1);
        expect(
          await valueOf(registry, 'http_requests_total', { route, status_class: '4xx' }),
        ).toBeUndefined();
      }
    });
  });

  it('serves an exposition that promtool accepts', async () => {
    const { app } = buildApp();
    await request(app).get('/users/1');
    const res = await request(app).get('/metrics').expect(200);
    expect(res.text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(execFileSync('promtool', ['check', 'metrics'], { input: res.text, encoding: 'utf8' })).toBe('');
  });

  it('refuses bad options when set up, naming the option', () => {
    const bad: [unknown, string][] = [
      [undefined, 'expressMetrics: options must be an object with service'],
      [{}, 'expressMetrics: options.service must be a non-empty string (got undefined)'],
      [{ service: ' ' }, 'options.service must be a non-empty string (got " ")'],
      [{ service: 's', registry: {} }, 'options.registry must be a prom-client Registry'],
      [{ service: 's', registry: null }, 'options.registry must be a prom-client Registry'],
      [
        { service: 's', durationBuckets: [1, 0.001] },
        'expressMetrics: options.durationBuckets must be finite numbers above 0, in increasing order (got [1,0.001])',
      ],
      [{ service: 's', durationBuckets: [] }, 'options.durationBuckets'],
      [{ service: 's', durationBuckets: [-1, 0.1] }, 'options.durationBuckets'],
      [{ service: 's', durationBuckets: [0.1, Infinity] }, '(got [0.1,Infinity])'],
      [{ service: 's', durationBuckets: ['0.1'] }, '(got ["0.1"])'],
      [
        { service: 's', durationBucket: [0.1] },
        'expressMetrics: unknown option durationBucket; the options are service, registry, durationBuckets, defaultMetrics, exemplars',
      ],
      [{ service: 's', defaultMetrics: 'yes' }, 'options.defaultMetrics must be true or false (got "yes")'],
      [{ service: 's', exemplars: 'x' }, 'options.exemplars must be a function of the request'],
    ];
    for (const [options, message] of bad) {
      expect(() => expressMetrics(options as never)).toThrow(TypeError);
      expect(() => expressMetrics(options as never)).toThrow(message);
    }
  });

  it('records a request whose exemplar function throws, without an exemplar', async () => {
    const metrics = expressMetrics({
      service: 'shop',
      exemplars: () => {
        throw new Error('tracing is down');
      },
    });
    const app = express();
    app.use(metrics.middleware);
    app.get('/ok', (_req, res) => {
      res.end();
    });
    await request(app).get('/ok').expect(200);
    await waitFor(metrics.registry, 'http_requests_total', { route: '/ok', status_class: '2xx' }, 1);
  });

  it('labels the default process metrics with the service, as the saturation signal selects them', async () => {
    const { registry } = expressMetrics({ service: 'shop', defaultMetrics: true });
    expect(await registry.metrics()).toMatch(/^nodejs_eventloop_lag_p99_seconds\{service="shop"\} /m);
  });

  it('serves an exposition that promtool accepts with the default metrics on', async () => {
    const metrics = expressMetrics({ service: 'shop', defaultMetrics: true });
    const app = express();
    app.get('/metrics', metrics.metricsHandler);
    const res = await request(app).get('/metrics').expect(200);
    expect(res.text).toContain('# TYPE nodejs_active_handles gauge');
    expect(execFileSync('promtool', ['check', 'metrics'], { input: res.text, encoding: 'utf8' })).toBe('');
  });
});
