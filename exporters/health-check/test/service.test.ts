import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import {
  compiledService,
  errorOf,
  freePort,
  serviceEndpoints,
  spawnProcess,
  tempDir,
  type CommandResult,
  type RunningProcess,
} from '@vigil/testkit';
import yaml from 'js-yaml';
import { listenLocal } from './helpers';

const service = compiledService(join(__dirname, '..'));
const { main: MAIN, run } = service;
const tcpCheck = (name: string, port: number) => ({ name, kind: 'tcp', host: '127.0.0.1', port });

describe('the health-check exporter as a process', () => {
  const temp = tempDir('vigil-hc-service-');
  const configFile = join(temp.dir, 'health-check.yml');
  const badFile = join(temp.dir, 'bad.yml');
  /** Runs that end by themselves, started together (each takes a Node start-up). */
  let commands: Record<'goodConfig' | 'badConfig' | 'misspelt', Promise<CommandResult>>;
  let target: { port: number; close: () => Promise<void> };
  let port: number;
  let url: string;
  let exporter: RunningProcess | undefined;

  /** Writes the config file: the given checks of service "cache", on the exporter's port. */
  const writeConfig = (checks: unknown[], extra: Record<string, unknown> = {}) =>
    writeFileSync(
      configFile,
      yaml.dump({
        server: { listen_address: '127.0.0.1', port },
        defaults: { interval: '1m', timeout: '2s' },
        services: { cache: { checks } },
        ...extra,
      }),
    );
  let endpoints: ReturnType<typeof serviceEndpoints>;
  const metrics = () => endpoints.metrics();
  const metricsShow = (pattern: RegExp) => endpoints.metricsShow(exporter as RunningProcess, pattern);
  const reload = () => endpoints.reload();

  beforeAll(async () => {
    service.build();
    const server: Server = createServer((socket) => socket.end());
    target = await listenLocal(server);
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    endpoints = serviceEndpoints(url);
    writeConfig([tcpCheck('tcp', 1)]);
    writeFileSync(
      badFile,
      [
        'server:',
        '  port: "x"',
        'services:',
        '  api:',
        '    checks:',
        '      - name: c',
        '        kind: tcp',
        '        host: db',
        '        port: 5432',
        '        intervall: 5s',
        '',
      ].join('\n'),
    );
    commands = {
      goodConfig: run(['--check-config', '--config', configFile]),
      badConfig: run(['--check-config', '--config', badFile]),
      misspelt: run(['--confg', 'x']),
    };
    await Promise.all(Object.values(commands));
  });
  afterAll(async () => {
    await exporter?.stop();
    await target.close();
    temp.cleanup();
  });

  it('checks a good config file, exiting 0', async () => {
    const { status, stdout } = await commands.goodConfig;
    expect(stdout).toContain(`${configFile}: SUCCESS`);
    expect(status).toBe(0);
  });

  it('prints every problem of a bad config file with line and column, exiting 1', async () => {
    const { status, stderr } = await commands.badConfig;
    expect(stderr).toContain(`${badFile}:2:9: server.port: Invalid input: expected number, received string`);
    expect(stderr).toContain(
      `${badFile}:10:9: services.api.checks[0].intervall: unknown field (did you mean "interval"?)`,
    );
    expect(stderr).toContain('(2 problems)');
    expect(status).toBe(1);
  });

  it('refuses a misspelt flag with a suggestion, exiting 2', async () => {
    const { status, stderr } = await commands.misspelt;
    expect(stderr).toContain('unknown flag --confg (did you mean --config?)');
    expect(status).toBe(2);
  });

  it('serves its checks with process, Node.js and build metrics, ready once they have run', async () => {
    writeConfig([tcpCheck('tcp', target.port)]);
    exporter = await service.start(['--config', configFile], url, 'health-check');
    const text = await metrics();
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_heap_size_total_bytes \d/m);
    expect(text).toMatch(/^healthcheck_build_info\{version="0\.1\.0",revision="[^"]+",nodejs="v\d+/m);
    expect(text).toMatch(/^healthcheck_config_last_reload_successful 1$/m);
    expect(text).toMatch(/^probe_success\{service="cache",check="tcp"\} 1$/m);
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
  });

  it('reloads on SIGHUP: a new check appears', async () => {
    writeConfig([tcpCheck('tcp', target.port), tcpCheck('hup', target.port)]);
    exporter!.child.kill('SIGHUP');
    await metricsShow(/^probe_success\{service="cache",check="hup"\} 1$/m);
    expect(await metrics()).toMatch(/^healthcheck_config_last_reload_successful 1$/m);
  });

  it('reloads on POST /-/reload: a new check appears, a removed one goes, an unchanged one keeps its result', async () => {
    writeConfig([tcpCheck('tcp', target.port), tcpCheck('posted', target.port)]);
    const res = await reload();
    expect(await res.json()).toEqual({ status: 'reloaded' });
    // The unchanged check's result was carried over: it is there at once, before any new run.
    const right = await metrics();
    expect(right).toMatch(/^probe_success\{service="cache",check="tcp"\} 1$/m);
    expect(right).not.toMatch(/check="hup"/);
    await metricsShow(/^probe_success\{service="cache",check="posted"\} 1$/m);
  });

  it('keeps the old config serving when the new file is broken, saying so in a metric', async () => {
    writeFileSync(configFile, 'services: [\n');
    const res = await reload();
    expect(res.status).toBe(500);
    expect((await errorOf(res)).message).toMatch(/health-check\.yml:\d+:\d+: not valid YAML/);
    let text = await metrics();
    expect(text).toMatch(/^healthcheck_config_last_reload_successful 0$/m);
    expect(text).toMatch(/^probe_success\{service="cache",check="posted"\} 1$/m);

    // SIGHUP too: a good file first (the metric back to 1), then a broken one again.
    writeConfig([tcpCheck('tcp', target.port), tcpCheck('posted', target.port)]);
    exporter!.child.kill('SIGHUP');
    await metricsShow(/^healthcheck_config_last_reload_successful 1$/m);
    writeConfig([{ ...tcpCheck('tcp', target.port), kind: 'ping' }]);
    exporter!.child.kill('SIGHUP');
    await metricsShow(/^healthcheck_config_last_reload_successful 0$/m);
    text = await metrics();
    expect(text).toMatch(/^probe_success\{service="cache",check="posted"\} 1$/m);
  });

  it('refuses to move to another port by reload: that needs a restart', async () => {
    writeConfig([tcpCheck('tcp', target.port)], { server: { listen_address: '127.0.0.1', port: port + 1 } });
    const res = await reload();
    expect(res.status).toBe(500);
    expect((await errorOf(res)).message).toContain('server.port: changing it needs a restart');
    expect(await metrics()).toMatch(/^probe_success\{service="cache",check="posted"\} 1$/m);
  });

  it('stops on SIGTERM, exiting 0', async () => {
    exporter!.child.kill('SIGTERM');
    expect(await exporter!.exited).toBe(0);
  });

  it('exits non-zero naming the address and server.port when the port is taken', async () => {
    const taken = await listenLocal(createServer());
    try {
      writeConfig([tcpCheck('tcp', target.port)], {
        server: { listen_address: '127.0.0.1', port: taken.port },
      });
      const proc = spawnProcess(process.execPath, [MAIN, '--config', configFile], { name: 'health-check' });
      expect(await proc.exited).toBe(1);
      expect(proc.output()).toContain(`cannot listen on 127.0.0.1:${taken.port}`);
      expect(proc.output()).toContain('server.port');
    } finally {
      await taken.close();
    }
  });
});
