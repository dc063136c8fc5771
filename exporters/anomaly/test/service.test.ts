import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  compiledService,
  errorOf,
  freePort,
  serviceEndpoints,
  spawnProcess,
  startHttp,
  startPrometheus,
  tempDir,
  type Prometheus,
  type RunningProcess,
} from '@vigil/testkit';

const service = compiledService(join(__dirname, '..'));
const { main: MAIN, run } = service;
/** vector(n) needs no data: every step of every range has the one series {} with value n. */
const query = (name: string, n: number) => ({ name, query: `vector(${n})` });

describe('the anomaly exporter as a process', () => {
  const temp = tempDir('vigil-anomaly-service-');
  const configFile = join(temp.dir, 'anomaly.yml');
  let prometheus: Prometheus;
  let port: number;
  let url: string;
  let exporter: RunningProcess | undefined;

  /** Writes the config file (JSON is YAML): the given queries on the test's Prometheus, an hour of history. */
  const writeConfig = (queries: unknown[], server = { listen_address: '127.0.0.1', port }) =>
    writeFileSync(
      configFile,
      JSON.stringify({ server, prometheus: { url: prometheus.url }, step: '15s', history: '1h', queries }),
    );
  let endpoints: ReturnType<typeof serviceEndpoints>;
  const metrics = () => endpoints.metrics();
  const metricsShow = (pattern: RegExp) => endpoints.metricsShow(exporter as RunningProcess, pattern);
  const reload = () => endpoints.reload();

  beforeAll(async () => {
    service.build();
    prometheus = await startPrometheus({ dir: temp.dir, config: { global: { scrape_interval: '1m' } } });
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    endpoints = serviceEndpoints(url);
  });
  afterAll(async () => {
    await exporter?.stop();
    await prometheus?.stop();
    temp.cleanup();
  });

  it('checks a good config file, exiting 0', async () => {
    writeConfig([query('one', 1)]);
    const { status, stdout } = await run(['--check-config', '--config', configFile]);
    expect(stdout).toContain(`${configFile}: SUCCESS`);
    expect(status).toBe(0);
  });

  it('prints every problem of a bad config file with line and column, exiting 1', async () => {
    const bad = join(temp.dir, 'bad.yml');
    writeFileSync(
      bad,
      [
        'prometheus:',
        '  url: ftp://x',
        'queries:',
        '  - name: q',
        '    query: up',
        '    treshold: 3',
        '',
      ].join('\n'),
    );
    const { status, stderr } = await run(['--check-config', '--config', bad]);
    expect(stderr).toContain(`${bad}:2:8: prometheus.url: must be an http:// or https:// URL`);
    expect(stderr).toContain(`${bad}:6:5: queries[0].treshold: unknown field (did you mean "threshold"?)`);
    expect(stderr).toContain('(2 problems)');
    expect(status).toBe(1);
  });

  it('refuses a misspelt flag with a suggestion, exiting 2', async () => {
    const { status, stderr } = await run(['--confg', 'x']);
    expect(stderr).toContain('unknown flag --confg (did you mean --config?)');
    expect(status).toBe(2);
  });

  it('serves its models with process, Node.js and build series, ready once the first pull has ended', async () => {
    writeConfig([query('one', 1)]);
    exporter = await service.start(['--config', configFile], url, 'anomaly');
    const text = await metrics();
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_heap_size_total_bytes \d/m);
    expect(text).toMatch(/^anomaly_build_info\{version="0\.1\.0",revision="[^"]+",nodejs="v[\d.]+"\} 1$/m);
    expect(text).toMatch(/^anomaly_config_last_reload_successful 1$/m);
    expect(text).toMatch(/^anomaly_up 1$/m);
    expect(text).toMatch(/^anomaly_series\{query="one"\} 1$/m);
    expect(text).toMatch(/^anomaly_score\{query="one"\} [\d.e-]+$/m);
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
  });

  it('reloads on SIGHUP: a new query is pulled at once', async () => {
    writeConfig([query('one', 1), query('two', 2)]);
    exporter!.child.kill('SIGHUP');
    await metricsShow(/^anomaly_series\{query="two"\} 1$/m);
    const text = await metrics();
    expect(text).toMatch(/^anomaly_expected_value\{query="two"\} [\d.e-]+$/m);
    expect(text).toMatch(/^anomaly_config_last_reload_successful 1$/m);
  });

  it('reloads on POST /-/reload: a query added, one removed', async () => {
    writeConfig([query('one', 1), query('three', 3)]);
    const res = await reload();
    expect(await res.json()).toEqual({ status: 'reloaded' });
    await metricsShow(/^anomaly_series\{query="three"\} 1$/m);
    expect(await metrics()).not.toMatch(/query="two"/);
  });

  it('keeps the old config serving when the new file is broken, saying so in a metric', async () => {
    writeFileSync(configFile, 'queries: [\n');
    const res = await reload();
    expect(res.status).toBe(500);
    expect((await errorOf(res)).message).toMatch(/anomaly\.yml:\d+:\d+: not valid YAML/);
    let text = await metrics();
    expect(text).toMatch(/^anomaly_config_last_reload_successful 0$/m);
    expect(text).toMatch(/^anomaly_series\{query="three"\} 1$/m);

    // By SIGHUP too: a good file first (the metric back to 1), then one that is YAML but not a valid config.
    writeConfig([query('one', 1), query('three', 3)]);
    exporter!.child.kill('SIGHUP');
    await metricsShow(/^anomaly_config_last_reload_successful 1$/m);
    writeConfig([]);
    exporter!.child.kill('SIGHUP');
    await metricsShow(/^anomaly_config_last_reload_successful 0$/m);
    text = await metrics();
    expect(text).toMatch(/^anomaly_series\{query="one"\} 1$/m);
    expect(text).toMatch(/^anomaly_series\{query="three"\} 1$/m);
  });

  it('refuses a reload that moves the listening port: it needs a restart', async () => {
    writeConfig([query('one', 1)], { listen_address: '127.0.0.1', port: port + 1 });
    const res = await reload();
    expect(res.status).toBe(500);
    expect((await errorOf(res)).message).toContain('server.port: changing it needs a restart');
    expect(await metrics()).toMatch(/^anomaly_series\{query="three"\} 1$/m);
  });

  it('exits non-zero, naming the address and server.port, when its port is taken', async () => {
    writeConfig([query('one', 1)]);
    const second = spawnProcess(process.execPath, [MAIN, '--config', configFile], { name: 'anomaly-2' });
    expect(await second.exited).not.toBe(0);
    expect(second.output()).toContain(`127.0.0.1:${port}`);
    expect(second.output()).toContain('server.port');
    expect(second.output()).toContain('EADDRINUSE');
  });

  it('stops on SIGTERM, exiting 0', async () => {
    await exporter!.stop('SIGTERM');
    expect(exporter!.exitStatus).toBe(0);
    exporter = undefined;
  });

  it('stops at once on SIGTERM while a pull waits on a Prometheus that does not answer', async () => {
    const silent = await startHttp(() => undefined);
    const hanging = join(temp.dir, 'hanging.yml');
    const server = { listen_address: '127.0.0.1', port: await freePort() };
    writeFileSync(
      hanging,
      JSON.stringify({
        server,
        prometheus: { url: silent.url, timeout: '30s' },
        step: '15s',
        history: '1h',
        queries: [query('one', 1)],
      }),
    );
    const proc = spawnProcess(process.execPath, [MAIN, '--config', hanging], { name: 'anomaly-hanging' });
    try {
      await proc.waitForOutput(/"msg":"anomaly listening"/);
      await new Promise((resolve) => setTimeout(resolve, 300)); // the first pull is under way
      const asked = Date.now();
      await proc.stop('SIGTERM', 20_000);
      expect(proc.exitStatus).toBe(0);
      // Well within the 10 s that requests in flight get (docs/operations.md), not the 30 s timeout.
      expect(Date.now() - asked).toBeLessThan(5_000);
      expect(proc.output()).not.toMatch(/cannot pull query/);
    } finally {
      await proc.stop('SIGKILL');
      await silent.close();
    }
  });
});
