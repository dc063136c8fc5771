import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRoute, renderRouteTemplate, startHarnessServer, type HarnessServer } from '../src/server';

const settings = { jsonData: { url: 'http://127.0.0.1:1' }, secureJsonData: { apiToken: 's3cret' } };

it("fills route templates from the app's settings as Grafana does", () => {
  expect(renderRouteTemplate('{{ .JsonData.url }}', settings)).toBe('http://127.0.0.1:1');
  expect(renderRouteTemplate('Bearer {{ .SecureJsonData.apiToken }}', settings)).toBe('Bearer s3cret');
  expect(renderRouteTemplate('{{ .SecureJsonData.missing }}x', settings)).toBe('x');
});

it('picks the first route whose path prefixes the request and whose method matches', () => {
  const routes = [
    { path: 'vigil', method: 'GET', url: 'get' },
    { path: 'vigil', method: 'POST, PUT', url: 'write' },
    { path: 'other', url: 'any' },
  ];
  expect(findRoute(routes, 'vigil/api/v1/incidents', 'GET')?.url).toBe('get');
  expect(findRoute(routes, 'vigil/api/v1/incidents/1/acknowledge', 'PUT')?.url).toBe('write');
  expect(findRoute(routes, 'other', 'DELETE')?.url).toBe('any');
  expect(findRoute(routes, 'vigilant', 'GET')).toBeUndefined();
  expect(findRoute(routes, 'vigil/x', 'DELETE')).toBeUndefined();
});

describe('the plugin proxy of the harness server', () => {
  let upstream: ReturnType<typeof createServer>;
  let harness: HarnessServer;
  const seen: Array<{ method?: string; url?: string; headers: IncomingHttpHeaders; body: string }> = [];

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        res.writeHead(201, { 'Content-Type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const pageDir = mkdtempSync(join(tmpdir(), 'harness-page-'));
    writeFileSync(join(pageDir, 'index.html'), '<html>page</html>');
    const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    harness = await startHarnessServer({
      pageDir,
      settings: { jsonData: { url }, secureJsonData: { apiToken: 't0ken' } },
    });
  });

  afterAll(async () => {
    await harness.close();
    await new Promise((resolve) => upstream.close(resolve));
  });

  it("forwards by the app's plugin.json routes, adding the bearer token, keeping method, body and query", async () => {
    const response = await fetch(
      `${harness.url}/api/plugin-proxy/vigil-incidents-app/vigil/api/v1/incidents/7/notes?x=1`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Cookie: 'grafana_session=abc' },
        body: JSON.stringify({ text: 'hello' }),
      },
    );
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ ok: true });
    const request = seen.at(-1)!;
    expect(request).toMatchObject({
      method: 'POST',
      url: '/api/v1/incidents/7/notes?x=1',
      body: '{"text":"hello"}',
    });
    expect(request.headers.authorization).toBe('Bearer t0ken');
    expect(request.headers.cookie).toBeUndefined();
  });

  it('refuses a path no route serves, and serves the page for any other path', async () => {
    const missing = await fetch(`${harness.url}/api/plugin-proxy/vigil-incidents-app/elsewhere/x`);
    expect(missing.status).toBe(404);
    const page = await fetch(`${harness.url}/a/vigil-incidents-app/incidents/3`);
    expect(await page.text()).toBe('<html>page</html>');
  });

  it("serves the app's settings without its secrets", async () => {
    const meta = (await (
      await fetch(`${harness.url}/api/plugins/vigil-incidents-app/settings`)
    ).json()) as object;
    expect(meta).toMatchObject({
      id: 'vigil-incidents-app',
      enabled: true,
      secureJsonFields: { apiToken: true },
    });
    expect(JSON.stringify(meta)).not.toContain('t0ken');
  });
});
