import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import {
  ConfigError,
  duration,
  loadConfigFile,
  parseDuration,
  positiveDuration,
  timerDuration,
  MAX_TIMER_MS,
  resolveSecret,
  secret,
  serverSchema,
  validateConfig,
} from '../src';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-kit-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function problems(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return err.message.split('; ');
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const schema = z.strictObject({
  server: z
    .strictObject({ port: z.number().int().default(1), listen_address: z.string().default('0.0.0.0') })
    .prefault({}),
  services: z
    .record(
      z.string(),
      z.strictObject({ checks: z.array(z.strictObject({ url: z.url(), interval: duration.optional() })) }),
    )
    .default({}),
});

describe('durations', () => {
  it('parses Prometheus-style durations and refuses anything else', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('0s')).toBe(0);
    expect(parseDuration('5 minutes')).toBeUndefined();
    expect(duration.safeParse('2w').data).toBe(1_209_600_000);
    expect(positiveDuration.safeParse('0s').success).toBe(false);
  });

  it("follows Prometheus's grammar: units largest first, each once", () => {
    expect(parseDuration('1y2w3d4h5m6s7ms')).toBe(
      31_536_000_000 + 2 * 604_800_000 + 3 * 86_400_000 + 4 * 3_600_000 + 5 * 60_000 + 6000 + 7,
    );
    for (const bad of ['1s1h', '1m1m', '30m1h', '', 'ms', '1.5h'])
      expect({ bad, ms: parseDuration(bad) }).toEqual({ bad, ms: undefined });
  });

  it('keeps timer durations within what a timer can wait: a longer one would fire at once, again and again', () => {
    expect(timerDuration.safeParse('24d').data).toBe(24 * 86_400_000);
    expect(timerDuration.safeParse('24d20h31m23s647ms').data).toBe(MAX_TIMER_MS);
    expect(timerDuration.safeParse('30d').error?.issues[0]?.message).toBe(
      'must be at most 24d20h31m23s647ms (a timer cannot wait longer)',
    );
    expect(timerDuration.safeParse('0s').success).toBe(false);
  });
});

