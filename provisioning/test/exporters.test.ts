import { join } from 'node:path';
import {
  startExporter,
  startNginx,
  startPostgres,
  startPrometheus,
  startRedis,
  stopAll,
  waitFor,
  type Exporter,
  type ExporterKind,
  type Prometheus,
} from '@vigil/testkit';
import { EXPORTER_METRICS } from '@vigil/rules';
import { metricNames } from './promql';
import { readRuleFile } from '../../rules/src/rulefiles';

const ROOT = join(__dirname, '..', '..');
const KINDS = Object.keys(EXPORTER_METRICS) as ExporterKind[];

/** The metric names a /metrics page serves. */
const served = (text: string) =>
  new Set(
    text
      .split('\n')
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => /^[^{ ]+/.exec(line)?.[0] as string),
  );

/**
 * Debian's standard exporters against real servers (PostgreSQL, Redis, nginx in front of a server, the
 * machine's processes): the names the mixin reads exist as these versions spell them, and Prometheus,
 * scraping them with the mixin's rules, records every aggregate.
 */
describe("the standard exporters, as the mixin's rules read them", () => {
  const exporters = {} as Record<ExporterKind, Exporter>;
  let prometheus: Prometheus;

  beforeAll(async () => {
    const [db, cache] = await Promise.all([startPostgres(), startRedis()]);
    const lb = await startNginx(`127.0.0.1:${db.port}`); // any upstream: stub_status is what counts
    const config = join(ROOT, 'provisioning/exporters/process-exporter.yml');
    const queries = join(ROOT, 'provisioning/exporters/postgres-queries.yml');
    exporters.postgres = await startExporter('postgres', { url: `${db.url}?sslmode=disable`, queries });
    exporters.redis = await startExporter('redis', { url: cache.url });
    exporters.nginx = await startExporter('nginx', { statusUrl: lb.statusUrl });
    exporters.process = await startExporter('process', { config });
    prometheus = await startPrometheus({
      config: {
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        scrape_configs: KINDS.map((kind) => ({
          job_name: kind,
          static_configs: [{ targets: [`127.0.0.1:${exporters[kind].port}`], labels: { service: 'demo' } }],
        })),
      },
      ruleFiles: KINDS.map((kind) => join(ROOT, `rules/generated/mixin-${kind}.rules.yml`)),
    });
  }, 90_000);

  afterAll(() => stopAll());

  it.each(KINDS)('%s: serves every metric the mixin lists for it', async (kind) => {
    const names = served(await exporters[kind].metrics());
    expect(EXPORTER_METRICS[kind].filter((name) => !names.has(name))).toEqual([]);
  });

  it.each(KINDS)('%s: its rules select only metrics it serves or rules record', (kind) => {
    const rules = readRuleFile(join(ROOT, `rules/generated/mixin-${kind}.rules.yml`)).groups.flatMap(
      (g) => g.rules,
    );
    const recorded = new Set(rules.flatMap((r) => (r.record ? [r.record] : [])));
    const listed = new Set<string>(EXPORTER_METRICS[kind]);
    const unknown = rules.flatMap((r) =>
      metricNames(r.expr).filter((n) => !recorded.has(n) && !listed.has(n)),
    );
    expect(unknown).toEqual([]);
  });

  it('records every aggregate from the real exporters', async () => {
    const expected = [
      'instance:pg_connections:ratio',
      'instance:pg_cache_hit:ratio_rate5m',
      'instance:pg_deadlocks:increase5m',
      'instance:pg_transactions:rate5m',
      'instance:pg_longest_transaction:seconds',
      'instance:redis_evicted_keys:rate5m',
      'instance:redis_rejected_connections:increase5m',
      'groupname:process_restarts:changes1h',
      'instance:nginx_http_requests:rate5m',
      'instance:nginx_connections_dropped:increase5m',
    ];
    const missing = await waitFor(
      'every aggregate recorded',
      async () => {
        const absent: string[] = [];
        for (const name of expected) if ((await prometheus.query(name)).length === 0) absent.push(name);
        return absent.length === 0 ? absent : undefined;
      },
      { timeoutMs: 30_000, everyMs: 500 },
    );
    expect(missing).toEqual([]);
    const [connections] = await prometheus.query('instance:pg_connections:ratio');
    expect(connections?.metric).toMatchObject({ job: 'postgres', service: 'demo' });
    expect(Number(connections?.value[1])).toBeGreaterThan(0);
    // A Redis without maxmemory has no memory ratio, so RedisMemoryNearMax cannot fire on it.
    expect(await prometheus.query('instance:redis_memory:ratio')).toEqual([]);
  });
});
