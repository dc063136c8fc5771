import {
  dateTime,
  EventBusSrv,
  LoadingState,
  type DataFrame,
  type FieldConfigSource,
  type InterpolateFunction,
  type PanelProps,
  type TimeRange,
} from '@grafana/data';
import { DEFAULT_OPTIONS, type HealthScoreOptions } from './types';

/** Grafana's interpolation of what the panel uses: scoped variables and ${__url_time_range}. */
export const interpolate =
  (range: TimeRange): InterpolateFunction =>
  (value, scopedVars) =>
    value
      .replace('${__url_time_range}', `from=${range.from.valueOf()}&to=${range.to.valueOf()}`)
      .replace(/\$\{(\w+)\}/g, (all, name: string) => String(scopedVars?.[name]?.value ?? all));

/**
 * The props Grafana gives the panel for a query result: used by the component tests, the browser
 * harness and the benchmark, which all mount the panel without a Grafana server.
 */
export function panelProps(p: {
  series: DataFrame[];
  from: number;
  to: number;
  width: number;
  height: number;
  options?: Partial<HealthScoreOptions>;
  fieldConfig?: FieldConfigSource;
}): PanelProps<HealthScoreOptions> {
  const timeRange: TimeRange = {
    from: dateTime(p.from),
    to: dateTime(p.to),
    raw: { from: dateTime(p.from), to: dateTime(p.to) },
  };
  return {
    id: 1,
    title: 'Health scores',
    data: { state: LoadingState.Done, series: p.series, timeRange },
    timeRange,
    timeZone: 'browser',
    options: { ...DEFAULT_OPTIONS, ...p.options },
    fieldConfig: p.fieldConfig ?? { defaults: {}, overrides: [] },
    width: p.width,
    height: p.height,
    transparent: false,
    renderCounter: 0,
    eventBus: new EventBusSrv(),
    replaceVariables: interpolate(timeRange),
    onOptionsChange: () => undefined,
    onFieldConfigChange: () => undefined,
    onChangeTimeRange: () => undefined,
  };
}
