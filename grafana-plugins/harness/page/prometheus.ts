import { createDataFrame, DataFrameType, FieldType, type DataFrame } from '@grafana/data';

interface MatrixResponse {
  status: 'success' | 'error';
  error?: string;
  data?: {
    resultType: string;
    result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }>;
  };
}

export interface RangeQuery {
  refId: string;
  expr: string;
}

/**
 * One Prometheus range query, as Grafana's Prometheus datasource turns it into frames: one frame per
 * series under the query's refId, a `Time` field (ms) and a `Value` field carrying the series' labels
 * (__name__ included), sample values parsed from Prometheus's strings ("NaN" and "+Inf" too).
 */
export async function queryRange(
  prometheus: string,
  query: RangeQuery,
  range: { from: number; to: number; stepSeconds: number },
): Promise<DataFrame[]> {
  const params = new URLSearchParams({
    query: query.expr,
    start: String(range.from / 1000),
    end: String(range.to / 1000),
    step: String(range.stepSeconds),
  });
  const response = await fetch(`${prometheus}/api/v1/query_range?${params}`);
  const body = (await response.json()) as MatrixResponse;
  if (body.status !== 'success' || body.data?.resultType !== 'matrix')
    throw new Error(`Prometheus refused ${query.expr}: ${body.error ?? response.statusText}`);
  return body.data.result.map((series) =>
    createDataFrame({
      refId: query.refId,
      name: series.metric.__name__,
      meta: { type: DataFrameType.TimeSeriesMulti, typeVersion: [0, 1] },
      fields: [
        {
          name: 'Time',
          type: FieldType.time,
          values: series.values.map(([t]) => t * 1000),
          config: { interval: range.stepSeconds * 1000 },
        },
        {
          name: 'Value',
          type: FieldType.number,
          labels: series.metric,
          values: series.values.map(([, v]) => parseFloat(v)),
          config: {},
        },
      ],
    }),
  );
}
