/** One series of a query_range answer: its labels and its finite samples, timestamps in milliseconds. */
export interface RangeSeries {
  labels: Record<string, string>;
  samples: [number, number][];
}

export class PrometheusError extends Error {
  override name = 'PrometheusError';
}

interface RangeResponse {
  status: string;
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
  timeoutMs: number,
): Promise<RangeSeries[]> {
  const params = new URLSearchParams({
    query,
    start: String(startMs / 1000),
    end: String(endMs / 1000),
    step: `${stepMs / 1000}s`,
  });
  let res: Response;
  try {
    res = await fetch(`${baseUrl}/api/v1/query_range`, {
      method: 'POST',
      body: params,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new PrometheusError(`cannot reach Prometheus: ${(err as Error).message}`);
  }
  let body: RangeResponse;
  try {
    body = (await res.json()) as RangeResponse;
  } catch {
    throw new PrometheusError(`Prometheus answered HTTP ${res.status} without JSON`);
  }
  if (body.status !== 'success' || !body.data) {
    throw new PrometheusError(`query failed (HTTP ${res.status}): ${body.error ?? 'no data'}`);
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
