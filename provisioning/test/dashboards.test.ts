import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import yaml from 'js-yaml';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { DASHBOARDS_DIR, fileName } from '../dashboards/src/index';
import {
  built,
  generated,
  isRow,
  panelsOf,
  PROMETHEUS_OWN,
  queries,
  variableQueries,
  variablesOf,
} from './dashboard-queries';
import { exporterMetricNames as standardExporterMetrics } from '@vigil/rules';
import { checkRules } from '../../rules/src/promtool';
import { metricNames, withVariables } from './promql';

const ROOT = join(__dirname, '..', '..');

const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));
const load = <T>(path: string) => yaml.load(readFileSync(join(ROOT, path), 'utf8')) as T;

/**
 * Metric names this repository's exporters and alert-webhook define, as their sources spell a metric's
 * definition: a name then its help text, words: `{ name: 'x', help: 'What x is.' }` (prom-client) or
 * `gauge('x', 'What x is.')`.
 */
function exporterMetricNames(): string[] {
  const sources = [
    'alert-webhook/src',
    ...readdirSync(join(ROOT, 'exporters')).map((e) => `exporters/${e}/src`),
  ];
  const definition = /(?:name: |\(\s*)'([a-z][a-z0-9]*(?:_[a-z0-9]+)+)',\s*(?:help: )?['"`][^'"`\n]* /g;
  const names = sources.flatMap((dir) =>
    readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) =>
        [...readFileSync(join(ROOT, dir, f), 'utf8').matchAll(definition)].map((m) => m[1] as string),
      ),
  );
  return names.flatMap((n) => [n, `${n}_bucket`, `${n}_sum`, `${n}_count`]); // histograms' series
}

function recordingRuleNames(): string[] {
  const files = ['rules/prometheus', 'rules/generated'].flatMap((dir) =>
    readdirSync(join(ROOT, dir))
      .filter((f) => f.endsWith('.rules.yml'))
      .map((f) => `${dir}/${f}`),
  );
  return files.flatMap((f) =>
    load<{ groups: { rules: { record?: string }[] }[] }>(f).groups.flatMap((g) =>
      g.rules.flatMap((r) => (r.record ? [r.record] : [])),
    ),
  );
}

/** prom-client's default metrics (process_*, nodejs_*), which alert-webhook and express-metrics serve. */
function defaultMetricNames(): string[] {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry
    .getMetricsAsArray()
    .flatMap((m) => [m.name, `${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`]);
}

describe('provisioning/grafana/dashboards', () => {
  it('holds exactly what provisioning/dashboards/src generates (else: run npm run dashboards:generate)', () => {
    const expected = new Map(generated.map((d, i) => [fileName(d), built[i]]));
    const onDisk = readdirSync(DASHBOARDS_DIR).filter((f) => f.endsWith('.json'));
    const problems = [
      ...[...expected.keys()].filter((f) => !onDisk.includes(f)).map((f) => `${f} is missing`),
      ...onDisk.filter((f) => !expected.has(f)).map((f) => `${f} is not generated any more`),
      ...onDisk
        .filter(
          (f) => expected.has(f) && !isDeepStrictEqual(readJson(join(DASHBOARDS_DIR, f)), expected.get(f)),
        )
        .map((f) => `${f} is stale`),
    ];
    if (problems.length)
      throw new Error(`${problems.join('; ')}: run npm run dashboards:generate and commit the result`);
  });

  it('gives every dashboard its own uid and title', () => {
    for (const key of ['uid', 'title'] as const) {
      const values = built.map((d) => d[key]);
      expect(values.filter((v, i) => !v || values.indexOf(v) !== i)).toEqual([]);
    }
  });

  it.each(built.map((d) => [d.uid, d]))('%s numbers its panels uniquely', (_uid, d) => {
    const ids = panelsOf(d).map((p) => p.id);
    expect(ids.filter((id, i) => id === undefined || ids.indexOf(id) !== i)).toEqual([]);
  });

  it('queries only the provisioned Prometheus datasource, by its fixed uid', () => {
    const provisioned = load<{ datasources: { type: string; uid: string }[] }>(
      'provisioning/grafana/datasources/prometheus.yml',
    ).datasources.find((d) => d.type === 'prometheus');
    expect(provisioned?.uid).toBeTruthy();
    const elsewhere = built.flatMap((d) => [
      ...panelsOf(d)
        .filter((p) => !isRow(p))
        .flatMap((p) => [
          { where: `${d.uid} panel ${p.id}`, uid: p.datasource?.uid },
          ...(p.targets ?? []).map((t) => ({
            where: `${d.uid} panel ${p.id} ${t.refId}`,
            uid: t.datasource?.uid,
          })),
        ]),
      ...variablesOf(d).map((v) => ({ where: `${d.uid} $${v.name}`, uid: v.datasource?.uid })),
    ]);
    expect(elsewhere.filter((x) => x.uid !== provisioned?.uid)).toEqual([]);
    expect(queries.length).toBeGreaterThan(50);
  });

  it('has only PromQL that Prometheus parses (promtool check rules)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-dashboards-'));
    try {
      // Each expression as a recording rule, grouped by dashboard and named after its panel, so that
      // promtool's message ('group "vigil-hosts", rule 3, "vigil_hosts:panel_4_A"') says which one is wrong.
      const groups = built.map((d) => ({
        name: d.uid,
        rules: queries
          .filter((q) => q.dashboard === d)
          .map((q) => ({
            record: q.record,
            expr: withVariables(
              q.expr,
              variablesOf(d).map((v) => v.name),
            ),
          })),
      }));
      const file = join(dir, 'dashboards.rules.yml');
      writeFileSync(file, yaml.dump({ groups }));
      const result = checkRules([file]);
      expect(result.output).toContain(`SUCCESS: ${queries.length} rules found`);
      expect(result.ok).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('queries only metrics that this repository, Prometheus, node_exporter (via the host rules) or the standard exporters produce', () => {
    const known = new Set([
      ...standardExporterMetrics(), // checked against the real exporters in exporters.test.ts
      ...recordingRuleNames(),
      ...exporterMetricNames(),
      ...defaultMetricNames(),
      ...PROMETHEUS_OWN,
    ]);
    const unknown = [...queries, ...variableQueries].flatMap((q) =>
      metricNames(q.expr)
        .filter((name) => !known.has(name))
        .map((name) => `${q.where}: ${name}`),
    );
    expect(unknown).toEqual([]);
  });
});

describe('PromQL helpers of these tests', () => {
  it('finds the metric names of an expression, not its functions, labels, keywords or numbers', () => {
    const expr =
      'sum by (service) (rate(http_requests_total{status_class=~"4xx|5xx", route="a:b"}[5m] offset 1h))' +
      ' / on (service) group_left (team) vigil:service_health_score > 1e3 and count without (le) (up)' +
      ' or histogram_quantile(0.9, x_bucket) unless bool_thing == bool 0x1f';
    expect(metricNames(expr).sort()).toEqual([
      'bool_thing',
      'http_requests_total',
      'up',
      'vigil:service_health_score',
      'x_bucket',
    ]);
  });

  it('fills in variables, and refuses one the dashboard does not define', () => {
    expect(withVariables('rate(m{a="$svc", b=~"${svc:regex}"}[$__rate_interval])', ['svc'])).toBe(
      'rate(m{a="x", b=~"x"}[5m])',
    );
    expect(() => withVariables('m{a="$other"}', ['svc'])).toThrow(
      '$other is not a variable of the dashboard',
    );
    expect(withVariables('label_replace(m, "a", "$1", "b", "(.*)")', [])).toContain('"$1"');
  });
});
