import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, parseConfig } from '../src/config';
import { configRefusal } from '@vigil/testkit';
import { tempDir } from './helpers';

const refusal = (doc: unknown) => configRefusal(() => parseConfig(doc));
const withCheck = (check: Record<string, unknown>) => ({
  services: { api: { checks: [{ name: 'c', kind: 'tcp', host: 'db', port: 5432, ...check }] } },
});

describe('health-check configuration', () => {
  it('loads the example config, with defaults and services in dependency order', () => {
    const config = loadConfig(join(__dirname, '..', 'config.example.yml'));
    expect(config.server).toEqual({ listen_address: '0.0.0.0', port: 9470 });
    expect(config.services.map((s) => s.name)).toEqual(['postgres', 'mail', 'demo']);
    const healthz = config.services.find((s) => s.name === 'demo')!.checks[0]!;
    expect(healthz).toMatchObject({
      service: 'demo',
      name: 'healthz',
      kind: 'http',
      intervalMs: 15_000,
      timeoutMs: 2_000,
    });
    expect(healthz.spec).toMatchObject({
      url: 'http://127.0.0.1:8080/healthz',
      method: 'GET',
      expected_status: [200],
    });
    expect(config.services[0]!.checks[0]).toMatchObject({
      intervalMs: 30_000,
      timeoutMs: 5_000,
      critical: true,
    });
    expect(config.probe.modules.get('tcp_connect')).toMatchObject({
      kind: 'tcp',
      timeoutMs: 3_000,
      settings: { preferred_ip_protocol: 'ip6', ip_protocol_fallback: true, query_response: [] },
    });
  });

  it('names the key path of each bad value', () => {
    expect(refusal(withCheck({ kind: 'http', url: 'ftp://x', host: undefined, port: undefined }))).toContain(
      'services.api.checks[0].url: must be an http:// or https:// URL',
    );
    expect(refusal(withCheck({ port: 70000 }))).toContain('services.api.checks[0].port');
    expect(refusal(withCheck({ interval: 'soon' }))).toContain(
      'services.api.checks[0].interval: invalid duration',
    );
    expect(refusal(withCheck({ kind: 'ping' }))).toContain('services.api.checks[0].kind');
    expect(refusal(withCheck({ bogus: 1 }))).toContain('services.api.checks[0].bogus: unknown field');
    expect(refusal({ ...withCheck({}), max_concurrent_checks: 0 })).toContain('max_concurrent_checks');
  });

  it('refuses a bad regex, a timeout above the interval and duplicate check names', () => {
    expect(
      refusal(
        withCheck({ kind: 'http', url: 'http://a', host: undefined, port: undefined, body_regex: '(' }),
      ),
    ).toContain('services.api.checks[0].body_regex: Invalid regular expression');
    expect(
      refusal(
        withCheck({ kind: 'http', url: 'http://a', host: undefined, port: undefined, body_regex: '(a)\\1' }),
      ),
    ).toContain('services.api.checks[0].body_regex: /(a)\\1/ can only run by backtracking (a backreference');
    expect(refusal(withCheck({ interval: '1s', timeout: '2s' }))).toContain(
      'services.api.checks[0].timeout: must not exceed the interval (1s)',
    );
    // A timeout the check does not set is named where it is set.
    const defaults = { interval: '5s', timeout: '10s' };
    expect(refusal({ ...withCheck({}), defaults })).toBe(
      'defaults.timeout: 10s must not exceed defaults.interval (5s), which the checks that set neither take',
    );
    // Only checks take the interval: slow probe modules may have a longer default timeout.
    expect(() => parseConfig({ defaults, probe: { modules: { slow: { kind: 'http' } } } })).not.toThrow();
    expect(() => parseConfig({ ...withCheck({ interval: '30s' }), defaults })).not.toThrow();
    expect(refusal({ ...withCheck({ interval: '5s' }), defaults: { interval: '30s', timeout: '10s' } })).toBe(
      'services.api.checks[0].interval: is shorter than defaults.timeout (10s), which this check takes: give it a timeout of its own',
    );
    const twice = { name: 'c', kind: 'tcp', host: 'db', port: 1 };
    expect(refusal({ services: { api: { checks: [twice, twice] } } })).toContain(
      'services.api.checks[1].name: duplicate check name "c"',
    );
  });

  it('refuses unknown dependencies, self-dependencies and cycles, naming the cycle', () => {
    expect(refusal({ services: { api: { depends_on: ['db'] } } })).toContain(
      'services.api.depends_on[0]: unknown service "db"',
    );
    expect(refusal({ services: { api: { depends_on: ['api'] } } })).toContain('cannot depend on itself');
    expect(refusal({ services: { api: {}, web: { depends_on: ['api', 'api'] } } })).toContain(
      'services.web.depends_on[1]: "api" is listed already',
    );
    const cycle = {
      services: { a: { depends_on: ['b'] }, b: { depends_on: ['c'] }, c: { depends_on: ['a'] } },
    };
    expect(refusal(cycle)).toContain('services.a.depends_on: dependency cycle: a -> b -> c -> a');
    // Every cycle, each once.
    const two = refusal({
      services: { ...cycle.services, x: { depends_on: ['y'] }, y: { depends_on: ['x'] } },
    });
    expect(two.match(/dependency cycle/g)).toHaveLength(2);
    expect(two).toContain('services.x.depends_on: dependency cycle: x -> y -> x');
  });

  it('takes a chain of 20,000 services, deeper than any recursion goes', () => {
    const services = Object.fromEntries(
      Array.from({ length: 20_000 }, (_, i) => [`s${i}`, i === 0 ? {} : { depends_on: [`s${i - 1}`] }]),
    );
    expect(
      parseConfig({ services })
        .services.map((s) => s.name)
        .slice(0, 2),
    ).toEqual(['s0', 's1']);
  });

  it('refuses malformed probe allowlist entries', () => {
    expect(refusal({ probe: { allowed_targets: ['ok.example.com', 'a/b', 'x:99999'] } })).toBe(
      'probe.allowed_targets[1]: invalid host "a/b"; ' +
        'probe.allowed_targets[2]: expected host:port, got "x:99999"',
    );
  });

  it('places every problem of a file at its line and column, suggesting the key meant', () => {
    const { dir, cleanup } = tempDir();
    try {
      const path = join(dir, 'hc.yml');
      writeFileSync(
        path,
        'server:\n  port: 70000\nservices:\n  api:\n    description: API\n    checks:\n      - name: c\n        kind: tcp\n        host: db\n        prot: 1\n',
      );
      const message = configRefusal(() => loadConfig(path));
      expect(message.split('; ')).toEqual([
        `${path}:2:9: server.port: Too big: expected number to be <=65535`,
        // A missing key is placed at the object that lacks it.
        `${path}:7:9: services.api.checks[0].port: Invalid input: expected number, received undefined`,
        `${path}:10:9: services.api.checks[0].prot: unknown field (did you mean "port"?)`,
      ]);
    } finally {
      cleanup();
    }
  });

  it('refuses unreadable files, bad YAML and an unreadable ca_file, naming the file', () => {
    const { dir, cleanup } = tempDir();
    try {
      expect(() => loadConfig(join(dir, 'missing.yml'))).toThrow(/cannot read config file .*missing\.yml/);
      writeFileSync(join(dir, 'bad.yml'), 'services: [unclosed');
      expect(() => loadConfig(join(dir, 'bad.yml'))).toThrow(/bad\.yml:1:\d+: not valid YAML/);
      const ca = join(dir, 'nope.pem');
      expect(
        refusal(
          withCheck({
            kind: 'http',
            url: 'https://a',
            host: undefined,
            port: undefined,
            tls: { ca_file: ca },
          }),
        ),
      ).toContain(`services.api.checks[0].tls.ca_file: cannot read ${ca}`);
    } finally {
      cleanup();
    }
  });
});
