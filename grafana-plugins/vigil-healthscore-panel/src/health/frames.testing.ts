import { FieldType, toDataFrame, type DataFrame, type Labels } from '@grafana/data';

/**
 * A frame as Grafana's Prometheus datasource returns one range-query series: a Time field and a Value
 * field carrying the series' labels, under the query's refId.
 */
export function promSeries(refId: string, labels: Labels, points: Array<[number, number | null]>): DataFrame {
  return toDataFrame({
    refId,
    fields: [
      { name: 'Time', type: FieldType.time, values: points.map(([t]) => t) },
      { name: 'Value', type: FieldType.number, labels, values: points.map(([, v]) => v) },
    ],
  });
}
