import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';

const ROOT = join(__dirname, '..', '..');
const run = (command: string, args: string[]) => execFileSync(command, args, { cwd: ROOT, encoding: 'utf8' });

interface InhibitRule {
  source_matchers: string[];
  target_matchers: string[];
  equal: string[];
}
const inhibitRules = (path: string) =>
  (yaml.load(readFileSync(join(ROOT, path), 'utf8')) as { inhibit_rules: InhibitRule[] }).inhibit_rules;

describe('provisioning', () => {
  it('Prometheus accepts its configuration and every rule file it loads', () => {
    const out = run('promtool', ['check', 'config', 'provisioning/prometheus/prometheus.yml']);
    expect(out).toMatch(/SUCCESS: \d+ rule files found/);
    expect(out).not.toMatch(/FAILED/);
  });

  it('Alertmanager accepts its configuration', () => {
    expect(run('amtool', ['check-config', 'provisioning/alertmanager/alertmanager.yml'])).toContain(
      'SUCCESS',
    );
  });

  it('carries every generated SLO inhibition rule', () => {
    const provisioned = inhibitRules('provisioning/alertmanager/alertmanager.yml');
    for (const rule of inhibitRules('rules/generated/alertmanager-inhibit-rules.yml')) {
      expect(provisioned).toContainEqual(rule);
    }
  });

  it('scrapes every job the rules select on', () => {
    const config = yaml.load(readFileSync(join(ROOT, 'provisioning/prometheus/prometheus.yml'), 'utf8')) as {
      scrape_configs: { job_name: string }[];
    };
    const jobs = new Set(config.scrape_configs.map((s) => s.job_name));
    const ruleText = run('sh', ['-c', 'cat rules/prometheus/*.rules.yml rules/generated/*.rules.yml']);
    const used = new Set([...ruleText.matchAll(/job="([^"]+)"/g)].map((m) => m[1]));
    expect([...used].filter((job) => !jobs.has(job as string))).toEqual([]);
  });
});
