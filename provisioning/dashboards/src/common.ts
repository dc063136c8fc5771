import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as statetimeline from '@grafana/grafana-foundation-sdk/statetimeline';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { MIXIN } from '@vigil/rules';

/**
 * The Prometheus datasource of provisioning/grafana/datasources/prometheus.yml. Its uid is fixed there so
 * that every panel can name it: a dashboard that names a datasource by uid works on any Grafana that
 * provisions it, whatever other datasources exist or which one is the default.
 */
export const DATASOURCE = { type: 'prometheus', uid: 'vigil-prometheus' };

/** Each dashboard's uid: its URL (/d/<uid>) and the target of drill-down links, so never to change. */
export const UID = {
  overview: 'vigil-overview',
  hosts: 'vigil-hosts',
  service: 'vigil-service',
  slos: 'vigil-slos',
  incidents: 'vigil-incidents',
  exporters: 'vigil-exporters',
  postgres: 'vigil-postgres',
  redis: 'vigil-redis',
  nginx: 'vigil-nginx',
  processes: 'vigil-processes',
  security: 'vigil-security',
};

/** The tag of every Vigil dashboard; the dashboards' link bar lists the dashboards with it. */
export const TAG = 'vigil';

/** The health score bands of the mixin config (rules/src/mixin/config.ts): critical, warning, healthy. */
export const HEALTH_BANDS: Step[] = [
  ['red', null],
  ['orange', MIXIN.health.bands.critical],
  ['green', MIXIN.health.bands.warning],
];

/** A threshold step: its colour from the value on (null: from minus infinity). */
export type Step = [color: string, from: number | null];

/** Green from `ok` on; below it orange from `bad` (when given), red under that: more is better. */
export const atLeast = (ok: number, bad?: number): Step[] => [
  ['red', null],
  ...(bad === undefined ? [] : ([['orange', bad]] as Step[])),
  ['green', ok],
];
/** Green below `limit`, red from it: less is better (a count of failures, a usage ratio). */
export const below = (limit: number): Step[] => [
  ['green', null],
  ['red', limit],
];

export interface Query {
  expr: string;
  /** Default A, B, C… in order; a panel that reads queries by refId (the health-score panel) names them. */
  refId?: string;
  /** Legend template, e.g. '{{service}}'. */
  legend?: string;
  /** Only the latest value, for panels that show the current state (stats, bar gauges, tables). */
  instant?: boolean;
}

export interface PanelOptions {
  queries: Query[];
  description?: string;
  unit?: string;
  min?: number;
  max?: number;
  decimals?: number;
  thresholds?: Step[];
  /** Grid width of 24 columns, and height in grid rows. */
  width?: number;
  height?: number;
  links?: Link[];
}

export interface Link {
  title: string;
  url: string;
}

/** What every panel builder of the SDK has; the custom health-score panel has no more than this. */
interface QueryPanel {
  title(title: string): this;
  description(description: string): this;
  datasource(datasource: typeof DATASOURCE): this;
  withTarget(target: cog.Builder<cog.Dataquery>): this;
  span(width: number): this;
  height(height: number): this;
}

/** And what the SDK's standard panels add: field options. */
interface FieldPanel extends QueryPanel {
  unit(unit: string): this;
  min(min: number): this;
  max(max: number): this;
  decimals(decimals: number): this;
  thresholds(thresholds: cog.Builder<dashboard.ThresholdsConfig>): this;
  dataLinks(links: cog.Builder<dashboard.DashboardLink>[]): this;
}

/** Targets named A, B, C… on the fixed datasource, which the panel names too. */
function withQueries<P extends QueryPanel>(panel: P, title: string, o: PanelOptions, asTable = false): P {
  panel.title(title).datasource(DATASOURCE);
  if (o.description) panel.description(o.description);
  if (o.width) panel.span(o.width);
  if (o.height) panel.height(o.height);
  o.queries.forEach((q, i) => {
    const target = new prometheus.DataqueryBuilder()
      .datasource(DATASOURCE)
      .refId(q.refId ?? String.fromCharCode(65 + i))
      .expr(q.expr)
      .legendFormat(q.legend ?? '__auto');
    if (q.instant || asTable) target.instant();
    else target.range();
    if (asTable) target.format(prometheus.PromQueryFormat.Table);
    panel.withTarget(target);
  });
  return panel;
}

