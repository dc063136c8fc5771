/** The dashboards' panels and PromQL, as the generated JSON holds them, for the dashboard tests. */
import { dashboards } from '../dashboards/src/index';

/** Metrics of Prometheus itself that dashboards may query; everything else must come from this repository. */
export const PROMETHEUS_OWN = ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'ALERTS'];

/** The parts of Grafana's dashboard JSON that these tests read. */
export interface Target {
  refId: string;
  expr: string;
  datasource?: { uid?: string };
}
export interface Panel {
  id?: number;
  type: string;
  title?: string;
  datasource?: { uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
export interface Dashboard {
  uid: string;
  title: string;
  panels?: Panel[];
  annotations?: {
    list?: {
      name: string;
      expr?: string;
      titleFormat?: string;
      textFormat?: string;
      datasource?: { uid?: string };
    }[];
  };
  templating: { list?: { name: string; query?: unknown; datasource?: { uid?: string } }[] };
}
export interface Query {
  where: string;
  expr: string;
  dashboard: Dashboard;
  /** A recording rule name for it, unique in its dashboard. */
  record: string;
}

/** The dashboards as the JSON files hold them (the first test checks that they do). */
export const generated = dashboards();
export const built = generated.map((d) => JSON.parse(JSON.stringify(d)) as Dashboard);

/** Every panel of a dashboard, rows' own panels included. */
export const panelsOf = (d: Dashboard): Panel[] => (d.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]);
export const isRow = (p: Panel) => p.type === 'row';
export const variablesOf = (d: Dashboard) => d.templating?.list ?? [];

/** Every panel's PromQL expression, with where it comes from. */
const panelQueries: Query[] = built.flatMap((dashboard) =>
  panelsOf(dashboard).flatMap((panel) =>
    (panel.targets ?? []).map((t) => ({
      where: `${dashboard.uid} panel ${panel.id} "${panel.title}" ${t.refId}`,
      expr: t.expr,
      dashboard,
      record: `${dashboard.uid.replace(/-/g, '_')}:panel_${panel.id}_${t.refId}`,
    })),
  ),
);

/** The dashboards' annotation queries (alerts firing, incidents open), checked as panels' are. */
export const annotationQueries: Query[] = built.flatMap((dashboard) =>
  (dashboard.annotations?.list ?? []).flatMap((a, i) =>
    a.expr
      ? [
          {
            where: `${dashboard.uid} annotation "${a.name}"`,
            expr: a.expr,
            dashboard,
            record: `${dashboard.uid.replace(/-/g, '_')}:annotation_${i}`,
          },
        ]
      : [],
  ),
);

/** Every PromQL expression of panels and annotations, with where it comes from. */
export const queries: Query[] = [...panelQueries, ...annotationQueries];

/** The dashboards' variable queries, label_values(…) unwrapped to the expression it reads. */
export const variableQueries = built.flatMap((d) =>
  variablesOf(d).map((v) => ({
    where: `${d.uid} $${v.name}`,
    expr: String(v.query).replace(/^label_values\((.*),\s*\w+\)$/, '$1'),
  })),
);
