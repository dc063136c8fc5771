import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from '../src/app';
import { parseConfig } from '../src/config';
import { Scheduler } from '../src/scheduler';
import { closedPort, listenLocal, silentLog, startTcp, tempDir } from './helpers';

/** A real Prometheus scrapes the exporter on loopback, and probe_success is queryable. */
describe('scraped by a real Prometheus', () => {
  const temp = tempDir('vigil-prom-');
  let prometheus: ChildProcess | undefined;
  const stops: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus!.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await exited;
    }
    for (const stop of stops.reverse()) await stop();
    temp.cleanup();
  });

  it('stores probe_success and the service status from a scrape', async () => {
    const tcp = await startTcp();
    stops.push(tcp.close);
    const config = parseConfig({
      services: { cache: { checks: [{ name: 'tcp', kind: 'tcp', host: '127.0.0.1', port: tcp.port }] } },
    });
    const scheduler = new Scheduler(config.services[0]!.checks, 4, silentLog);
    await scheduler.runAll();
    stops.push(() => scheduler.stop());
    const exporter = await listenLocal(createApp(config, scheduler, silentLog).app.listen(0, '127.0.0.1'));
    stops.push(exporter.close);

    const promPort = await closedPort();
    writeFileSync(
      join(temp.dir, 'prometheus.yml'),
      `global: { scrape_interval: 1s, scrape_timeout: 1s }\n` +
        `scrape_configs:\n  - job_name: health-check\n    static_configs: [{ targets: ['127.0.0.1:${exporter.port}'] }]\n`,
    );
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${join(temp.dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(temp.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
      ],
      { stdio: 'ignore' },
    );

    const query = async (q: string) => {
      const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(q)}`);
      return (await res.json()) as {
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
    };
    let result: Awaited<ReturnType<typeof query>>['data']['result'] = [];
    for (let deadline = Date.now() + 30_000; result.length === 0 && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      result = await query('probe_success').then(
        (r) => r.data.result,
        () => [],
      );
    }
    expect(result).toHaveLength(1);
    expect(result[0]!.metric).toMatchObject({ service: 'cache', check: 'tcp', job: 'health-check' });
    expect(result[0]!.value[1]).toBe('1');
    const status = await query('healthcheck_service_status == 1');
    expect(status.data.result.map((r) => r.metric.status)).toEqual(['ok']);
  });
});
