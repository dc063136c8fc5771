import { finishApp, serviceApp, type Logger, type Runtime } from '@vigil/service-kit';
import type { Exporter } from './exporter';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The kit's app (/healthz, /readyz, /metrics, POST /-/reload) with the exporter's metrics after the runtime's,
 * and a landing page listing the sources and metrics of the configuration in force.
 */
export function createApp(runtime: Runtime, exporter: Exporter, log: Logger) {
  const app = serviceApp(
    runtime,
    {
      metrics: () => exporter.render(),
      notReady: () => (exporter.started ? undefined : 'sources starting (first pass over the log files)'),
    },
    log,
  );

  app.get('/', (_req, res) => {
    const config = exporter.config;
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
          `<h1>Vigil log exporter</h1><p><a href="/metrics">Metrics</a> · <a href="/readyz">Ready</a></p>` +
          `<h2>Sources</h2><table><tr><th>source</th><th>input</th><th>parser</th></tr>${rows}</table>` +
          `<h2>Declared metrics</h2><ul>${metrics}</ul>` +
          `<p>Security pack: ${config.security.enabled ? 'enabled' : 'disabled'}</p></body></html>`,
      );
  });
  return finishApp(app, log);
}
