import { startPrometheus, waitFor, type Prometheus } from '@vigil/testkit';
import { parseConfig } from '../src/config';
import { exporterApp, listenLocal, startTcp } from './helpers';

/** A real Prometheus scrapes the exporter on loopback, and probe_success is queryable. */
describe('scraped by a real Prometheus', () => {
  let prometheus: Prometheus | undefined;
  const stops: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    await prometheus?.stop();
    for (const stop of stops.reverse()) await stop();
  });

  it('stores probe_success and the service status from a scrape', async () => {
    const tcp = await startTcp();
    stops.push(tcp.close);
    const config = parseConfig({
      services: { cache: { checks: [{ name: 'tcp', kind: 'tcp', host: '127.0.0.1', port: tcp.port }] } },
    });
    const { app, exporter: checks } = await exporterApp(config);
    stops.push(() => checks.stop());
    const exporter = await listenLocal(app.listen(0, '127.0.0.1'));
    stops.push(exporter.close);

    prometheus = await startPrometheus({
      config: {
        global: { scrape_interval: '1s', scrape_timeout: '1s' },
        scrape_configs: [
          { job_name: 'health-check', static_configs: [{ targets: [`127.0.0.1:${exporter.port}`] }] },
        ],
      },
    });
    const { query } = prometheus;
    const result = await waitFor(
      'probe_success in Prometheus',
      async () => {
        const samples = await query('probe_success');
        return samples.length > 0 ? samples : undefined;
      },
      { timeoutMs: 30_000, everyMs: 250 },
    );
    expect(result).toHaveLength(1);
    expect(result[0]!.metric).toMatchObject({ service: 'cache', check: 'tcp', job: 'health-check' });
    expect(result[0]!.value[1]).toBe('1');
    const status = await query('healthcheck_service_status == 1');
    expect(status.map((r) => r.metric.status)).toEqual(['ok']);
  });
});
