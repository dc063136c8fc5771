import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { freePort, tempDir } from '@vigil/testkit';
import { checkPluginsBuilt } from '../../scripts/stack/src/stack';

/** `npm run stack`'s refusals: each before anything starts, naming the flag or port at fault. */
const CLI = join(__dirname, '..', '..', 'scripts', 'stack', 'dist', 'src', 'cli.js');
const { dir, cleanup } = tempDir('vigil-stack-cli-');
afterAll(cleanup);

const stack = (...args: string[]) =>
  spawnSync(process.execPath, [CLI, '--data-dir', join(dir, 'data'), ...args], {
    encoding: 'utf8',
    timeout: 30_000,
  });

it('refuses a malformed duration by its flag, with the usage', () => {
  const run = stack('--scrape-interval', '5');
  expect(run.status).toBe(2);
  expect(run.stderr).toMatch(/^stack: --scrape-interval: "5" is not a duration/);
  expect(run.stderr).toMatch(/usage: npm run stack/);
});

it('refuses a base port that puts the last components above 65535', () => {
  const run = stack('--base-port', '65530');
  expect(run.status).toBe(2);
  expect(run.stderr).toMatch(/--base-port: "65530" puts the last component \(smtp\) on 65544/);
});

it('refuses a port already taken, naming the component, and starts nothing', async () => {
  const port = await freePort();
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(port, '127.0.0.1', resolve));
  try {
    const base = port - 9; // demo is component 9
    const run = stack('--base-port', String(base));
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^stack: ports already in use \(another stack\?\): /);
    expect(run.stderr).toContain(`demo ${port}`);
    expect(run.stdout).not.toMatch(/ready at/);
  } finally {
    taken.close();
  }
});

it('refuses an --alert-for naming no alerting rule, and starts nothing', () => {
  const run = stack('--alert-for', 'NoSuchAlert=1s');
  expect(run.status).toBe(1);
  expect(run.stderr).toMatch(
    /^stack: --alert-for: no alerting rule named NoSuchAlert in the rule files Prometheus loads \(\/.*rules\/prometheus\/\*\.rules\.yml/,
  );
  expect(run.stdout).not.toMatch(/ready at/);
});

describe('with Grafana on PATH', () => {
  const root = join(dir, 'repo');
  const build = (id: string) => {
    mkdirSync(join(root, 'grafana-plugins', id, 'dist'), { recursive: true });
    writeFileSync(join(root, 'grafana-plugins', id, 'dist', 'plugin.json'), '{}');
  };

  it('refuses to start it before the plugins are built, which Grafana would refuse to start without', () => {
    expect(() => checkPluginsBuilt(root)).toThrow(
      'grafana-plugins/vigil-healthscore-panel and grafana-plugins/vigil-incidents-app are not built: run npm run build:plugins',
    );
    build('vigil-healthscore-panel');
    expect(() => checkPluginsBuilt(root)).toThrow(/grafana-plugins\/vigil-incidents-app is not built/);
    build('vigil-incidents-app');
    expect(() => checkPluginsBuilt(root)).not.toThrow();
  });
});