function withFields<P extends FieldPanel>(panel: P, title: string, o: PanelOptions, asTable = false): P {
  withQueries(panel, title, o, asTable);
  if (o.unit) panel.unit(o.unit);
  if (o.min !== undefined) panel.min(o.min);
  if (o.max !== undefined) panel.max(o.max);
  if (o.decimals !== undefined) panel.decimals(o.decimals);
  panel.thresholds(
    new dashboard.ThresholdsConfigBuilder()
      .mode(dashboard.ThresholdsMode.Absolute)
      .steps((o.thresholds ?? [['green', null]]).map(([color, value]) => ({ color, value }))),
  );
  if (o.links) panel.dataLinks(o.links.map((l) => new dashboard.DashboardLinkBuilder(l.title).url(l.url)));
  return panel;
}

const lastValue = () => new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false);

export interface TimeseriesOptions extends PanelOptions {
  stack?: boolean;
  /** Draw the thresholds as dashed lines (e.g. an SLO's burn-rate limit). */
  thresholdLines?: boolean;
}

export function timeseriesPanel(title: string, o: TimeseriesOptions) {
  const panel = withFields(new timeseries.PanelBuilder(), title, o)
    .lineWidth(1)
    .fillOpacity(o.stack ? 30 : 10)
    .showPoints(common.VisibilityMode.Never)
    .spanNulls(false)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.List)
        .placement(common.LegendPlacement.Bottom),
    )
    .tooltip(
      new common.VizTooltipOptionsBuilder()
        .mode(common.TooltipDisplayMode.Multi)
        .sort(common.SortOrder.Descending),
    );
  if (o.stack) panel.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
  if (o.thresholdLines)
    panel.thresholdsStyle(
      new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed),
    );
  return panel;
}

export interface StatOptions extends PanelOptions {
  /** 'name' shows the series' legend instead of its value (e.g. a service's current status). */
  text?: 'value' | 'name';
  /** Colour the background by the thresholds rather than the number. */
  background?: boolean;
}

export function statPanel(title: string, o: StatOptions) {
  return withFields(new stat.PanelBuilder(), title, o)
    .reduceOptions(lastValue())
    .graphMode(common.BigValueGraphMode.None)
    .colorMode(o.background ? common.BigValueColorMode.Background : common.BigValueColorMode.Value)
    .textMode(o.text === 'name' ? common.BigValueTextMode.Name : common.BigValueTextMode.Auto);
}

/** alert-webhook's open incidents, shown alike on the overview (linking to the app) and the incidents dashboard. */
export function openIncidentsStat(links?: Link[]) {
  return statPanel('Open incidents', {
    description: 'Triggered or acknowledged, as alert-webhook counts them (vigil_incidents_open).',
    queries: [{ expr: 'sum(vigil_incidents_open) or vector(0)', instant: true }],
    thresholds: [
      ['green', null],
      ['orange', 1],
    ],
    links,
    width: 6,
    height: 5,
  });
}

/** Of those, the ones nobody has acknowledged yet. */
export function unacknowledgedStat(links?: Link[]) {
  return statPanel('Not acknowledged', {
    queries: [{ expr: 'sum(vigil_incidents_open{status="triggered"}) or vector(0)', instant: true }],
    thresholds: [
      ['green', null],
      ['red', 1],
    ],
    background: true,
    links,
    width: 6,
    height: 5,
  });
}

/** One horizontal bar per series, in the query's order (sort() in PromQL puts the worst first). */
export function barGaugePanel(title: string, o: PanelOptions) {
  return withFields(new bargauge.PanelBuilder(), title, o)
    .reduceOptions(lastValue())
    .orientation(common.VizOrientation.Horizontal)
    .displayMode(common.BarGaugeDisplayMode.Basic)
    .showUnfilled(true);
}

/** Label sets as rows (e.g. the alerts firing now), without the time and value columns. */
export function tablePanel(title: string, o: PanelOptions & { hide?: string[] }) {
  const hidden = Object.fromEntries(['Time', 'Value', '__name__', ...(o.hide ?? [])].map((f) => [f, true]));
  return withFields(new table.PanelBuilder(), title, o, true).withTransformation({
    id: 'organize',
    options: { excludeByName: hidden },
  });
}

