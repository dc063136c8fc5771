import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { stopAll, tempDir, waitFor } from '@vigil/testkit';
import { buildReceiver, startReceiver } from './processes';

const MAIN = join(__dirname, '..', 'dist', 'src', 'main.js');
const dir = tempDir('vigil-receiver-service-');
const TOKEN_A = 'token-a-0123456789abcdef';
const TOKEN_B = 'token-b-0123456789abcdef';

beforeAll(() => buildReceiver());
afterEach(() => stopAll());
afterAll(() => dir.cleanup());

const tokens = (name: string) => ({
  api: { tokens: [{ name, role: 'viewer', token: { env: name.toUpperCase() } }] },
});

describe('alert-webhook on the service kit', () => {
  it('serves process, Node.js and build series beside its own metrics', async () => {
    const receiver = await startReceiver(dir.dir, tokens('a'), { A: TOKEN_A });
    const text = await (await fetch(`${receiver.url}/metrics`)).text();
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
    expect(text).toMatch(/^vigil_build_info\{version="0\.1\.0",revision="[^"]+",nodejs="v[\d.]+"\} 1$/m);
    expect(text).toMatch(/^vigil_config_last_reload_successful 1$/m);
    expect(text).toMatch(/^vigil_leader 1$/m); // on SQLite, the one process leads
    expect(text).toMatch(/^# TYPE vigil_webhook_requests_total counter$/m);
  });

  it('reloads tokens without a restart, and keeps the running config when the new file is wrong', async () => {
    const receiver = await startReceiver(dir.dir, tokens('a'), { A: TOKEN_A, B: TOKEN_B });
    const configPath = join(dir.dir, 'alert-webhook.yml');
    const status = async (token: string) =>
      (await fetch(`${receiver.url}/api/v1/incidents`, { headers: { authorization: `Bearer ${token}` } }))
        .status;
    expect(await status(TOKEN_A)).toBe(200);
    expect(await status(TOKEN_B)).toBe(401);

    const running = yaml.load(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
    writeFileSync(configPath, yaml.dump({ ...running, ...tokens('b') }));
    receiver.child.kill('SIGHUP');
    await waitFor('the SIGHUP reload', async () => ((await status(TOKEN_B)) === 200 ? true : undefined));
    expect(await status(TOKEN_A)).toBe(401);

    // An unknown channel: refused, naming the line and key; the running configuration stays.
    writeFileSync(
      configPath,
      yaml.dump({ ...running, ...tokens('a'), routing: { team: 'ops', channels: ['nowhere'] } }),
    );
    const refused = await fetch(`${receiver.url}/-/reload`, { method: 'POST' });
    expect(refused.status).toBe(500);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(
      /alert-webhook\.yml:\d+:\d+: routing\.channels\[0\]: no notification channel named "nowhere"/,
    );
    expect(await status(TOKEN_B)).toBe(200);
    expect(await (await fetch(`${receiver.url}/metrics`)).text()).toMatch(
      /^vigil_config_last_reload_successful 0$/m,
    );

    // The listening port cannot change in place: refused by name.
    const server = running.server as Record<string, unknown>;
    writeFileSync(configPath, yaml.dump({ ...running, ...tokens('b'), server: { ...server, port: 1 } }));
    const restart = await fetch(`${receiver.url}/-/reload`, { method: 'POST' });
    expect(((await restart.json()) as { error: { message: string } }).error.message).toContain(
      'alert-webhook.yml:12:9: server.port: changing it needs a restart',
    );
    // Nor any other server or storage key: each changed one is named.
    writeFileSync(
      configPath,
      yaml.dump({ ...running, ...tokens('b'), server: { ...server, body_limit_bytes: 1024 } }),
    );
    const limit = await fetch(`${receiver.url}/-/reload`, { method: 'POST' });
    expect(((await limit.json()) as { error: { message: string } }).error.message).toMatch(
      /alert-webhook\.yml:\d+:\d+: server\.body_limit_bytes: changing it needs a restart \(the reload is refused; the running configuration stays\)/,
    );

    writeFileSync(configPath, yaml.dump({ ...running, ...tokens('b') }));
    expect((await fetch(`${receiver.url}/-/reload`, { method: 'POST' })).status).toBe(200);
    expect(await (await fetch(`${receiver.url}/metrics`)).text()).toMatch(
      /^vigil_config_last_reload_successful 1$/m,
    );
  });

  it('refuses a misspelt flag instead of starting on defaults', () => {
    const result = spawnSync(process.execPath, [MAIN, '--confg', 'x.yml'], {
      encoding: 'utf8',
      cwd: dir.dir,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('alert-webhook: unknown flag --confg (did you mean --config?)');
  });

  it('checks the shipped example configs with --check-config', () => {
    for (const example of ['config.example.yml']) {
      const result = spawnSync(
        process.execPath,
        [MAIN, '--check-config', '--config', join(__dirname, '..', example)],
        {
          encoding: 'utf8',
        },
      );
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    }
    const bad = join(dir.dir, 'bad.yml');
    writeFileSync(bad, 'server:\n  prot: 1\nrouting:\n  channels: [nobody]\n');
    const result = spawnSync(process.execPath, [MAIN, '--check-config', '--config', bad], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${bad}:2:3: server.prot: unknown field (did you mean "port"?)`);
  });

  it("refuses a web config's basic_auth_users, which no webhook delivery or API call could get past with its own credential", () => {
    const web = join(dir.dir, 'web.yml');
    // bcrypt of "secret"
    writeFileSync(
      web,
      'basic_auth_users:\n  prom: $2b$10$rtX6gcQSiTo1mxZ0DDOHGuLDq49OvFOVyqQbjcodE/dW6V/yN1isS\n',
    );
    for (const mode of [['--check-config'], []]) {
      const result = spawnSync(process.execPath, [MAIN, ...mode, '--web.config.file', web], {
        encoding: 'utf8',
        env: { ...process.env, VIGIL_WEBHOOK_CONFIG: '' },
        timeout: 20_000,
      });
      expect(result.status).toBe(mode.length > 0 ? 1 : 2);
      // Placed in the file like every other problem of it: file, line and column of the key.
      expect(result.stderr).toContain(
        `alert-webhook: ${web}:1:1: basic_auth_users: cannot guard alert-webhook: Alertmanager's webhook credential and the API tokens take the one Authorization header`,
      );
    }
  });
});
