import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { PLUGINS_DIR } from './paths';

/** What Grafana stores for an app: its plugin settings (secureJsonData never leaves the server). */
export interface AppSettings {
  jsonData: Record<string, unknown>;
  secureJsonData: Record<string, string>;
}

interface Route {
  path: string;
  method?: string;
  url: string;
  headers?: Array<{ name: string; content: string }>;
}

interface PluginJson {
  id: string;
  name: string;
  type: string;
  info: unknown;
  routes?: Route[];
}

export interface HarnessServer {
  url: string;
  close(): Promise<void>;
}

const APP_ID = 'vigil-incidents-app';
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
};

/** Grafana's route templates: {{ .JsonData.<key> }} and {{ .SecureJsonData.<key> }}. */
export function renderRouteTemplate(template: string, settings: AppSettings): string {
  return template.replace(
    /\{\{\s*\.(JsonData|SecureJsonData)\.(\w+)\s*\}\}/g,
    (_, scope: string, key: string) =>
      String((scope === 'JsonData' ? settings.jsonData : settings.secureJsonData)[key] ?? ''),
  );
}

/**
 * The route of plugin.json that serves `path` (below /api/plugin-proxy/<id>/) for `method`, as Grafana's
 * plugin proxy picks it: the first whose path prefixes the request's and whose method, if any, matches.
 */
export function findRoute(routes: Route[], path: string, method: string): Route | undefined {
  return routes.find(
    (r) =>
      (path === r.path || path.startsWith(`${r.path}/`)) &&
      (!r.method || r.method === '*' || r.method.split(',').some((m) => m.trim().toUpperCase() === method)),
  );
}

const readBody = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

/** Forwards a request and streams the answer back, keeping status and content type. */
async function forward(
  req: IncomingMessage,
  res: ServerResponse,
  target: string,
  headers: Record<string, string>,
) {
  const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await readBody(req);
  const contentType = req.headers['content-type'];
  const upstream = await fetch(target, {
    method: req.method,
    headers: {
      ...(contentType && { 'Content-Type': contentType }),
      Accept: req.headers.accept ?? '*/*',
      ...headers,
    },
    body,
  });
  res.writeHead(upstream.status, { 'Content-Type': upstream.headers.get('content-type') ?? 'text/plain' });
  res.end(Buffer.from(await upstream.arrayBuffer()));
}

const json = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));

/**
 * The harness's stand-in for Grafana's HTTP server: serves the page bundle (every other path gets
 * index.html, as Grafana's routes do), proxies /api/prom/ to Prometheus as Grafana's datasource proxy
 * does, serves the app's plugin settings (/api/plugins/<id>/settings) and proxies
 * /api/plugin-proxy/<id>/<route path>/... by the app's plugin.json `routes`, filling in URL and headers
 * from the settings, as Grafana's plugin proxy does. The harness user is an admin, so routes' reqRole
 * is met.
 */
export async function startHarnessServer(options: {
  pageDir: string;
  prometheusUrl?: string;
  settings: AppSettings;
}): Promise<HarnessServer> {
  const pluginJson = JSON.parse(
    readFileSync(join(PLUGINS_DIR, APP_ID, 'src/plugin.json'), 'utf8'),
  ) as PluginJson;
  const settings = options.settings;
  const proxyPrefix = `/api/plugin-proxy/${APP_ID}/`;
  const settingsPath = `/api/plugins/${APP_ID}/settings`;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://harness');
    const method = req.method ?? 'GET';
    if (url.pathname.startsWith('/api/prom/')) {
      if (!options.prometheusUrl) return json(res, 502, { message: 'no Prometheus in this harness' });
      return forward(
        req,
        res,
        `${options.prometheusUrl}${url.pathname.slice('/api/prom'.length)}${url.search}`,
        {},
      );
    }
    if (url.pathname.startsWith(proxyPrefix)) {
      const path = url.pathname.slice(proxyPrefix.length);
      const route = findRoute(pluginJson.routes ?? [], path, method);
      if (!route) return json(res, 404, { message: 'Plugin route not found' });
      const target =
        renderRouteTemplate(route.url, settings).replace(/\/$/, '') + path.slice(route.path.length);
      const headers = Object.fromEntries(
        (route.headers ?? []).map((h) => [h.name, renderRouteTemplate(h.content, settings)]),
      );
      return forward(req, res, target + url.search, headers);
    }
    if (url.pathname === settingsPath && method === 'GET')
      return json(res, 200, {
        id: APP_ID,
        name: pluginJson.name,
        type: pluginJson.type,
        info: pluginJson.info,
        enabled: true,
        pinned: true,
        baseUrl: `public/plugins/${APP_ID}`,
        module: `public/plugins/${APP_ID}/module.js`,
        jsonData: settings.jsonData,
        secureJsonFields: Object.fromEntries(Object.keys(settings.secureJsonData).map((k) => [k, true])),
      });
    if (url.pathname === settingsPath && method === 'POST') {
      const update = JSON.parse((await readBody(req)).toString() || '{}') as Partial<AppSettings>;
      if (update.jsonData) settings.jsonData = update.jsonData;
      Object.assign(settings.secureJsonData, update.secureJsonData);
      return json(res, 200, { message: 'Plugin settings updated' });
    }
    if (url.pathname.startsWith('/api/')) return json(res, 404, { message: 'Not found' });
    const file = normalize(join(options.pageDir, url.pathname));
    const served =
      file.startsWith(options.pageDir) && extname(file) && existsSync(file)
        ? file
        : join(options.pageDir, 'index.html');
    res
      .writeHead(200, { 'Content-Type': TYPES[extname(served)] ?? 'application/octet-stream' })
      .end(readFileSync(served));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) json(res, 502, { message: `harness: ${err.message}` });
      else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
