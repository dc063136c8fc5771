import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  freePort,
  startPrometheus,
  startVictoriaMetrics,
  tempDir,
  waitFor,
  type Prometheus,
  type TempDir,
  type VictoriaMetrics,
} from '@vigil/testkit';
import { LONG_TERM_RELABEL, prometheusStorageFlags, victoriaMetricsFlags } from '@vigil/rules';
import yaml from 'js-yaml';

const ROOT = join(__dirname, '..', '..');
interface RemoteWrite {
  url: string;
  write_relabel_configs: unknown[];
}
const remoteWrite = (file: string) =>
  (yaml.load(readFileSync(join(ROOT, file), 'utf8')) as { remote_write: RemoteWrite[] }).remote_write;

/**
 * Prometheus remote-writes to a real VictoriaMetrics, with provisioning's relabelling and the mixin's
 * flags: the ':'-named aggregates arrive and can be queried back; raw series never leave Prometheus.
 */
describe('the long-term store (VictoriaMetrics)', () => {
  let vm: VictoriaMetrics;
  let prometheus: Prometheus;
  let rules: TempDir;

  beforeAll(async () => {
    // Samples are visible to queries at once rather than after VictoriaMetrics's 30 s latency offset.
    vm = await startVictoriaMetrics({ latencyOffset: '0s', args: victoriaMetricsFlags() });
    const [provisioned] = remoteWrite('provisioning/prometheus/prometheus.yml');
    const port = await freePort();
    rules = tempDir('vigil-long-term-');
    const ruleFile = join(rules.dir, 'aggregates.rules.yml');
    writeFileSync(
      ruleFile,
      yaml.dump({
        groups: [{ name: 'aggregates', rules: [{ record: 'job:up:sum', expr: 'sum by (job) (up)' }] }],
      }),
    );
    prometheus = await startPrometheus({
      port,
      config: {
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        remote_write: [{ ...provisioned, url: vm.writeUrl, queue_config: { batch_send_deadline: '1s' } }],
        scrape_configs: [{ job_name: 'prometheus', static_configs: [{ targets: [`127.0.0.1:${port}`] }] }],
      },
      ruleFiles: [ruleFile],
      args: prometheusStorageFlags(),
    });
  }, 60_000);

  afterAll(async () => {
    await prometheus?.stop();
    await vm?.stop();
    rules?.cleanup();
  });

  it('receives the aggregates and answers queries for them', async () => {
    const samples = await waitFor('job:up:sum in VictoriaMetrics', async () => {
      const found = await vm.query('job:up:sum');
      return found.length > 0 ? found : undefined;
    });
    expect(samples).toEqual([
      { metric: { __name__: 'job:up:sum', job: 'prometheus' }, value: [expect.any(Number), '1'] },
    ]);
    // Prometheus holds the raw series the aggregate came from; the long-term store does not.
    expect(await prometheus.query('up')).toHaveLength(1);
    expect(await vm.query('up')).toEqual([]);
    expect(await vm.query('{__name__=~"prometheus_.*"}')).toEqual([]);
  });

  it('keeps 90 days at full resolution in Prometheus and 2 years at 5 minutes in VictoriaMetrics', async () => {
    const flags = (await fetch(`${prometheus.url}/api/v1/status/flags`).then((r) => r.json())) as {
      data: Record<string, string>;
    };
    expect(flags.data).toMatchObject({
      'storage.tsdb.retention.time': '90d',
      'storage.tsdb.retention.size': '50GiB', // as Prometheus prints 50GB
      'enable-feature': 'exemplar-storage',
    });
    const vmFlags = await fetch(`${vm.url}/flags`).then((r) => r.text());
    expect(vmFlags).toContain('-retentionPeriod="2y"');
    expect(vmFlags).toContain('-dedup.minScrapeInterval="5m0s"');
  });

  it('is where both provisioning configs write, keeping only the aggregates', () => {
    for (const file of ['prometheus.yml', 'prometheus.compose.yml']) {
      const [write] = remoteWrite(`provisioning/prometheus/${file}`);
      expect(write?.url).toMatch(/:8428\/api\/v1\/write$/);
      expect(write?.write_relabel_configs).toEqual([LONG_TERM_RELABEL]);
    }
  });
});
