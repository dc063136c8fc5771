import type { Request } from 'express';
import { Registry, type Metric, type OpenMetricsContentType } from 'prom-client';

interface Renderable {
  name: string;
  help: string;
  type: string;
  aggregator: string;
  get(): Promise<{ name: string }>;
  getForPromString?(): Promise<{ name: string }>;
}

/**
 * The registry's metrics in OpenMetrics, the only format that carries exemplars. The view holds proxies,
 * not the metrics themselves, because prom-client renames a counter it renders as OpenMetrics (dropping
 * `_total` from its family name), which would change the metric for every later text-format scrape.
 */
export function openMetricsView(registry: Registry): Registry<OpenMetricsContentType> {
  const view = new Registry<OpenMetricsContentType>();
  view.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  for (const metric of registry.getMetricsAsArray() as unknown as Renderable[]) {
    const proxy = {
      name: metric.name,
      help: metric.help,
      type: metric.type,
      aggregator: metric.aggregator,
      async get() {
        const data = await (metric.getForPromString ?? metric.get).call(metric);
        return { ...data, name: proxy.name };
      },
    };
    view.registerMetric(proxy as unknown as Metric);
  }
  return view;
}

/**
 * The formats offered, with the versions scrapers name: a media range with parameters (Prometheus sends
 * `application/openmetrics-text;version=1.0.0,...;q=0.75,text/plain;version=0.0.4;q=0.5,*\/*;q=0.1`)
 * matches only an offer with the same parameters, so bare types alone would fall through to `*\/*`.
 */
const OFFERS = [
  'text/plain',
  'text/plain; version=0.0.4',
  'application/openmetrics-text',
  'application/openmetrics-text; version=1.0.0',
  'application/openmetrics-text; version=0.0.1',
];

/** Whether the scraper asks for OpenMetrics (Prometheus does, before the text format). */
export function wantsOpenMetrics(req: Request): boolean {
  return String(req.accepts(OFFERS)).startsWith('application/openmetrics-text');
}
