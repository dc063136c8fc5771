import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { Config } from './config';
import type { Exporter } from './exporter';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** DESIGN.md's error shape: {"error": {"code", "message", "details"}}. */
function sendError(res: Response, status: number, code: string, message: string) {
  res.status(status).json({ error: { code, message, details: [] } });
}

export function createApp(config: Config, exporter: Exporter, log: Logger) {
  const app = express();
  app.disable('x-powered-by');

  app.get('/', (_req, res) => {
    const rows = Object.entries(config.sources)
      .map(
        ([name, s]) =>
          `<tr><td>${escapeHtml(name)}</td><td>${escapeHtml(s.input.kind)}</td><td>${escapeHtml(s.parser.kind)}</td></tr>`,
      )
      .join('');
    const metrics = config.metrics.map((m) => `<li>${escapeHtml(m.name)} (${m.type})</li>`).join('');
    res
      .type('html')
      .send(
        `<!doctype html><html><head><title>Vigil log exporter</title></head><body>` +
          `<h1>Vigil log exporter</h1><p><a href="/metrics">Metrics</a></p>` +
          `<h2>Sources</h2><table><tr><th>source</th><th>input</th><th>parser</th></tr>${rows}</table>` +
          `<h2>Declared metrics</h2><ul>${metrics}</ul>` +
          `<p>Security pack: ${config.security.enabled ? 'enabled' : 'disabled'}</p></body></html>`,
      );
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', exporter.registry.contentType);
    res.send(await exporter.render());
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.use((_req: Request, res: Response) => sendError(res, 404, 'not_found', 'no such endpoint'));
  // Express needs the four-argument signature to treat this as the error handler.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    log.error({ err }, 'unhandled error');
    sendError(res, 500, 'internal', 'internal error');
  });
  return app;
}
