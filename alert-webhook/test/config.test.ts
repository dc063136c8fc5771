import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, parseConfig, sha256 } from '../src/config';
import { configRefusal } from '@vigil/testkit';
import { tempDir } from './helpers';

const refused = (doc: unknown, env: NodeJS.ProcessEnv = {}) => configRefusal(() => parseConfig(doc, env));

describe('configuration', () => {
  it('has working defaults', () => {
    const config = parseConfig({});
    expect(config.server.port).toBe(9096);
    expect(config.storage.sqlite?.path).toBe('data/vigil.db');
    expect(config.api.tokens).toEqual([]);
    expect(config.incidents.reopen_window).toBe(0);
  });

  it('loads the shipped example', () => {
    expect(loadConfig(join(__dirname, '..', 'config.example.yml')).server.port).toBe(9096);
  });

  it('names the path of an unknown key', () => {
    expect(refused({ server: { prot: 1 } })).toContain('server.prot: unknown field');
  });

  it('names the path of a wrong type or value', () => {
    expect(refused({ server: { port: 'http' } })).toContain('server.port');
    expect(refused({ api: { tokens: [{ name: 'x', role: 'root', sha256: 'a'.repeat(64) }] } })).toContain(
      'api.tokens[0].role',
    );
    expect(refused({ incidents: { reopen_window: '5 minutes' } })).toContain(
      'incidents.reopen_window: invalid duration',
    );
  });

  it('refuses a user or escalation policy named twice, which the later one would silently replace', () => {
    const channels = { mail: { kind: 'email', to: ['ops@example.com'], smtp: { host: 'localhost' } } };
    const problems = refused({
      notifications: { channels },
      users: [
        { name: 'alice', channels: ['mail'] },
        { name: 'alice', channels: ['mail'] },
      ],
      escalation_policies: [
        { name: 'p', steps: [{ kind: 'notify_channels', channels: ['mail'] }] },
        { name: 'p', steps: [{ kind: 'notify_users', users: ['alice'] }] },
      ],
    });
    expect(problems).toContain('users[1].name: duplicate user name "alice"');
    expect(problems).toContain('escalation_policies[1].name: duplicate escalation policy name "p"');
  });

  it('refuses an email channel whose sender or a recipient is not one address, which nodemailer would drop', () => {
    const mail = (from: string, to: string[]) => ({
      notifications: {
        channels: { mail: { kind: 'email', smtp: { host: 'smtp.example.com' }, from, to } },
      },
    });
    expect(parseConfig(mail('Vigil <vigil@example.com>', ['ops@example.com'])).notifications).toBeDefined();
    const problems = refused(mail('not an address', ['also bad', 'ok@example.com', 'a@b.c, d@e.f']));
    for (const key of ['from', 'to[0]', 'to[2]'])
      expect(problems).toContain(`notifications.channels.mail.${key}: must be one email address`);
    expect(problems).not.toContain('to[1]');
  });

  it("takes a token's SHA-256 in either case, as sha256sum and openssl print it", () => {
    const hex = sha256('the token').toString('hex');
    for (const written of [hex, hex.toUpperCase()]) {
      const config = parseConfig({ api: { tokens: [{ name: 'x', role: 'viewer', sha256: written }] } });
      expect(config.api.tokens[0]?.hash).toEqual(sha256('the token'));
    }
    expect(refused({ api: { tokens: [{ name: 'x', role: 'viewer', sha256: 'g'.repeat(64) }] } })).toContain(
      'api.tokens[0].sha256: must be the SHA-256 of the token: 64 hex digits',
    );
  });

  it('refuses durations no timer or date can hold, and a lock_timeout of 0s (PostgreSQL: wait forever)', () => {
    expect(refused({ retention: { interval: '30d' } })).toContain(
      'retention.interval: must be at most 24d20h31m23s647ms',
    );
    expect(refused({ retention: { audit: '300000y' } })).toContain('retention.audit: must be at most 36500d');
    const pg = (settings: object) => ({ storage: { postgres: { host: 'db', ...settings } } });
    expect(refused(pg({ lock_timeout: '0s' }))).toContain(
      'storage.postgres.lock_timeout: must be longer than 0s',
    );
    expect(refused(pg({ leader_lease: '200d' }))).toContain('storage.postgres.leader_lease: must be at most');
    expect(parseConfig({ retention: { audit: '0s', interval: '24d' } }).retention.interval).toBe(
      24 * 86_400_000,
    );
  });

  it('refuses a public or Grafana URL that is not http:// or https://, which links could not open', () => {
    for (const url of ['vigil.example.com:9096', 'ftp://vigil.example.com', 'mailto:ops@example.com']) {
      expect(refused({ server: { public_url: url }, grafana: { url } }).split('; ')).toEqual([
        'server.public_url: must be an http:// or https:// URL',
        'grafana.url: must be an http:// or https:// URL',
      ]);
    }
    const config = parseConfig({
      server: { public_url: 'https://vigil.example.com' },
      grafana: { url: 'http://127.0.0.1:3000' },
    });
    expect([config.server.public_url, config.grafana?.url]).toEqual([
      'https://vigil.example.com',
      'http://127.0.0.1:3000',
    ]);
  });

  it('refuses a timeout or retry delay of 0s or longer than a timer can wait, naming the limit', () => {
    const TOO_LONG = 'must be at most 24d20h31m23s647ms (a timer cannot wait longer)';
    const ZERO = 'must be longer than 0s';
    const hook = (timeout: string) => ({
      notifications: {
        channels: { h: { kind: 'webhook', url: 'http://h.example.com', secret: { env: 'S' }, timeout } },
      },
    });
    expect(refused(hook('0s'))).toBe(`notifications.channels.h.timeout: ${ZERO}`);
    expect(refused(hook('30d'))).toBe(`notifications.channels.h.timeout: ${TOO_LONG}`);
    expect(
      refused({ notifications: { retry: { initial_delay: '0s', max_delay: '30d' } } }).split('; '),
    ).toEqual([`notifications.retry.initial_delay: ${ZERO}`, `notifications.retry.max_delay: ${TOO_LONG}`]);
    const url = 'http://127.0.0.1:9093';
    expect(
      refused({
        noise: { alertmanager_silences: { url, timeout: '30d' } },
        reports: { prometheus: { url, timeout: '0s' } },
      }).split('; '),
    ).toEqual([`noise.alertmanager_silences.timeout: ${TOO_LONG}`, `reports.prometheus.timeout: ${ZERO}`]);
    expect(parseConfig(hook('24d'), { S: 's' }).notifications.channels.h).toMatchObject({
      http: { timeoutMs: 24 * 86_400_000 },
    });
  });

  it('requires a token to be given exactly one way', () => {
    expect(refused({ api: { tokens: [{ name: 'x', role: 'viewer' }] } })).toContain('api.tokens[0]');
  });

  it('reads secrets from the environment and files, refusing a missing variable by name', () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(join(dir, 'pw'), 's3cret\n');
      const config = parseConfig(
        {
          webhook: { basic_auth: { username: 'am', password: { file: join(dir, 'pw') } } },
          api: { tokens: [{ name: 'g', role: 'responder', token: { env: 'TOK' } }] },
        },
        { TOK: 'abc' },
      );
      expect(config.webhook.basicAuth).toEqual({ username: 'am', password: 's3cret' });
      expect(config.api.tokens[0]!.hash.equals(sha256('abc'))).toBe(true);
      expect(refused({ webhook: { bearer_token: { env: 'NOPE' } } })).toContain(
        'webhook.bearer_token: environment variable NOPE is not set',
      );
    } finally {
      cleanup();
    }
  });

  it('names every secret it cannot have in one go, each placed at its key', () => {
    const message = refused(
      {
        webhook: { bearer_token: { env: 'NO_HOOK' } },
        api: { tokens: [{ name: 'a', role: 'admin', token: { env: 'NO_TOKEN' } }] },
        notifications: {
          channels: {
            s: { kind: 'slack', webhook_url: { env: 'NOT_A_URL' } },
            t: { kind: 'teams', webhook_url: { env: 'NO_TEAMS' } },
          },
        },
      },
      { NOT_A_URL: 'hooks.slack.com/x' },
    );
    expect(message.split('; ')).toEqual([
      'notifications.channels.s.webhook_url: the secret is not an http(s) URL',
      'notifications.channels.t.webhook_url: environment variable NO_TEAMS is not set',
      'webhook.bearer_token: environment variable NO_HOOK is not set',
      'api.tokens[0].token: environment variable NO_TOKEN is not set',
    ]);
  });

  it('places a problem of a secret at its key when a channel or header name holds a dot', () => {
    const { dir, cleanup } = tempDir();
    try {
      const path = join(dir, 'dotted.yml');
      // A channel "ops" beside "ops.pd": a name split at its dot would point at ops's lines.
      writeFileSync(
        path,
        [
          'notifications:',
          '  channels:',
          '    ops:',
          '      kind: slack',
          '      webhook_url: {env: OPS_URL}',
          '    ops.pd:',
          '      kind: pagerduty',
          '      routing_key: {env: PD_KEY}',
          '    ops.hook:',
          '      kind: webhook',
          '      url: https://hooks.example.com/vigil',
          '      secret: {env: HOOK_SECRET}',
          '      http_config:',
          '        http_headers:',
          '          X.Token:',
          '            secrets: [{env: HOOK_TOKEN}]',
          '',
        ].join('\n'),
      );
      const message = configRefusal(() =>
        loadConfig(path, { OPS_URL: 'https://hooks.slack.com/services/T/B/X', PD_KEY: 'short' }),
      );
      expect(message.split('; ')).toEqual([
        `${path}:8:20: notifications.channels.ops.pd.routing_key: must be an Events API v2 integration key, 32 letters and digits: it has 5 characters`,
        `${path}:12:15: notifications.channels.ops.hook.secret: environment variable HOOK_SECRET is not set`,
        `${path}:16:23: notifications.channels.ops.hook.http_config.http_headers.X.Token.secrets[0]: environment variable HOOK_TOKEN is not set`,
      ]);
    } finally {
      cleanup();
    }
  });

  it('refuses a file that is not YAML, naming the file', () => {
    const { dir, cleanup } = tempDir();
    try {
      const path = join(dir, 'bad.yml');
      writeFileSync(path, 'server: [unclosed\n');
      expect(() => loadConfig(path)).toThrow(/bad\.yml:\d+:\d+: not valid YAML/);
      expect(() => loadConfig(join(dir, 'missing.yml'))).toThrow(/cannot read config file/);
    } finally {
      cleanup();
    }
  });
});
