import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import {
  compiledService,
  freePort,
  makeCertificates,
  spawnProcess,
  startPrometheus,
  stopAll,
  tempDir,
  waitFor,
  type RunningProcess,
} from '@vigil/testkit';

const PACKAGE = join(__dirname, '..');
const GREETER = join(PACKAGE, 'dist', 'test', 'fixtures', 'greeter.js');
const dir = tempDir('vigil-kit-service-');

beforeAll(() => compiledService(PACKAGE).build());
afterEach(() => stopAll());
afterAll(() => dir.cleanup());

function config(name: string, text: string): string {
  const path = join(dir.dir, name);
  writeFileSync(path, text);
  return path;
}

const run = (args: string[]) => spawnSync(process.execPath, [GREETER, ...args], { encoding: 'utf8' });

async function start(
  configPath: string,
  extra: string[] = [],
): Promise<{ proc: RunningProcess; url: string }> {
  const proc = spawnProcess(process.execPath, [GREETER, '--config', configPath, ...extra], {
    name: 'greeter',
  });
  const match = await proc.waitForOutput(/"url":"(https?:\/\/[^"]+)"/);
  return { proc, url: match[1] as string };
}

const metric = async (url: string, name: string) =>
  new RegExp(`^${name} (\\S+)$`, 'm').exec(await (await fetch(`${url}/metrics`)).text())?.[1];

