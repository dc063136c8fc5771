import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  compiledService,
  errorOf,
  freePort,
  serviceEndpoints,
  spawnProcess,
  tempDir,
  type RunningProcess,
} from '@vigil/testkit';
import { GOLDEN_DOC } from './helpers';

const service = compiledService(join(__dirname, '..'));
const { main: MAIN, run } = service;

const lines = (...ids: (string | number)[]) => ids.map((id) => `line ${id}\n`).join('');
const SEEN = { name: 'seen_total', type: 'counter', help: 'Lines by id.', labels: { id: 'id' } };
const ID = { kind: 'regex', pattern: '^line (?<id>\\S+)$' };

describe('the log exporter as a process', () => {
  const temp = tempDir('vigil-logs-service-');
  const configFile = join(temp.dir, 'logs.yml');
  const appLog = join(temp.dir, 'app.log');
  const otherLog = join(temp.dir, 'other.log');
  const stateFile = join(temp.dir, 'offsets.json');
  let port: number;
  let url: string;
  let exporter: RunningProcess | undefined;

  /** Writes the config file (JSON is YAML): source "app" on app.log, counting lines by id. */
  const writeConfig = (extra: Record<string, unknown> = {}, server = { listen_address: '127.0.0.1', port }) =>
    writeFileSync(
      configFile,
      JSON.stringify({
        server,
        state_file: stateFile,
        files: { poll_interval: '50ms', start_at: 'beginning' },
        sources: { app: { input: { kind: 'file', include: [appLog] }, parser: ID } },
        metrics: [SEEN],
        ...extra,
      }),
    );
  let endpoints: ReturnType<typeof serviceEndpoints>;
  const metrics = () => endpoints.metrics();
  const metricsShow = (pattern: RegExp) => endpoints.metricsShow(exporter as RunningProcess, pattern);
  const reload = () => endpoints.reload();

  beforeAll(async () => {
    service.build();
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    endpoints = serviceEndpoints(url);
  });
  afterAll(async () => {
    await exporter?.stop();
    temp.cleanup();
  });

  it('checks a good config file, exiting 0', async () => {
    writeConfig();
    const { status, stdout } = await run(['--check-config', '--config', configFile]);
    expect(stdout).toContain(`${configFile}: SUCCESS`);
    expect(status).toBe(0);
  });

  it('prints every problem of a bad config file with line and column, exiting 1', async () => {
    const bad = join(temp.dir, 'bad.yml');
    writeFileSync(
      bad,
      [
        'server:',
        '  port: "x"',
        'sources:',
        '  app:',
        '    input: { kind: file, include: [/var/log/app.log] }',
        '    parser: { kind: json }',
        'metrics:',
        '  - name: x_total',
        '    type: counter',
        '    help: Lines.',
        '    lables: { level: level }',
        '',
      ].join('\n'),
    );
    const { status, stderr } = await run(['--check-config', '--config', bad]);
    expect(stderr).toContain(`${bad}:2:9: server.port: Invalid input: expected number, received string`);
    expect(stderr).toContain(`${bad}:11:5: metrics[0].lables: unknown field (did you mean "labels"?)`);
    expect(stderr).toContain('(2 problems)');
    expect(status).toBe(1);
  });

  it('refuses a misspelt flag with a suggestion, exiting 2', async () => {
    const { status, stderr } = await run(['--confg', 'x']);
    expect(stderr).toContain('unknown flag --confg (did you mean --config?)');
    expect(status).toBe(2);
  });

  it('prints the golden exposition with --one-shot, and nothing else', async () => {
    const file = join(temp.dir, 'golden.yml');
    writeFileSync(file, JSON.stringify(GOLDEN_DOC));
    const { status, stdout } = await run(['--config', file, '--one-shot']);
    expect(status).toBe(0);
    // The exposition the app serves, rendered after the files were read and closed (none open) and timed.
    const golden = readFileSync(join(__dirname, 'golden', 'metrics.prom'), 'utf8').replace(
      /^(logexporter_open_files\{.*\}) 1$/gm,
      '$1 0',
    );
    const duration = /^logexporter_scrape_duration_seconds .*$/m;
    expect(stdout.replace(duration, 'logexporter_scrape_duration_seconds 0')).toBe(golden);
  });

  it('counts a last line without its newline with --one-shot, as mtail --one_shot does', async () => {
    writeFileSync(appLog, `${lines(1, 2)}line 3`);
    writeConfig();
    const { status, stdout } = await run(['--config', configFile, '--one-shot']);
    expect(status).toBe(0);
    expect(stdout.match(/^seen_total\{id="\d"\} 1$/gm)).toEqual([
      'seen_total{id="1"} 1',
      'seen_total{id="2"} 1',
      'seen_total{id="3"} 1',
    ]);
  });

  it('serves its metrics with process, Node.js and build series, ready once its sources have started', async () => {
    writeFileSync(appLog, lines(1, 2));
    writeConfig();
    exporter = await service.start(['--config', configFile], url, 'logs');
    const text = await metrics();
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_heap_size_total_bytes \d/m);
    expect(text).toMatch(
      /^logexporter_build_info\{version="0\.1\.0",revision="[^"]+",nodejs="v[\d.]+"\} 1$/m,
    );
    expect(text).toMatch(/^logexporter_config_last_reload_successful 1$/m);
    expect(text).toMatch(/^seen_total\{id="2"\} 1$/m);
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ status: 'ready' });
  });

  it('reloads on SIGHUP: a new metric counts from then on, and no line is lost or counted twice', async () => {
    appendFileSync(appLog, lines(3));
    await metricsShow(/^seen_total\{id="3"\} 1$/m);
    appendFileSync(appLog, lines(4) + 'line 5'); // the last line is not finished at the reload
    writeConfig({ metrics: [SEEN, { ...SEEN, name: 'after_total', help: 'Lines after the reload.' }] });
    exporter!.child.kill('SIGHUP');
    await metricsShow(/^# TYPE after_total counter$/m);
    appendFileSync(appLog, '5\n' + lines(6));
    await metricsShow(/^after_total\{id="6"\} 1$/m);
    const text = await metrics();
    for (const id of [1, 2, 3, 4, 55, 6])
      expect(text).toMatch(new RegExp(`^seen_total\\{id="${id}"\\} 1$`, 'm'));
    expect(text).toMatch(/^after_total\{id="55"\} 1$/m);
    expect(text).toMatch(/^logexporter_config_last_reload_successful 1$/m);
  });

  it('reloads on POST /-/reload: a new source is read', async () => {
    writeFileSync(otherLog, lines('o1'));
    writeConfig({
      metrics: [SEEN, { ...SEEN, name: 'after_total', help: 'Lines after the reload.' }],
      sources: {
        app: { input: { kind: 'file', include: [appLog] }, parser: ID },
        other: { input: { kind: 'file', include: [otherLog] }, parser: ID },
      },
    });
    const res = await reload();
    expect(await res.json()).toEqual({ status: 'reloaded' });
    appendFileSync(otherLog, lines('o2'));
    // start_at beginning: the file the new source found is read whole.
    await metricsShow(/^seen_total\{id="o2"\} 1$/m);
    const text = await metrics();
    expect(text).toMatch(/^seen_total\{id="o1"\} 1$/m);
    expect(text).toMatch(/^logexporter_lines_read_total\{source="other"\} 2$/m);
    expect(text).toMatch(/^logexporter_lines_read_total\{source="app"\} 6$/m);
  });

  it('keeps the old config serving when the new file is broken, saying so in a metric', async () => {
    writeFileSync(configFile, 'sources: [\n');
    const res = await reload();
    expect(res.status).toBe(500);
    expect((await errorOf(res)).message).toMatch(/logs\.yml:\d+:\d+: not valid YAML/);
    expect(await metrics()).toMatch(/^logexporter_config_last_reload_successful 0$/m);
    appendFileSync(otherLog, lines('o3'));
    await metricsShow(/^seen_total\{id="o3"\} 1$/m);

    // By SIGHUP too, with a file that is YAML but not a valid config.
    writeConfig();
    exporter!.child.kill('SIGHUP');
    await metricsShow(/^logexporter_config_last_reload_successful 1$/m);
    writeConfig({ metrics: [{ ...SEEN, type: 'gauge' }] });
    exporter!.child.kill('SIGHUP');
    await metricsShow(/^logexporter_config_last_reload_successful 0$/m);
    appendFileSync(appLog, lines(7));
    await metricsShow(/^seen_total\{id="7"\} 1$/m);
  });

  it('refuses a reload that moves the listening port: it needs a restart', async () => {
    writeConfig({}, { listen_address: '127.0.0.1', port: port + 1 });
    const res = await reload();
    expect(res.status).toBe(500);
    const error = await errorOf(res);
    expect(error.message).toContain(`server.port: changing it needs a restart`);
    expect(await metrics()).toMatch(/^logexporter_config_last_reload_successful 0$/m);
  });

  it('exits non-zero, naming the address and server.port, when its port is taken', async () => {
    writeConfig();
    const second = spawnProcess(process.execPath, [MAIN, '--config', configFile], { name: 'logs-2' });
    const status = await second.exited;
    expect(status).not.toBe(0);
    expect(second.output()).toContain(`127.0.0.1:${port}`);
    expect(second.output()).toContain('server.port');
    expect(second.output()).toContain('EADDRINUSE');
  });

  it('stops on SIGTERM, saving its offsets', async () => {
    await exporter!.stop('SIGTERM');
    expect(exporter!.exitStatus).toBe(0);
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as {
      offsets: Record<string, { path: string }>;
    };
    expect(Object.values(state.offsets).map((o) => o.path)).toContain(appLog);
    exporter = undefined;
  });

  it('exits 1 at start, naming state_file, when the state file cannot be written', async () => {
    // Under /proc no directory can be made (Node's own mkdir -p never returned there).
    writeConfig(
      { state_file: '/proc/vigil-not-here/offsets.json' },
      { listen_address: '127.0.0.1', port: await freePort() },
    );
    const proc = spawnProcess(process.execPath, [MAIN, '--config', configFile], { name: 'logs-state' });
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toContain(
      "logs: state_file: cannot write: ENOENT: no such file or directory, mkdir '/proc/vigil-not-here'",
    );
  });
});
