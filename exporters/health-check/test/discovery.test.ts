import { writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { Runtime } from '@vigil/service-kit';
import { startPrometheus, waitFor, type Prometheus } from '@vigil/testkit';
import request from 'supertest';
import { createApp } from '../src/app';
import { parseConfig } from '../src/config';
import { DiscoveringExporter, expandPattern, readTargetFile } from '../src/discovery';
import { IDENTITY } from '../src/identity';
import { listenLocal, silentLog, startHttp, tempDir } from './helpers';

/** Writes a file whole (a rename), as tools that manage file_sd files should. */
function writeTargets(path: string, text: string) {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

describe('discovery from file_sd and http_sd', () => {
  let web: Awaited<ReturnType<typeof startHttp>>;
  let sd: Awaited<ReturnType<typeof startHttp>>;
  let sdGroups: unknown = [];
  const dir = tempDir('vigil-sd-');
  const stops: (() => unknown)[] = [];

  beforeAll(async () => {
    web = await startHttp((req, res) => {
      if (req.url === '/down') return void res.writeHead(503).end();
      res.end('ok');
    });
    sd = await startHttp((_req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(sdGroups));
    });
  });
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
    await web.close();
    await sd.close();
    dir.cleanup();
  });

  async function start(doc: Record<string, unknown>) {
    const config = parseConfig(doc);
    const discovering = new DiscoveringExporter(config, silentLog);
    const { exporter } = discovering;
    exporter.start();
    stops.push(() => discovering.stop());
    return { app: createApp(exporter, new Runtime(IDENTITY), silentLog), exporter, discovering };
  }

  const metrics = async (app: ReturnType<typeof createApp>) => (await request(app).get('/metrics')).text;

  it('reads JSON and YAML target files, by glob, as Prometheus writes them', () => {
    writeFileSync(join(dir.dir, 'a.json'), JSON.stringify([{ targets: ['x:1'], labels: { service: 'a' } }]));
    writeFileSync(join(dir.dir, 'b.yml'), '- targets: [y:2]\n  labels: {service: b}\n');
    writeFileSync(join(dir.dir, 'c.txt'), 'not targets');
    expect(expandPattern(join(dir.dir, '*.json'))).toEqual([join(dir.dir, 'a.json')]);
    expect(readTargetFile(join(dir.dir, 'b.yml'))).toEqual([{ targets: ['y:2'], labels: { service: 'b' } }]);
  });

  it('turns file_sd targets into checks in the labelled service, follows changes, and allows them on /probe', async () => {
    const file = join(dir.dir, 'web.json');
    writeTargets(
      file,
      JSON.stringify([
        { targets: [`${web.url}/ok`, `127.0.0.1:${web.port}/down`], labels: { service: 'shop' } },
      ]),
    );
    const { app } = await start({
      defaults: { interval: '1s', timeout: '1s' },
      probe: { modules: { http_2xx: { kind: 'http' }, tcp_connect: { kind: 'tcp' } } },
      discovery: { web: { module: 'http_2xx', file_sd_configs: [{ files: [join(dir.dir, 'web*.json')] }] } },
    });
    await waitFor(
      'the discovered checks to run',
      async () =>
        (await metrics(app)).match(/^probe_success\{service="shop"/gm)?.length === 2 ? true : undefined,
      { timeoutMs: 10_000, everyMs: 100 },
    );
    const text = await metrics(app);
    expect(text).toContain(`probe_success{service="shop",check="${web.url}/ok"} 1`);
    expect(text).toContain(`probe_success{service="shop",check="127.0.0.1:${web.port}/down"} 0`);
    expect(text).toContain('healthcheck_service_status{service="shop",status="down"} 1');
    // Discovered targets are on the allowlist (none is configured).
    const probe = await request(app)
      .get('/probe')
      .query({ module: 'http_2xx', target: `${web.url}/ok` });
    expect(probe.status).toBe(200);
    // For their discovering module only: another module reaches no port of that host through them.
    const other = await request(app)
      .get('/probe')
      .query({ module: 'tcp_connect', target: `127.0.0.1:${web.port}` });
    expect(other.status).toBe(403);

    // The file changes: one target goes, another comes, in another service.
    writeTargets(file, JSON.stringify([{ targets: [`${web.url}/ok`], labels: { service: 'shop2' } }]));
    await waitFor(
      'the change to be applied',
      async () => ((await metrics(app)).includes('service="shop2"') ? true : undefined),
      { timeoutMs: 10_000, everyMs: 100 },
    );
    expect(await metrics(app)).not.toContain('service="shop"');

    // A broken file keeps its previous targets, as in Prometheus.
    writeTargets(file, '[{"targets": ');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await metrics(app)).toContain('service="shop2"');
  });

  it('takes http_sd targets, and the source name as the service when no label names one', async () => {
    sdGroups = [{ targets: [`127.0.0.1:${web.port}`], labels: {} }];
    const { app } = await start({
      defaults: { interval: '1s', timeout: '1s' },
      probe: { modules: { tcp_connect: { kind: 'tcp' } } },
      discovery: {
        cmdb: {
          module: 'tcp_connect',
          http_sd_configs: [{ url: `${sd.url}/targets`, refresh_interval: '200ms' }],
        },
      },
    });
    await waitFor(
      'the http_sd check',
      async () =>
        (await metrics(app)).includes(`probe_success{service="cmdb",check="127.0.0.1:${web.port}"} 1`) ||
        undefined,
      { timeoutMs: 10_000, everyMs: 100 },
    );
    sdGroups = [];
    await waitFor(
      'the target to go',
      async () => (!(await metrics(app)).includes('service="cmdb"') ? true : undefined),
      { timeoutMs: 10_000, everyMs: 100 },
    );
  });

  it('refuses a source whose module does not exist, or that has no list', () => {
    expect(() =>
      parseConfig({ discovery: { x: { module: 'nope', file_sd_configs: [{ files: ['/tmp/x.json'] }] } } }),
    ).toThrow('discovery.x.module: unknown module "nope"');
    expect(() =>
      parseConfig({ probe: { modules: { m: { kind: 'tcp' } } }, discovery: { x: { module: 'm' } } }),
    ).toThrow('discovery.x: needs file_sd_configs or http_sd_configs');
  });
});

