import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { REPO_ROOT } from './paths';
import { freePorts, processes } from './stack';

/** The rule files the panel's queries read: the health score and the service-health records. */
export const RULE_FILES = ['health-score.rules.yml', 'service-health.rules.yml'].map((f) =>
  join(REPO_ROOT, 'rules/prometheus', f),
);

export interface Prometheus {
  url: string;
  stop(): Promise<void>;
}

/**
 * Debian's Prometheus on loopback, scraping `targets` every second and evaluating rules/'s health-score
 * rules every second, so that scores exist a few seconds after start.
 */
export async function startPrometheus(dir: string, targets: string[]): Promise<Prometheus> {
  const { findBinary, launch, waitReady } = await processes();
  const binary = findBinary(['prometheus']);
  if (!binary) throw new Error('prometheus is not on PATH: run scripts/install-prometheus-stack.sh');
  const port = (await freePorts()).prometheus;
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    yaml.dump({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: RULE_FILES,
      scrape_configs: [
        { job_name: 'fleet', static_configs: [{ targets: targets.map((t) => new URL(t).host) }] },
      ],
    }),
  );
  const child = launch(
    'prometheus',
    binary,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'prometheus-data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { logFile: join(dir, 'prometheus.log') },
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(child, `${url}/-/ready`);
  } catch (err) {
    await child.stop();
    throw err;
  }
  return { url, stop: () => child.stop() };
}
