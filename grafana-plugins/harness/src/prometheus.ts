import { join } from 'node:path';
import { startPrometheus as startServer, type Prometheus } from '@vigil/testkit';
import { REPO_ROOT } from './paths';

/** The rule files the panel's queries read: the health score and the service-health records. */
export const RULE_FILES = ['health-score.rules.yml', 'service-health.rules.yml'].map((f) =>
  join(REPO_ROOT, 'rules/prometheus', f),
);

/**
 * Debian's Prometheus on loopback, scraping `targets` every second and evaluating rules/'s health-score
 * rules every second, so that scores exist a few seconds after start.
 */
export function startPrometheus(dir: string, targets: string[]): Promise<Prometheus> {
  return startServer({
    dir,
    config: {
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      scrape_configs: [
        { job_name: 'fleet', static_configs: [{ targets: targets.map((t) => new URL(t).host) }] },
      ],
    },
    ruleFiles: RULE_FILES,
    logFile: join(dir, 'prometheus.log'),
  });
}
