import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { Config } from './config';
import { sendError } from '@vigil/service-kit';
import { createMetrics } from './metrics';
import type { Updater } from './updater';

export function createApp(config: Config, updater: Updater, log: Logger) {
  const metrics = createMetrics(config, updater);
  const app = express();
  app.disable('x-powered-by');

  app.get('/', (_req, res) => {
    res
      .type('html')
      .send(
        `<!doctype html><html><head><title>Vigil anomaly exporter</title></head><body>` +
          `<h1>Vigil anomaly exporter</h1><p><a href="/metrics">Metrics</a></p></body></html>`,
      );
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.render());
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', prometheus_up: updater.up });
  });

  app.use((_req: Request, res: Response) => sendError(res, 404, 'not_found', 'no such endpoint'));
  // Express needs the four-argument signature to treat this as the error handler.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    log.error({ err }, 'unhandled error');
    sendError(res, 500, 'internal', 'internal error');
  });
  return { app, metrics };
}