/** Values over time as coloured bands, mapped to text (e.g. 1 = up, 0 = down). */
export function stateTimelinePanel(title: string, o: PanelOptions & { states: [number, string, string][] }) {
  return withFields(new statetimeline.PanelBuilder(), title, o)
    .showValue(common.VisibilityMode.Never)
    .mappings([
      {
        type: dashboard.MappingType.ValueToText,
        options: Object.fromEntries(o.states.map(([value, text, color]) => [String(value), { text, color }])),
      },
    ]);
}

/**
 * Vigil's health-score panel (grafana-plugins/vigil-healthscore-panel). It is given only its query: its
 * options are the plugin's own, and the plugin's defaults apply until someone sets them.
 */
export function healthScorePanel(title: string, o: PanelOptions) {
  const panel = new dashboard.PanelBuilder().type('vigil-healthscore-panel');
  return withQueries(panel, title, o);
}

export const row = (title: string) => new dashboard.RowBuilder(title);

export interface Variable {
  name: string;
  label: string;
  /** A Prometheus datasource variable query, e.g. label_values(metric, label). */
  query: string;
  /** Several values and "All" (matched with =~); otherwise one value. */
  multi?: boolean;
}

export function variable(v: Variable) {
  const builder = new dashboard.QueryVariableBuilder(v.name)
    .label(v.label)
    .datasource(DATASOURCE)
    .query(v.query)
    .definition(v.query)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc);
  // "All" as .+ rather than a list of every value keeps the query short whatever the number of values.
  if (v.multi) builder.multi(true).includeAll(true).allValue('.+');
  return builder;
}

/** A data link to a Vigil dashboard with one variable set from the series' label, keeping the time range. */
export function drillDown(title: string, uid: string, variableName: string, label: string): Link {
  return { title, url: `/d/${uid}?var-${variableName}=\${__field.labels.${label}}&\${__url_time_range}` };
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  /** Default time range, back from now (e.g. '6h'). */
  range?: string;
}

/** The settings every Vigil dashboard shares: tags, refresh, time, shared crosshair, links to the others. */
export function vigilDashboard(spec: DashboardSpec) {
  return new dashboard.DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags([TAG])
    .readonly() // generated from provisioning/dashboards: a change made in the UI would be lost
    .refresh('30s')
    .time({ from: `now-${spec.range ?? '6h'}`, to: 'now' })
    .timezone('browser')
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .link(
      new dashboard.DashboardLinkBuilder('Vigil')
        .type(dashboard.DashboardLinkType.Dashboards)
        .tags([TAG])
        .asDropdown(true)
        .keepTime(true)
        .includeVars(false)
        .targetBlank(false),
    );
}

/**
 * Annotations from Prometheus: alerts firing (ALERTS, narrowed by `selector`, e.g. service="$service")
 * and the time incidents were open in alert-webhook (vigil_incidents_open, which has no service label, so
 * all services' incidents).
 */
export function alertAnnotations(selector = '') {
  const firing = ['alertstate="firing"', selector].filter(Boolean).join(', ');
  return [
    new dashboard.AnnotationQueryBuilder()
      .name('Firing alerts')
      .datasource(DATASOURCE)
      .enable(true)
      .iconColor('red')
      // Grafana writes the name of a label the series lacks in its place: service and instance go as one
      // label, which label_join's separator keeps from ever being empty.
      .expr(`label_join(ALERTS{${firing}}, "where", " ", "service", "instance")`)
      .titleFormat('{{alertname}}')
      .textFormat('{{severity}} {{where}}')
      .tagKeys('severity,service')
      .step('60s'),
    new dashboard.AnnotationQueryBuilder()
      .name('Open incidents')
      .datasource(DATASOURCE)
      .enable(true)
      .iconColor('orange')
      .expr('sum by (severity, status) (vigil_incidents_open) > 0')
      .titleFormat('{{severity}} incidents {{status}}') // labels only: Grafana has no {{value}} here
      .tagKeys('severity,status')
      .step('60s'),
  ];
}

/** The dashboard model, its panels numbered 1, 2, 3… in layout order (Grafana needs unique panel ids). */
export function build(builder: dashboard.DashboardBuilder): dashboard.Dashboard {
  const model = builder.build();
  (model.panels ?? []).forEach((panel, i) => {
    panel.id = i + 1;
  });
  return model;
}
