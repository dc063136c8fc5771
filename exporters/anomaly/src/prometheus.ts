import { HttpClient, type HttpClientSettings, type HttpResponse } from '@vigil/service-kit';

/** One client per configuration (kept-alive connections), dropped with it on a reload. */
const clients = new WeakMap<HttpClientSettings, HttpClient>();
const clientFor = (http: HttpClientSettings) => {
  let client = clients.get(http);
  if (!client) clients.set(http, (client = new HttpClient(http)));
  return client;
};

/** Ends the requests under way with these settings at once, and their kept-alive connections. */
export function hangUp(http: HttpClientSettings): void {
  clients.get(http)?.close();
  clients.delete(http);
}

/** One series of a query_range answer: its labels and its finite samples, timestamps in milliseconds. */
export interface RangeSeries {
  labels: Record<string, string>;
  samples: [number, number][];
}

/** What went wrong, for the log: the cause's code (ECONNREFUSED, timeout, …), the HTTP status, the body's start. */
export interface PrometheusErrorDetails {
  code?: string;
  status?: number;
  body?: string;
}

export class PrometheusError extends Error {
  override name = 'PrometheusError';
  constructor(
    message: string,
    readonly details: PrometheusErrorDetails = {},
  ) {
    super(message);
  }
}

/** How much of an unexpected answer's body the error quotes. */
const BODY_EXCERPT_CHARS = 200;

const excerpt = (text: string) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > BODY_EXCERPT_CHARS ? `${flat.slice(0, BODY_EXCERPT_CHARS)}…` : flat;
};

const duration = (ms: number) => (ms < 1000 || ms % 1000 !== 0 ? `${ms}ms` : `${ms / 1000}s`);

/**
 * fetch says only "fetch failed"; the reason is in its cause (undici's: a system error such as
 * ECONNREFUSED or ENOTFOUND, a TLS error, a socket closed), or an AggregateError of one per address tried.
 */
function causeOf(err: unknown): { message: string; code?: string } {
  let e = err as { message?: string; code?: string; cause?: unknown; errors?: unknown[] } | undefined;
  while (e?.cause !== undefined) e = e.cause as typeof e;
  if (e?.errors?.length) e = e.errors[0] as typeof e;
  // Never a password: undici quotes the URL when it refuses one with credentials in it.
  const message = (e?.message || String(err)).replace(/\/\/[^/@\s]*@/g, '//');
  const code = e?.code;
  return { message: code && !message.includes(code) ? `${message} (${code})` : message, code };
}

/** The URL as logs show it: without a user and password, if it carries them. */
function shown(baseUrl: string): string {
  const url = new URL(baseUrl);
  if (!url.username && !url.password) return baseUrl;
  url.username = '';
  url.password = '';
  return url.toString().replace(/\/+$/, '');
}

/** An error thrown while asking or reading the answer, as a PrometheusError saying why. */
function failure(err: unknown, baseUrl: string, timeoutMs: number): PrometheusError {
  if ((err as Error).name === 'TimeoutError') {
    return new PrometheusError(
      `Prometheus at ${shown(baseUrl)} did not answer within ${duration(timeoutMs)} (prometheus.timeout)`,
      { code: 'timeout' },
    );
  }
  const cause = causeOf(err);
  return new PrometheusError(`cannot reach Prometheus at ${shown(baseUrl)}: ${cause.message}`, {
    code: cause.code,
  });
}

/** A query_range answer as far as JSON.parse can tell: whatever its shape, checked as it is read. */
interface RangeResponse {
  status?: unknown;
  errorType?: string;
  error?: string;
  data?: { resultType?: unknown; result?: unknown };
}

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/** The samples of one series of the answer's data.result, or what is wrong with it. */
function seriesOf(item: unknown, at: string): RangeSeries | string {
  if (!isObject(item) || !isObject(item.metric) || !Array.isArray(item.values))
    return `${at} has no metric or no values`;
  if (!Object.values(item.metric).every((v) => typeof v === 'string'))
    return `${at}.metric has a value not a string`;
  const values = item.values as unknown[];
  const samples: [number, number][] = [];
  // A plain loop: a history pull reads 10,000 samples of each series.
  for (let i = 0; i < values.length; i++) {
    const pair = values[i];
    if (!Array.isArray(pair) || typeof pair[0] !== 'number')
      return `${at}.values[${i}] is not a [time, value] pair`;
    const value = Number(pair[1]);
    if (Number.isFinite(value)) samples.push([Math.round(pair[0] * 1000), value]);
  }
  return { labels: item.metric as Record<string, string>, samples };
}

/**
 * Prometheus's /api/v1/query_range over [startMs, endMs] at `stepMs`. NaN and infinite samples (a ratio
 * over no traffic, say) are dropped: a model cannot learn from them.
 */
export async function queryRange(
  baseUrl: string,
  query: string,
  startMs: number,
  endMs: number,
  stepMs: number,
  /** prometheus.http_config with prometheus.timeout. */
  http: HttpClientSettings,
): Promise<RangeSeries[]> {
  const { timeoutMs } = http;
  const params = new URLSearchParams({
    query,
    start: String(startMs / 1000),
    end: String(endMs / 1000),
    // Seconds as a plain number: Prometheus refuses a duration with a fraction ("1.5s").
    step: String(stepMs / 1000),
  });
  let res: HttpResponse;
  try {
    res = await clientFor(http).request(`${baseUrl}/api/v1/query_range`, { method: 'POST', body: params });
  } catch (err) {
    throw failure(err, baseUrl, timeoutMs);
  }
  const answered = `Prometheus at ${shown(baseUrl)} answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
  const { text } = res;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    const quoted = excerpt(text);
    throw new PrometheusError(`${answered}, not JSON${quoted ? `: ${quoted}` : ' (empty body)'}`, {
      status: res.status,
      body: quoted,
    });
  }
  const misshapen = (why: string) => {
    const quoted = excerpt(text);
    return new PrometheusError(`${answered}, not a query_range answer (${why}): ${quoted}`, {
      status: res.status,
      body: quoted,
    });
  };
  if (!isObject(body)) throw misshapen('not an object');
  const { status, errorType, error, data } = body as RangeResponse;
  if (status !== 'success' || !data) {
    const kind = errorType ? ` (${errorType})` : '';
    throw new PrometheusError(`query failed: ${answered}${kind}: ${error ?? 'no data'}`, {
      status: res.status,
      code: errorType,
    });
  }
  if (data.resultType !== 'matrix')
    throw misshapen(`data.resultType is ${String(data.resultType)}, not matrix`);
  if (!Array.isArray(data.result)) throw misshapen('data.result is not a list');
  return data.result.map((item, i) => {
    const series = seriesOf(item, `data.result[${i}]`);
    if (typeof series === 'string') throw misshapen(series);
    return series;
  });
}
