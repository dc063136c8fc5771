import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPrometheus, waitFor, type Prometheus, type Sample } from '@vigil/testkit';
import { parseConfig } from '../src/config';
import { exporterApp, listenLocal } from './helpers';
import { startTargets } from './parity/targets';

/** The panels' queries of grafana.com dashboard 7587, as a fixture (see its `about`). */
const FIXTURE = join(
  __dirname,
  '..',
  '..',
  '..',
  'provisioning',
  'test',
  'fixtures',
  'blackbox-dashboard.json',
);

interface Dashboard {
  variables: { target: { query: string } };
  panels: { title: string; expr: string }[];
}

/**
 * The "Prometheus Blackbox Exporter" dashboard's queries against a real Prometheus scraping our /probe as
 * it would blackbox_exporter's (the usual relabelling): one HTTP target, one HTTPS target (self-signed,
 * accepted by the module) and one that redirects. Every panel must show data, with the values the targets
 * call for.
 */
describe('the blackbox Grafana dashboard (7587) on our /probe', () => {
  const dashboard = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Dashboard;
  let prometheus: Prometheus | undefined;
  const stops: (() => Promise<unknown> | unknown)[] = [];
  let instances: { http: string; https: string; redirect: string };

  beforeAll(async () => {
    const targets = await startTargets();
    stops.push(() => targets.close());
    instances = {
      http: `http://${targets.http}/ok`,
      https: `https://localhost:${targets.httpsPort}/ok`,
      redirect: `${targets.http}/redirect`,
    };
    const config = parseConfig({
      probe: {
        allowed_targets: ['127.0.0.1', 'localhost'],
        blackbox_modules: {
          http_2xx: {
            prober: 'http',
            timeout: '2s',
            http: { preferred_ip_protocol: 'ip4', tls_config: { insecure_skip_verify: true } },
          },
        },
      },
    });
    const { app, exporter } = await exporterApp(config);
    stops.push(() => exporter.stop());
    const ours = await listenLocal(app.listen(0, '127.0.0.1'));
    stops.push(ours.close);
    prometheus = await startPrometheus({
      config: {
        global: { scrape_interval: '2s', scrape_timeout: '2s' },
        scrape_configs: [
          {
            job_name: 'blackbox',
            metrics_path: '/probe',
            params: { module: ['http_2xx'] },
            static_configs: [{ targets: Object.values(instances) }],
            relabel_configs: [
              { source_labels: ['__address__'], target_label: '__param_target' },
              { source_labels: ['__param_target'], target_label: 'instance' },
              { target_label: '__address__', replacement: `127.0.0.1:${ours.port}` },
            ],
          },
        ],
      },
    });
    stops.push(() => prometheus?.stop());
    await waitFor(
      'every target probed',
      // On a loaded machine a probe may time out now and then; wait for a round where all succeeded.
      async () => ((await prometheus!.query('probe_success == 1')).length === 3 ? true : undefined),
      { timeoutMs: 30_000, everyMs: 250 },
    );
  }, 60_000);

  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  it('offers every target in the $target variable', async () => {
    const match = /^label_values\((\w+), (\w+)\)$/.exec(dashboard.variables.target.query);
    expect(match).not.toBeNull();
    const res = await fetch(
      `${prometheus!.url}/api/v1/label/${match![2]}/values?match[]=${encodeURIComponent(match![1]!)}`,
    );
    const body = (await res.json()) as { data: string[] };
    expect(body.data.sort()).toEqual(Object.values(instances).sort());
  });

  it('shows data in every panel, with the values the targets call for', async () => {
    const all = Object.values(instances)
      .map((i) => i.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&'))
      .join('|');
    const results: Record<string, Sample[]> = {};
    for (const panel of dashboard.panels) {
      results[panel.title] = await prometheus!.query(panel.expr.replace(/\$target/g, all));
    }
    const empty = Object.entries(results).filter(([, samples]) => samples.length === 0);
    expect(empty.map(([title]) => title)).toEqual([]);

    const byInstance = (title: string) =>
      Object.fromEntries((results[title] ?? []).map((s) => [s.metric.instance ?? '', Number(s.value[1])]));
    expect(byInstance('Status')).toEqual({
      [instances.http]: 1,
      [instances.https]: 1,
      [instances.redirect]: 1,
    });
    expect(byInstance('HTTP Status Code')).toEqual({
      [instances.http]: 200,
      [instances.https]: 200,
      [instances.redirect]: 200,
    });
    expect(byInstance('HTTP Version')[instances.http]).toBe(1.1);
    expect(byInstance('SSL')).toEqual({ [instances.http]: 0, [instances.https]: 1, [instances.redirect]: 0 });
    // The self-signed certificate is valid for 30 days.
    const expiry = byInstance('SSL Expiry')[instances.https] as number;
    expect(expiry).toBeGreaterThan(29 * 86_400);
    expect(expiry).toBeLessThanOrEqual(30 * 86_400);
    const phases = new Set((results['HTTP Duration'] ?? []).map((s) => s.metric.phase));
    expect([...phases].sort()).toEqual(['connect', 'processing', 'resolve', 'tls', 'transfer']);
  });
});
