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

interface RangeResponse {
  status: string;
  errorType?: string;
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; values: [number, string][] }[] };
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
  let body: RangeResponse;
  try {
    body = JSON.parse(text) as RangeResponse;
  } catch {
    const quoted = excerpt(text);
    throw new PrometheusError(`${answered}, not JSON${quoted ? `: ${quoted}` : ' (empty body)'}`, {
      status: res.status,
      body: quoted,
    });
  }
  if (body.status !== 'success' || !body.data) {
    const kind = body.errorType ? ` (${body.errorType})` : '';
    throw new PrometheusError(`query failed: ${answered}${kind}: ${body.error ?? 'no data'}`, {
      status: res.status,
      code: body.errorType,
    });
  }
  if (body.data.resultType !== 'matrix') {
    throw new PrometheusError(`expected a matrix, got ${body.data.resultType}`);
  }
  return body.data.result.map((r) => ({
    labels: r.metric,
    samples: r.values.flatMap(([t, v]): [number, number][] => {
      const value = Number(v);
      return Number.isFinite(value) ? [[Math.round(t * 1000), value]] : [];
    }),
  }));
}
