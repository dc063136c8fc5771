import { VIGIL_METRICS } from '@vigil/rules';
import { waitFor } from '@vigil/testkit';
import { overviewDashboard } from '../dashboards/src/overview';
import { startTempStack, type Stack } from '../../scripts/stack/src/stack';
import { metricNames, withVariables } from './promql';
import { built, PROMETHEUS_OWN, queries as dashboardQueries, variableQueries } from './dashboard-queries';

interface Target {
  refId: string;
  expr: string;
}

/**
 * The Platform overview's queries against the native stack (real Prometheus with provisioning's config and
 * rules/, scraping the real exporters, alert-webhook and the demo), with second-long intervals: each
 * answers with numbers once the recording rules have had a few evaluations. Two alerts sent through
 * Alertmanager open incidents and give the alert-webhook delivery SLO traffic (its error ratio is 0/0 until
 * the delivery counter has grown between two scrapes).
 */
describe('the Platform overview on a running stack', () => {
  let stack: Stack | undefined;

  beforeAll(async () => {
    stack = await startTempStack({
      scrapeInterval: '1s',
      checkInterval: '1s',
      groupWait: '1s',
      groupInterval: '1s',
    });
    for (const [i, alertname] of ['DashboardCheckOne', 'DashboardCheckTwo'].entries()) {
      const sent = await fetch(new URL('/api/v2/alerts', stack.urls.alertmanager), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([{ labels: { alertname, severity: 'info', service: 'demo' } }]),
      });
      expect(sent.status).toBe(200);
      await waitFor(
        `delivery ${i + 1} scraped from alert-webhook`,
        async () =>
          (await instant('sum(vigil_webhook_requests_total)'))[0]?.value[1] === String(i + 1)
            ? true
            : undefined,
        { timeoutMs: 20_000, everyMs: 250 },
      );
    }
  }, 90_000);

  afterAll(() => stack?.stop());

  /** An instant query's result; throws for an error answer. */
  async function instant(
    expr: string,
  ): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const url = new URL('/api/v1/query', stack?.urls.prometheus);
    url.searchParams.set('query', withVariables(expr, []));
    const body = (await (await fetch(url)).json()) as {
      status: string;
      data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    if (body.status !== 'success' || !body.data) throw new Error(JSON.stringify(body));
    return body.data.result;
  }

  it('answers every query with numbers', async () => {
    const overview = JSON.parse(JSON.stringify(overviewDashboard())) as {
      panels: { title: string; targets?: Target[] }[];
    };
    const queries = overview.panels.flatMap((p) =>
      (p.targets ?? []).map((t) => ({ where: `"${p.title}" ${t.refId}`, expr: t.expr })),
    );
    expect(queries.length).toBeGreaterThan(5);
    /** What is wrong with a query's answer now, if anything. */
    const problem = async (expr: string): Promise<string | undefined> => {
      try {
        const result = await instant(expr);
        if (!result.length) return 'no data';
        return result.every((r) => Number.isFinite(Number(r.value[1]))) ? undefined : 'not a number';
      } catch (err) {
        return (err as Error).message;
      }
    };
    let problems = queries.map((q) => `${q.where}: not queried`);
    await waitFor(
      'every Platform overview query answering with numbers',
      async () => {
        const found = await Promise.all(queries.map((q) => problem(q.expr)));
        problems = queries.flatMap((q, i) => (found[i] ? [`${q.where} (${q.expr}): ${found[i]}`] : []));
        return problems.length === 0 ? true : undefined;
      },
      { timeoutMs: 40_000, everyMs: 1000 },
    ).catch(() => undefined); // the assertion below says which did not
    expect(problems).toEqual([]);
  }, 60_000);

  /** Our services by their job in Prometheus, with the prefix of their own metrics. */
  const SERVICES = {
    'alert-webhook': 'vigil',
    'health-check': 'healthcheck',
    logs: 'logexporter',
    anomaly: 'anomaly',
  } as const;
  const JOBS = Object.keys(SERVICES) as (keyof typeof SERVICES)[];

  it('scrapes process, Node.js and build metrics from every Vigil service', async () => {
    const missing = (
      await Promise.all(
        Object.entries(SERVICES).flatMap(([job, prefix]) =>
          [
            `process_cpu_seconds_total{job="${job}"}`,
            `nodejs_heap_size_used_bytes{job="${job}"}`,
            `${prefix}_build_info{job="${job}"}`,
          ].map(async (expr) => ((await instant(expr)).length === 1 ? [] : [expr])),
        ),
      )
    ).flat();
    expect(missing).toEqual([]);
  });

  it("holds every metric of the mixin's known list with the labels it lists", async () => {
    const problems: string[] = [];
    for (const [name, labels] of Object.entries(VIGIL_METRICS)) {
      const url = new URL('/api/v1/series', stack?.urls.prometheus);
      url.searchParams.set('match[]', name);
      const { data } = (await (await fetch(url)).json()) as { data: Record<string, string>[] };
      if (data.length === 0) problems.push(`${name}: no series`);
      const allowed = new Set(['__name__', 'job', 'instance', ...labels]);
      const extra = new Set(data.flatMap((series) => Object.keys(series).filter((l) => !allowed.has(l))));
      if (extra.size) problems.push(`${name}: labels ${[...extra].join(', ')} not listed`);
    }
    expect(problems).toEqual([]);
  });

  it("titles every annotation from labels its series carry (Grafana writes a missing one's name instead)", async () => {
    const annotations = built.flatMap((d) =>
      (d.annotations?.list ?? []).flatMap((a) =>
        a.expr ? [{ where: `${d.uid} annotation "${a.name}"`, ...a, expr: a.expr }] : [],
      ),
    );
    const templated = (format = '') =>
      [...format.matchAll(/\{\{\s*(.+?)\s*\}\}/g)].map((m) => m[1] as string);
    let checked = 0;
    const problems: string[] = [];
    await waitFor(
      'an open incident',
      async () => (await instant('vigil_incidents_open > 0')).length || undefined,
    );
    for (const a of annotations) {
      // Every value of a dashboard variable: all the series the annotation could show.
      const series = await instant(a.expr.replace(/="\$\w+"/g, '=~".*"'));
      if (series.length > 0) checked += 1;
      for (const { metric } of series) {
        const missing = [...templated(a.titleFormat), ...templated(a.textFormat)].filter((l) => !metric[l]);
        if (missing.length)
          problems.push(`${a.where}: ${missing.join(', ')} not in ${JSON.stringify(metric)}`);
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(0);
  });

  it('produces, live, every metric that any dashboard queries', async () => {
    const live = new Set<string>(PROMETHEUS_OWN);
    // The standard exporters run when installed; the dashboards' names for them are then checked live.
    const exporters = (['postgres', 'redis', 'process', 'nginx'] as const).filter((e) => stack?.urls[e]);
    for (const service of [...JOBS, 'demo', ...exporters] as const) {
      const text = await (await fetch(`${stack?.urls[service]}/metrics`)).text();
      for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
        live.add(name as string);
        if (type === 'histogram')
          for (const suffix of ['_bucket', '_sum', '_count']) live.add(`${name}${suffix}`);
      }
      for (const [, name] of text.matchAll(/^([a-zA-Z_:][\w:]*)[{ ]/gm)) live.add(name as string);
    }
    const rules = (await (
      await fetch(new URL('/api/v1/rules?type=record', stack?.urls.prometheus))
    ).json()) as {
      data: { groups: { rules: { name: string }[] }[] };
    };
    for (const group of rules.data.groups) for (const rule of group.rules) live.add(rule.name);
    const absent = [...dashboardQueries, ...variableQueries].flatMap((q) =>
      metricNames(q.expr)
        .filter((name) => !live.has(name))
        .map((name) => `${q.where}: ${name}`),
    );
    expect(absent).toEqual([]);
  });
});
