import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { businessMetrics } from './business';
import { exemplarOf, validExemplar, type ExemplarLabels } from './exemplars';
import { checkOptions } from './options';
import { openMetricsView, wantsOpenMetrics } from './openmetrics';
import { routeTemplate, trackRoute, type Tracked } from './route-template';

export { businessMetrics, OVERFLOW, type BusinessMetricOptions } from './business';
export { traceparentExemplar, type ExemplarLabels } from './exemplars';

export interface ExpressMetricsOptions {
  /** The `service` label on every series, so several services can share dashboards and rules. */
  service: string;
  /** Where to register; a new Registry when unset (prom-client's global one is never used). */
  registry?: Registry;
  /** Request duration buckets, seconds. */
  durationBuckets?: number[];
  /** Also collect prom-client's default process and Node.js metrics (off by default). */
  defaultMetrics?: boolean;
  /**
   * Exemplar labels for a request's duration observation, e.g. `traceparentExemplar` for its trace id.
   * Exemplars are served only to scrapers that accept OpenMetrics (Prometheus with exemplar storage on).
   */
  exemplars?: (req: Request) => ExemplarLabels;
}

export const DEFAULT_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SIZE_BUCKETS = [100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000];

/** The route label for requests no route matched (404s, static files): never the raw path. */
export const UNMATCHED = 'unmatched';

/** Methods outside this set are labelled "other", so a client cannot mint series with made-up methods. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** A peer that closed or reset the connection: the socket read its end, or failed reading or writing. */
const PEER_GONE = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/**
 * The status class of a response: its code's first digit, so the label takes five values whatever the
 * app sends. Codes above 599 (Node accepts up to 999) are none of HTTP's classes; they are the server's
 * mistake, so "5xx". A response that did not finish is "4xx" when the client abandoned it, as nginx's 499
 * is a client error, and "5xx" when the server broke it off (res.destroy(), or Express closing the
 * connection after an error once headers were sent).
 */
function statusClass(req: Request, res: Response): string {
  if (!res.writableFinished) {
    const { readableEnded, errored } = req.socket;
    const code = (errored as NodeJS.ErrnoException | null)?.code;
    return !res.errored && (readableEnded || (code !== undefined && PEER_GONE.has(code))) ? '4xx' : '5xx';
  }
  return `${Math.min(Math.floor(res.statusCode / 100), 5)}xx`;
}

/**
 * RED metrics for an Express app: http_requests_total, http_request_duration_seconds,
 * http_response_size_bytes by service, route template, method and status class, and
 * http_requests_in_flight. Labels come from route templates and fixed sets only, so cardinality is bounded
 * by the app's routes.
 */
export function expressMetrics(options: ExpressMetricsOptions) {
  checkOptions(options);
  const registry = options.registry ?? new Registry();
  // With the service label, as the saturation signal and the dashboards select them.
  if (options.defaultMetrics) {
    collectDefaultMetrics({ register: registry, labels: { service: options.service } });
    // `promtool check metrics` refuses a gauge named *_total; nodejs_active_{handles,requests,resources}
    // (by type) carry the same counts, so the page passes it whole.
    for (const what of ['handles', 'requests', 'resources'])
      registry.removeSingleMetric(`nodejs_active_${what}_total`);
  }
  const labelNames = ['service', 'route', 'method', 'status_class'];
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests handled, by route template, method and status class (1xx..5xx); requests the client abandoned count as 4xx, like nginx 499.',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving a request to finishing its response.',
    labelNames,
    buckets: options.durationBuckets ?? DEFAULT_DURATION_BUCKETS,
    // prom-client refuses exemplars on a text-format registry, though the text format merely leaves them
    // out; registered by hand, the histogram serves both formats (see metricsHandler).
    registers: [],
    enableExemplars: options.exemplars !== undefined,
  });
  registry.registerMetric(duration);
  const size = new Histogram({
    name: 'http_response_size_bytes',
    help: 'Response body size, for responses that declared a Content-Length.',
    labelNames,
    buckets: SIZE_BUCKETS,
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: 'http_requests_in_flight',
    help: 'HTTP requests being handled now.',
    labelNames: ['service'],
    registers: [registry],
  });
  const service = options.service;
  // A mounted sub-app using the middleware too sees the request again: it is counted once.
  const counted = new WeakSet<Request>();

  const middleware: RequestHandler = (req: Tracked, res: Response, next: NextFunction) => {
    if (counted.has(req)) return next();
    counted.add(req);
    const started = process.hrtime.bigint();
    trackRoute(req);
    inFlight.inc({ service });
    // 'close' comes for every request, finished or abandoned; 'finish' would miss the abandoned ones.
    res.once('close', () => {
      inFlight.dec({ service });
      const labels = {
        service,
        route: routeTemplate(req) ?? UNMATCHED,
        method: METHODS.has(req.method) ? req.method : 'other',
        status_class: statusClass(req, res),
      };
      requests.inc(labels);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (options.exemplars) {
        const exemplarLabels = validExemplar(exemplarOf(options.exemplars, req)) ?? {};
        duration.observe({ labels, value: seconds, exemplarLabels });
      } else {
        duration.observe(labels, seconds);
      }
      const length = Number(res.getHeader('content-length'));
      if (Number.isFinite(length)) size.observe(labels, length);
    });
    next();
  };

  /** Serves the registry in the text format, or in OpenMetrics (with exemplars) to scrapers asking for it. */
  const metricsHandler: RequestHandler = async (req, res) => {
    const served = wantsOpenMetrics(req) ? openMetricsView(registry) : registry;
    res.setHeader('Content-Type', served.contentType);
    res.send(await served.metrics());
  };

  return { middleware, metricsHandler, registry, business: businessMetrics(registry, { service }) };
}