describe('config files', () => {
  it('names file, line and column and key path of every problem, with a suggestion for a misspelt key', () => {
    const path = file(
      'svc.yml',
      [
        'server:',
        '  port: "x"',
        '  listen_adress: 127.0.0.1',
        'services:',
        '  api:',
        '    checks:',
        '      - url: nope',
        '        intervall: 5s',
        'bogus: 1',
        '',
      ].join('\n'),
    );
    expect(problems(() => loadConfigFile(path, (doc) => validateConfig(schema, doc)))).toEqual([
      `${path}:2:9: server.port: Invalid input: expected number, received string`,
      `${path}:3:3: server.listen_adress: unknown field (did you mean "listen_address"?)`,
      `${path}:7:14: services.api.checks[0].url: Invalid URL`,
      `${path}:8:9: services.api.checks[0].intervall: unknown field (did you mean "interval"?)`,
      `${path}:9:1: bogus: unknown field`,
    ]);
  });

  it('takes a key written without a value as absent where it may be, and refuses it where a value is required', () => {
    // `server:` whose lines are all commented out, as a user disables a section: its defaults apply.
    const empty = file('empty.yml', 'server:\n#  port: 2\nservices:\n  api:\n    checks:\n      - url:\n');
    expect(problems(() => loadConfigFile(empty, (doc) => validateConfig(schema, doc)))).toEqual([
      `${empty}:6:13: services.api.checks[0].url: Invalid input: expected string, received null`,
    ]);
    const sections = file('sections.yml', 'server:\n  port:\nservices:\n');
    expect(loadConfigFile(sections, (doc) => validateConfig(schema, doc))).toEqual({
      server: { port: 1, listen_address: '0.0.0.0' },
      services: {},
    });
    // A map's value and a list's item have no default: their nulls are refused, not dropped.
    const labels = z.strictObject({ labels: z.record(z.string(), z.string()).default({}) });
    expect(problems(() => validateConfig(labels, { labels: { team: null } }))).toEqual([
      'labels.team: Invalid input: expected string, received null',
    ]);
    expect(problems(() => validateConfig(schema, { services: { api: { checks: [null] } } }))).toEqual([
      'services.api.checks[0]: Invalid input: expected object, received null',
    ]);
  });

  it('refuses a listen address that listening would fail on, at the check', () => {
    const listen = (address: string) => serverSchema(1).safeParse({ listen_address: address }).success;
    for (const good of ['0.0.0.0', '::', '::1', '127.0.0.1', 'localhost', 'metrics-1.example.com'])
      expect({ good, ok: listen(good) }).toEqual({ good, ok: true });
    for (const bad of ['', 'not an ip', '999.1.1.1', '[::1]', 'host_name', `${'a'.repeat(64)}.com`])
      expect({ bad, ok: listen(bad) }).toEqual({ bad, ok: false });
    expect(serverSchema(1).safeParse({ listen_address: '' }).error?.issues[0]?.message).toBe(
      'must be an IP address or a host name (0.0.0.0: every interface)',
    );
  });

  it('names one problem for a port out of range, however large', () => {
    for (const port of [65536, 1e20])
      expect(
        serverSchema(1)
          .safeParse({ port })
          .error?.issues.map((i) => i.message),
      ).toEqual(['Too big: expected number to be <=65535']);
  });

  it("says why a map's key is refused, at the key", () => {
    const named = z.strictObject({
      services: z.record(z.string().regex(/^[a-z]+$/, 'must be lowercase letters'), z.number()),
    });
    const path = file('keys.yml', 'services:\n  api: 1\n  "bad name": 2\n');
    expect(problems(() => loadConfigFile(path, (doc) => validateConfig(named, doc)))).toEqual([
      `${path}:3:3: services.bad name: not a valid key: must be lowercase letters`,
    ]);
  });

  it('refuses bad YAML, duplicate keys and alias bombs naming where', () => {
    expect(problems(() => loadConfigFile(file('bad.yml', 'a: [unclosed\n'), (d) => d))[0]).toMatch(
      /bad\.yml:\d+:\d+: not valid YAML/,
    );
    expect(problems(() => loadConfigFile(file('dup.yml', 'a: 1\na: 2\n'), (d) => d))[0]).toMatch(
      /dup\.yml:2:1: not valid YAML: Map keys must be unique/,
    );
    // Said in the user's terms, not the YAML library's ("please use YAML.parseAllDocuments()").
    expect(problems(() => loadConfigFile(file('two.yml', 'a: 1\n---\nb: 2\n'), (d) => d))).toEqual([
      `${join(dir, 'two.yml')}:2:1: a second YAML document starts here (---): a configuration file holds one`,
    ]);
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 8; i++)
      bomb.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`,
      );
    expect(problems(() => loadConfigFile(file('bomb.yml', bomb.join('\n')), (d) => d))[0]).toMatch(
      /bomb\.yml: .*alias/i,
    );
    expect(problems(() => loadConfigFile(join(dir, 'missing.yml'), (d) => d))[0]).toMatch(
      /cannot read config file/,
    );
  });

  it('places problems found after the schema (cross references) at their key too', () => {
    const path = file('refs.yml', 'server:\n  port: 1\nservices:\n  api:\n    checks: []\n');
    const parse = (doc: unknown) => {
      validateConfig(schema, doc);
      throw new ConfigError([{ path: ['services', 'api', 'checks'], message: 'needs at least one check' }]);
    };
    expect(problems(() => loadConfigFile(path, parse))).toEqual([
      `${path}:5:13: services.api.checks: needs at least one check`,
    ]);
  });
});

describe('secrets', () => {
  it('come from an environment variable or a file, never inline, and name the key when missing', () => {
    const path = file('pw', 's3cret\n');
    expect(resolveSecret({ file: path }, ['db', 'password'])).toBe('s3cret');
    expect(resolveSecret({ env: 'PW' }, ['db', 'password'], { PW: 'x' })).toBe('x');
    expect(problems(() => resolveSecret({ env: 'NOPE_UNSET' }, ['db', 'password'], {}))).toEqual([
      'db.password: environment variable NOPE_UNSET is not set',
    ]);
    const s = z.strictObject({ password: secret });
    expect(problems(() => validateConfig(s, { password: 'inline' }))).toEqual([
      'password: a secret: give it as {env: NAME} or {file: /path}, not inline',
    ]);
    // A missing secret is not one written inline.
    expect(problems(() => validateConfig(s, {}))).toEqual([
      'password: Invalid input: expected object, received undefined',
    ]);
    expect(problems(() => validateConfig(s, { password: { env: 'A', file: 'b' } }))).toEqual([
      'password: set exactly one of env or file',
    ]);
    expect(validateConfig(s, { password: { file: path } })).toEqual({ password: 's3cret' });
  });
});