describe('the command line', () => {
  it('refuses a misspelt flag, naming the likely one, with exit code 2', () => {
    const result = run(['--confg', 'x.yml']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('greeter: unknown flag --confg (did you mean --config?)');
    expect(result.stderr).toContain('usage: greeter');
  });

  it("names Vigil's flag for Prometheus's spelling of it", () => {
    expect(run(['--config.check']).stderr).toContain(
      'greeter: unknown flag --config.check (did you mean --check-config?)',
    );
    expect(run(['--config.file', 'x.yml']).stderr).toContain(
      'greeter: unknown flag --config.file (did you mean --config?)',
    );
    expect(run(['--web.config=web.yml']).stderr).toContain(
      'greeter: unknown flag --web.config (did you mean --web.config.file?)',
    );
    // Where Prometheus's exporters take a flag, the setting lives in the file here.
    const listen = run(['--web.listen-address=:9115']);
    expect(listen.status).toBe(2);
    expect(listen.stderr).toContain(
      'greeter: unknown flag --web.listen-address: set server.listen_address and server.port in the configuration file (--config)',
    );
    expect(run(['--log.level', 'debug']).stderr).toContain(
      'greeter: unknown flag --log.level: set log_level in the configuration file (--config)',
    );
  });

  it('prints the version, revision and Node.js version', () => {
    const result = run(['--version']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^greeter, version 1\.2\.3 \(revision: \S+\), node v\d+/);
  });

  it('--check-config prints every problem with its line and column and exits 1, or SUCCESS and 0', () => {
    const bad = config('bad.yml', 'greeting: ""\nslow: soon\ngretting: hi\n');
    const result = run(['--check-config', '--config', bad]);
    expect(result.status).toBe(1);
    expect(result.stderr.split('\n').filter((l) => l.startsWith(`greeter: ${bad}:`))).toEqual([
      `greeter: ${bad}:1:11: greeting: Too small: expected string to have >=1 characters`,
      `greeter: ${bad}:2:7: slow: invalid duration "soon" (expected e.g. 500ms, 30s, 5m, 1h30m)`,
      `greeter: ${bad}:3:1: gretting: unknown field (did you mean "greeting"?)`,
    ]);
    const good = config('good.yml', 'greeting: hello\n');
    const ok = run(['--check-config', '--config', good]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('SUCCESS');
  });

  it('prints a problem list longer than a pipe holds whole, to a reader slower than the exit', () => {
    const keys = Array.from({ length: 2000 }, (_, i) => `unknown_key_number_${i}: 1`);
    const bad = config('long.yml', `greeting: hi\n${keys.join('\n')}\n`);
    // Through a pipe (64 KiB) read only after a second, as `--check-config 2>&1 | less` would be.
    const { stdout } = spawnSync(
      'sh',
      ['-c', '"$0" "$1" --check-config --config "$2" 2>&1 | (sleep 1; cat)', process.execPath, GREETER, bad],
      { encoding: 'utf8' },
    );
    expect(stdout.length).toBeGreaterThan(65_536);
    expect(stdout.split('\n').filter((l) => l.includes(': unknown_key_number_'))).toHaveLength(2000);
    expect(stdout).toMatch(/greeter: \S+long\.yml is invalid \(2000 problems\)\n$/);
  });

  it('needs a config file, from the flag or the environment variable', () => {
    expect(run([]).stderr).toContain('give --config <file> or GREETER_CONFIG');
    const viaEnv = spawnSync(process.execPath, [GREETER, '--check-config'], {
      encoding: 'utf8',
      env: { ...process.env, GREETER_CONFIG: config('env.yml', 'greeting: hi\n') },
    });
    expect(viaEnv.status).toBe(0);
  });
});

describe('a running service', () => {
  it('serves /healthz, /readyz and /metrics with process, Node.js and build series', async () => {
    const { url } = await start(config('run.yml', 'greeting: hello\n'));
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ status: 'ready' });
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_heap_size_total_bytes \d/m);
    expect(text).toMatch(/^greeter_build_info\{version="1\.2\.3",revision="[^"]+",nodejs="v[\d.]+"\} 1$/m);
    expect(text).toMatch(/^greeter_greeting_length 5$/m);
    expect(await (await fetch(`${url}/nope`)).json()).toEqual({
      error: { code: 'not_found', message: 'no such endpoint', details: [] },
    });
  });

  it('reloads on SIGHUP and POST /-/reload, and keeps the old config when the new one is wrong', async () => {
    const path = config('reload.yml', 'greeting: hello\n');
    const { proc, url } = await start(path);
    const greeting = async () => ((await (await fetch(url)).json()) as { greeting: string }).greeting;
    const firstLoad = Number(await metric(url, 'greeter_config_last_reload_success_timestamp_seconds'));

    writeFileSync(path, 'greeting: bonjour\n');
    proc.child.kill('SIGHUP');
    await waitFor('the SIGHUP reload', async () => ((await greeting()) === 'bonjour' ? true : undefined));

    writeFileSync(path, 'greeting: hallo\n');
    const ok = await fetch(`${url}/-/reload`, { method: 'POST' });
    expect(ok.status).toBe(200);
    expect(await greeting()).toBe('hallo');
    expect(await metric(url, 'greeter_config_last_reload_successful')).toBe('1');
    expect(
      Number(await metric(url, 'greeter_config_last_reload_success_timestamp_seconds')),
    ).toBeGreaterThanOrEqual(firstLoad);

    writeFileSync(path, 'greeting: hola\nbogus: 1\n');
    const refused = await fetch(`${url}/-/reload`, { method: 'POST' });
    expect(refused.status).toBe(500);
    const body = (await refused.json()) as {
      error: { code: string; message: string; details: { field: string; message: string }[] };
    };
    expect(body.error.code).toBe('reload_failed');
    expect(body.error.message).toContain(`${path}:2:1: bogus: unknown field`);
    expect(body.error.details).toEqual([{ field: 'bogus', message: `${path}:2:1: unknown field` }]);
    expect(await greeting()).toBe('hallo');
    expect(await metric(url, 'greeter_config_last_reload_successful')).toBe('0');
    proc.child.kill('SIGHUP');
    await proc.waitForOutput(/configuration reload failed; the previous configuration stays in force/);
    expect(await greeting()).toBe('hallo');

    // PUT as Prometheus takes it; another method is told which ones are, rather than "no such endpoint".
    writeFileSync(path, 'greeting: ciao\n');
    expect((await fetch(`${url}/-/reload`, { method: 'PUT' })).status).toBe(200);
    expect(await greeting()).toBe('ciao');
    const get = await fetch(`${url}/-/reload`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST, PUT');
    expect(((await get.json()) as { error: { code: string; message: string } }).error).toEqual({
      code: 'method_not_allowed',
      message: 'GET /-/reload: use POST or PUT',
      details: [],
    });
    const post = await fetch(`${url}/metrics`, { method: 'POST' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
  });

  it('logs "listening" only once bound; a port in use names the address and the keys, and exits 1', async () => {
    const blocker = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const proc = spawnProcess(process.execPath, [
        GREETER,
        '--config',
        config('busy.yml', `greeting: hi\nserver:\n  port: ${port}\n`),
      ]);
      expect(await proc.exited).toBe(1);
      expect(proc.output()).toContain(
        `greeter: cannot listen on 127.0.0.1:${port}: address already in use (EADDRINUSE); set by server.listen_address`,
      );
      expect(proc.output()).toContain('set by server.listen_address and server.port in');
      expect(proc.output()).not.toContain('listening');
    } finally {
      blocker.close();
    }
  });

  it('lets in-flight requests finish on SIGTERM, then exits 0', async () => {
    const { proc, url } = await start(config('drain.yml', 'greeting: hi\nslow: 700ms\n'));
    const slow = fetch(`${url}/slow`);
    await new Promise((r) => setTimeout(r, 200));
    proc.child.kill('SIGTERM');
    expect((await slow).status).toBe(200);
    expect(await proc.exited).toBe(0);
  });

  it('on SIGTERM during start-up, finishes starting (a first pass, a recovery), then stops and exits 0', async () => {
    const { proc } = await start(config('warm.yml', 'greeting: hi\nwarm_up: 800ms\n'));
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    const output = proc.output();
    expect(output).toContain('"msg":"shutting down once started"');
    // Stopped, and only once the start-up work was done.
    expect(output).toMatch(/"warmedUp":true,"msg":"greeter stopped"/);
  });
});

describe('web config (exporter-toolkit format)', () => {
  beforeAll(() => makeCertificates(dir.dir));

  const file = (name: string) => join(dir.dir, name);
  const hash = bcrypt.hashSync('scrape-pass', 10);

  it('serves TLS with basic auth that a real Prometheus scrapes, and refuses wrong credentials', async () => {
    const web = config(
      'web.yml',
      [
        'tls_server_config:',
        `  cert_file: ${file('server.crt')}`,
        `  key_file: ${file('server.key')}`,
        'http_server_config:',
        '  headers:',
        '    X-Frame-Options: deny',
        'basic_auth_users:',
        `  prometheus: '${hash}'`,
        '',
      ].join('\n'),
    );
    const { url } = await start(config('tls.yml', 'greeting: secure\n'), ['--web.config.file', web]);
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const get = (auth?: string) =>
      new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
        const req = request(
          `${url}/metrics`,
          { ca: readFileSync(file('ca.crt')), headers: auth ? { authorization: auth } : {} },
          (res) => {
            res.resume();
            resolve({ status: res.statusCode ?? 0, headers: res.headers });
          },
        );
        req.on('error', reject);
        req.end();
      });
    const basic = (user: string, pass: string) =>
      `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    expect((await get()).status).toBe(401);
    expect((await get(basic('prometheus', 'wrong'))).status).toBe(401);
    expect((await get(basic('nobody', 'scrape-pass'))).status).toBe(401);
    const ok = await get(basic('prometheus', 'scrape-pass'));
    expect(ok.status).toBe(200);
    expect(ok.headers['x-frame-options']).toBe('deny');

    const target = url.replace('https://', '');
    const prometheus = await startPrometheus({
      config: {
        global: { scrape_interval: '1s' },
        scrape_configs: [
          {
            job_name: 'greeter',
            scheme: 'https',
            tls_config: { ca_file: file('ca.crt') },
            basic_auth: { username: 'prometheus', password: 'scrape-pass' },
            static_configs: [{ targets: [target] }],
          },
        ],
      },
    });
    await waitFor(
      'Prometheus to scrape the greeter over TLS with basic auth',
      async () =>
        (await prometheus.query('greeter_build_info and on() up{job="greeter"} == 1')).length === 1
          ? true
          : undefined,
      { timeoutMs: 30_000 },
    );
  });

  it('requires a client certificate signed by the client CA when configured', async () => {
    const web = config(
      'mtls.yml',
      [
        'tls_server_config:',
        `  cert_file: ${file('server.crt')}`,
        `  key_file: ${file('server.key')}`,
        '  client_auth_type: RequireAndVerifyClientCert',
        `  client_ca_file: ${file('ca.crt')}`,
        '',
      ].join('\n'),
    );
    const { url } = await start(config('mtls-svc.yml', 'greeting: mtls\n'), ['--web.config.file', web]);
    const get = (withCert: boolean) =>
      new Promise<number>((resolve) => {
        const req = request(
          `${url}/healthz`,
          {
            ca: readFileSync(file('ca.crt')),
            ...(withCert
              ? { cert: readFileSync(file('client.crt')), key: readFileSync(file('client.key')) }
              : {}),
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', () => resolve(-1));
        req.end();
      });
    expect(await get(false)).toBe(-1);
    expect(await get(true)).toBe(200);
  });

  /** --check-config of a valid main configuration with this web configuration. */
  const checkWeb = (web: string) =>
    run(['--check-config', '--config', config('ok.yml', 'greeting: hi\n'), '--web.config.file', web]);

  it('refuses a web config with unsupported or wrong keys at --check-config, naming them', () => {
    const web = config(
      'bad-web.yml',
      'tls_server_config:\n  cert_file: /nonexistent.crt\n  key_file: x\n  cipher_suites: [TLS_AES_128_GCM_SHA256]\nbasic_auth_users:\n  a: plaintext\n',
    );
    const result = checkWeb(web);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${web}:4:18: tls_server_config.cipher_suites: not supported`);
    expect(result.stderr).toContain(`${web}:6:6: basic_auth_users.a: must be a bcrypt hash`);
    // The summary names the file at fault, not the (valid) main configuration.
    expect(result.stderr).toMatch(new RegExp(`greeter: ${web} is invalid \\(\\d+ problems\\)\\n$`));
  });

  it('refuses at --check-config every TLS file that cannot be read, a swapped certificate and key, and a pair that does not match', () => {
    const check = (name: string, cert: string, key: string) => {
      const result = checkWeb(config(name, `tls_server_config:\n  cert_file: ${cert}\n  key_file: ${key}\n`));
      expect(result.status).toBe(1);
      return result.stderr;
    };
    const missing = check('missing.yml', '/nonexistent.crt', '/nonexistent.key');
    expect(missing).toContain('tls_server_config.cert_file: cannot read /nonexistent.crt');
    expect(missing).toContain('tls_server_config.key_file: cannot read /nonexistent.key');
    const swapped = check('swapped.yml', file('server.key'), file('server.crt'));
    expect(swapped).toContain(`tls_server_config.cert_file: not a PEM certificate (${file('server.key')})`);
    expect(swapped).toContain(`tls_server_config.key_file: not a PEM private key (${file('server.crt')})`);
    expect(check('mismatch.yml', file('server.crt'), file('client.key'))).toContain(
      `tls_server_config.key_file: does not belong to the certificate ${file('server.crt')}`,
    );
  });

  it('keeps the running configuration and credentials when a reload brings a key that does not match', async () => {
    const web = (key: string, user: string) =>
      [
        'tls_server_config:',
        `  cert_file: ${file('server.crt')}`,
        `  key_file: ${key}`,
        'basic_auth_users:',
        `  ${user}: '${hash}'`,
        '',
      ].join('\n');
    const webPath = config('reload-web.yml', web(file('server.key'), 'first'));
    const mainPath = config('reload-tls.yml', 'greeting: before\n');
    const { url } = await start(mainPath, ['--web.config.file', webPath]);
    const get = (path: string, user: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const auth = `Basic ${Buffer.from(`${user}:scrape-pass`).toString('base64')}`;
        const req = request(
          `${url}${path}`,
          {
            method: path === '/-/reload' ? 'POST' : 'GET',
            ca: readFileSync(file('ca.crt')),
            headers: { authorization: auth },
          },
          (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end();
      });
    writeFileSync(webPath, web(file('client.key'), 'second'));
    writeFileSync(mainPath, 'greeting: after\n');
    const reload = await get('/-/reload', 'first');
    expect(reload.status).toBe(500);
    expect(reload.body).toContain('does not belong to the certificate');
    expect((await get('/', 'first')).body).toContain('before');
    expect((await get('/', 'second')).status).toBe(401);
  });
});
