import { finishApp, serviceApp, type Logger, type Runtime } from '@vigil/service-kit';
import { createMetrics } from './metrics';
import type { Updater } from './updater';

/**
 * The kit's app (/healthz, /readyz, /metrics, POST /-/reload) with the models' metrics after the runtime's,
 * and a landing page. Ready once the first pull of every query has ended, whatever Prometheus answered:
 * whether it could be queried is anomaly_up, which must stay scrapable while it cannot.
 */
export function createApp(runtime: Runtime, updater: Updater, log: Logger) {
  const metrics = createMetrics(updater);
  const app = serviceApp(
    runtime,
    {
      metrics: () => metrics.render(),
      notReady: () => (updater.rounds > 0 ? undefined : 'the first pull from Prometheus has not ended yet'),
    },
    log,
  );

  app.get('/', (_req, res) => {
    res
      .type('html')
      .send(
        `<!doctype html><html><head><title>Vigil anomaly exporter</title></head><body>` +
          `<h1>Vigil anomaly exporter</h1><p><a href="/metrics">Metrics</a> · <a href="/readyz">Ready</a></p>` +
          `</body></html>`,
      );
  });
  return { app: finishApp(app, log), metrics };
}
