import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import yaml from 'js-yaml';
import { parseConfig } from '../../alert-webhook/src/config';
import { parseConfig as parseLogsConfig } from '../../exporters/logs/src/config';
import {
  accessLogOf,
  logsConfig,
  webhookReceiverConfig,
  type ReceiverSource,
} from '../../scripts/stack/src/configs';
import { expandRuleFiles, rulesWithAlertFor } from '../../scripts/stack/src/rules';

const ROOT = join(__dirname, '..', '..');
const load = (path: string) => yaml.load(readFileSync(path, 'utf8'));

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'vigil-stack-configs-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("the native stack's rule files with alertFor", () => {
  const patterns = (
    load(join(ROOT, 'provisioning/prometheus/prometheus.yml')) as { rule_files: string[] }
  ).rule_files.map((p) => resolve(ROOT, 'provisioning/prometheus', p));
  const shipped = join(ROOT, 'rules/prometheus/service-health.rules.yml');

  it('loads a rewritten copy of the file defining the alert, and every other file as it is', () => {
    const files = rulesWithAlertFor(patterns, { ServiceDown: '1s' }, dir);
    const all = patterns.flatMap(expandRuleFiles);
    expect(all).toContain(shipped);
    const copies = files.filter((f) => f.startsWith(dir));
    expect(copies).toHaveLength(1);
    expect(files).toEqual(all.map((f) => (f === shipped ? copies[0] : f)));

    type Rules = { groups: { rules: { alert?: string; for?: string }[] }[] };
    const rules = (file: string) => (load(file) as Rules).groups.flatMap((g) => g.rules);
    const [original, copy] = [rules(shipped), rules(copies[0] as string)];
    expect(copy).toEqual(original.map((r) => (r.alert === 'ServiceDown' ? { ...r, for: '1s' } : r)));
    expect(original.find((r) => r.alert === 'ServiceDown')?.for).toBe('2m'); // rules/ is untouched
  });

  it('refuses an alert no rule file defines', () => {
    expect(() => rulesWithAlertFor(patterns, { NoSuchAlert: '1s' }, dir)).toThrow(
      `--alert-for: no alerting rule named NoSuchAlert in the rule files Prometheus loads (${patterns.join(', ')})`,
    );
  });
});

describe("the native stack's log exporter config", () => {
  it("is accepted by the log exporter, reading nginx's access log with the security pack on", () => {
    const config = parseLogsConfig(logsConfig(19471, dir));
    expect(config.sources.lb?.parser).toMatchObject({ kind: 'combined' });
    expect(config.sources.lb?.input).toMatchObject({ include: [accessLogOf(dir)] });
    expect(config.security).toMatchObject({ enabled: true, sources: ['lb'] });
  });
});

describe("the native stack's receiver config", () => {
  const source = load(join(ROOT, 'provisioning/alert-webhook/alert-webhook.compose.yml')) as ReceiverSource;
  const settings = () => {
    const secrets = { webhookToken: 'webhook', apiToken: 'api', ackSecret: 'ack' };
    for (const [key, name] of Object.entries(secrets)) {
      writeFileSync(join(dir, name), 'x'.repeat(64));
      secrets[key as keyof typeof secrets] = join(dir, name);
    }
    return { port: 19096, dataDir: dir, secrets, smtpPort: 11025 };
  };

  it("is accepted by alert-webhook, mailing the stack's SMTP catcher with signed ack links", () => {
    const config = parseConfig(webhookReceiverConfig(source, settings()), {});
    expect(config.server.public_url).toBe('http://127.0.0.1:19096');
    expect(config.notifications.ackLinks?.secret).toBe('x'.repeat(64));
    const channels = Object.values(config.notifications.channels);
    expect(channels.length).toBeGreaterThan(0);
    for (const channel of channels)
      expect(channel).toMatchObject({
        kind: 'email',
        smtp: { host: '127.0.0.1', port: 11025, secure: false },
      });
  });

  it("routes and escalates as docker-compose's receiver does, at the pace it is given", () => {
    const doc = webhookReceiverConfig(source, { ...settings(), escalateAfter: '7s' });
    expect((doc as Record<string, unknown>).routing).toEqual(source.routing);
    const config = parseConfig(doc, {});
    const waits = (steps: { kind: string; duration?: unknown }[]) =>
      steps.filter((s) => s.kind === 'wait').map((s) => s.duration);
    expect(config.escalation_policies.flatMap((p) => waits(p.steps))).toEqual(
      source.escalation_policies.flatMap((p) => waits(p.steps).map(() => 7000)),
    );
    expect(config.escalation_policies.flatMap((p) => waits(p.steps))).not.toEqual([]);
  });

  it("takes the Watchdog as a heartbeat with a timeout Alertmanager's resends fit in, paging through routing", () => {
    const config = parseConfig(webhookReceiverConfig(source, settings()), {});
    const [heartbeat] = config.heartbeats;
    expect(config.heartbeats).toHaveLength(1);
    expect(heartbeat!.matchers).toEqual([{ name: 'alertname', op: '=', value: 'Watchdog' }]);
    type Route = { matchers?: string[]; group_interval: string; repeat_interval: string };
    const am = load(join(ROOT, 'provisioning/alertmanager/alertmanager.yml')) as {
      route: { routes: Route[] };
    };
    const route = am.route.routes.find((r) => r.matchers?.includes('alertname="Watchdog"'));
    const ms = (d: string) => Number(/^(\d+)([sm])$/.exec(d)![1]) * (d.endsWith('m') ? 60_000 : 1000);
    // A beat arrives at least every repeat_interval + group_interval; the timeout leaves room for two missed.
    expect(heartbeat!.timeout).toBeGreaterThan(2 * (ms(route!.repeat_interval) + ms(route!.group_interval)));
  });
});