/** One file_sd file feeds Prometheus (blackbox-style, through our /probe) and our checks alike. */
describe('one target list for Prometheus and the health-check', () => {
  let prometheus: Prometheus | undefined;
  const stops: (() => unknown)[] = [];
  afterAll(async () => {
    await prometheus?.stop();
    for (const stop of stops.reverse()) await stop();
  });

  it('probes the same targets from the same file', async () => {
    const web = await startHttp((_req, res) => res.end('ok'));
    stops.push(web.close);
    const dir = tempDir('vigil-sd-prom-');
    stops.push(dir.cleanup);
    const file = join(dir.dir, 'targets.json');
    writeTargets(file, JSON.stringify([{ targets: [`${web.url}/ok`], labels: { service: 'shop' } }]));
    const config = parseConfig({
      probe: { modules: { http_2xx: { kind: 'http' } } },
      discovery: { web: { module: 'http_2xx', file_sd_configs: [{ files: [file] }] } },
    });
    const discovering = new DiscoveringExporter(config, silentLog);
    const { exporter } = discovering;
    exporter.start();
    stops.push(() => discovering.stop());
    const ours = await listenLocal(
      createApp(exporter, new Runtime(IDENTITY), silentLog).listen(0, '127.0.0.1'),
    );
    stops.push(ours.close);
    prometheus = await startPrometheus({
      config: {
        global: { scrape_interval: '1s', scrape_timeout: '1s' },
        scrape_configs: [
          { job_name: 'vigil-health-check', static_configs: [{ targets: [`127.0.0.1:${ours.port}`] }] },
          {
            job_name: 'vigil-probe',
            metrics_path: '/probe',
            params: { module: ['http_2xx'] },
            file_sd_configs: [{ files: [file] }],
            relabel_configs: [
              { source_labels: ['__address__'], target_label: '__param_target' },
              { source_labels: ['__param_target'], target_label: 'instance' },
              { target_label: '__address__', replacement: `127.0.0.1:${ours.port}` },
            ],
          },
        ],
      },
    });
    const both = await waitFor(
      'probe_success from both jobs',
      async () => {
        const samples = await prometheus!.query('probe_success == 1');
        return samples.length === 2 ? samples : undefined;
      },
      { timeoutMs: 30_000, everyMs: 250 },
    );
    const byJob = Object.fromEntries(both.map((s) => [s.metric.job, s.metric]));
    expect(byJob['vigil-probe']).toMatchObject({ instance: `${web.url}/ok`, service: 'shop' });
    expect(byJob['vigil-health-check']).toMatchObject({ service: 'shop', check: `${web.url}/ok` });
  });
});
