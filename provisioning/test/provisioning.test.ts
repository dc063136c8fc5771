import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { startAlertmanager } from '@vigil/testkit';

const ROOT = join(__dirname, '..', '..');
const run = (command: string, args: string[]) => execFileSync(command, args, { cwd: ROOT, encoding: 'utf8' });

interface InhibitRule {
  source_matchers: string[];
  target_matchers: string[];
  equal: string[];
}
const inhibitRules = (path: string) =>
  (yaml.load(readFileSync(join(ROOT, path), 'utf8')) as { inhibit_rules: InhibitRule[] }).inhibit_rules;

/** Each config and its docker-compose overlay, which differs only in hostnames (and the token's path). */
const PROMETHEUS = [
  'provisioning/prometheus/prometheus.yml',
  'provisioning/prometheus/prometheus.compose.yml',
];
const ALERTMANAGER = [
  'provisioning/alertmanager/alertmanager.yml',
  'provisioning/alertmanager/alertmanager.compose.yml',
];
const load = <T>(path: string) => yaml.load(readFileSync(join(ROOT, path), 'utf8')) as T;

interface PrometheusConfig {
  scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
  remote_write: { url: string }[];
  alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
}
/** A Prometheus config with every target reduced to its port: what must not differ between the two. */
function withoutHosts(config: PrometheusConfig): unknown {
  const ports = (configs: { targets: string[] }[]) =>
    configs.map((c) => ({ ...c, targets: c.targets.map((t) => t.replace(/^[^:]+:/, '')) }));
  return {
    ...config,
    alerting: {
      alertmanagers: config.alerting.alertmanagers.map((a) => ({
        ...a,
        static_configs: ports(a.static_configs),
      })),
    },
    scrape_configs: config.scrape_configs.map((j) => ({ ...j, static_configs: ports(j.static_configs) })),
    remote_write: config.remote_write.map((w) => ({ ...w, url: new URL(w.url).port })),
  };
}

interface AlertmanagerConfig {
  receivers: { webhook_configs?: { url: string; http_config: { authorization: object } }[] }[];
}
function withoutReceiverLocations(config: AlertmanagerConfig): unknown {
  return {
    ...config,
    receivers: config.receivers.map((r) => ({
      ...r,
      webhook_configs: r.webhook_configs?.map((w) => ({
        ...w,
        url: new URL(w.url).pathname,
        http_config: {
          ...w.http_config,
          authorization: { ...w.http_config.authorization, credentials_file: '' },
        },
      })),
    })),
  };
}

describe('provisioning', () => {
  it.each(PROMETHEUS)('Prometheus accepts %s and every rule file it loads', (path) => {
    const out = run('promtool', ['check', 'config', path]);
    expect(out).toMatch(/SUCCESS: \d+ rule files found/);
    expect(out).not.toMatch(/FAILED/);
  });

  it.each(ALERTMANAGER)('Alertmanager accepts %s', (path) => {
    expect(run('amtool', ['check-config', path])).toContain('SUCCESS');
  });

  it.each(ALERTMANAGER)('%s carries every generated SLO inhibition rule', (path) => {
    const provisioned = inhibitRules(path);
    for (const rule of inhibitRules('rules/generated/alertmanager-inhibit-rules.yml')) {
      expect(provisioned).toContainEqual(rule);
    }
  });

  it.each(ALERTMANAGER)(
    "%s: a service that is down silences that service's warnings in a real Alertmanager, not another's",
    async (path) => {
      const alertmanager = await startAlertmanager({
        config: {
          route: { receiver: 'nobody' },
          receivers: [{ name: 'nobody' }],
          inhibit_rules: inhibitRules(path),
        },
      });
      try {
        const alert = (alertname: string, severity: string, service: string) => ({
          labels: { alertname, severity, service },
        });
        const posted = await fetch(`${alertmanager.url}/api/v2/alerts`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify([
            alert('ServiceDown', 'critical', 'shop'),
            alert('ServiceDegraded', 'warning', 'shop'),
            alert('ServiceHealthScoreWarning', 'warning', 'shop'),
            alert('ServiceDegraded', 'warning', 'cart'),
          ]),
        });
        expect(posted.status).toBe(200);
        type Listed = { labels: Record<string, string>; status: { inhibitedBy: string[] } };
        const listed = (await (await fetch(`${alertmanager.url}/api/v2/alerts`)).json()) as Listed[];
        const inhibited = listed
          .map((a) => `${a.labels.alertname} ${a.labels.service} ${a.status.inhibitedBy.length > 0}`)
          .sort();
        expect(inhibited).toEqual([
          'ServiceDegraded cart false',
          'ServiceDegraded shop true',
          'ServiceDown shop false',
          'ServiceHealthScoreWarning shop true',
        ]);
      } finally {
        await alertmanager.stop();
      }
    },
  );

  it.each(PROMETHEUS)('%s scrapes every job the rules select on', (path) => {
    const jobs = new Set(load<PrometheusConfig>(path).scrape_configs.map((s) => s.job_name));
    const ruleText = run('sh', ['-c', 'cat rules/prometheus/*.rules.yml rules/generated/*.rules.yml']);
    const used = new Set([...ruleText.matchAll(/job="([^"]+)"/g)].map((m) => m[1]));
    expect([...used].filter((job) => !jobs.has(job as string))).toEqual([]);
  });

  it("links the Prometheus datasource's exemplars (trace_id) to the provisioned Tempo datasource", () => {
    type Datasource = { uid: string; type: string; jsonData?: { exemplarTraceIdDestinations?: object[] } };
    const { datasources } = load<{ datasources: Datasource[] }>(
      'provisioning/grafana/datasources/prometheus.yml',
    );
    const tempo = datasources.find((d) => d.type === 'tempo');
    const prometheus = datasources.find((d) => d.uid === 'vigil-prometheus');
    expect(prometheus?.jsonData?.exemplarTraceIdDestinations).toEqual([
      { name: 'trace_id', datasourceUid: tempo?.uid },
    ]);
  });

  it('keeps the docker-compose overlays in step with the loopback configs', () => {
    const [prometheus, prometheusCompose] = PROMETHEUS.map((p) => withoutHosts(load<PrometheusConfig>(p)));
    expect(prometheusCompose).toEqual(prometheus);
    const [alertmanager, alertmanagerCompose] = ALERTMANAGER.map((p) =>
      withoutReceiverLocations(load<AlertmanagerConfig>(p)),
    );
    expect(alertmanagerCompose).toEqual(alertmanager);
  });
});
