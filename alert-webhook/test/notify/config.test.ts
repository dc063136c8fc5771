import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { ConfigError } from '../../src/config';
import { notificationsSchema, resolveNotifications } from '../../src/notify/config';
import { fieldProblems } from '@vigil/service-kit';
import { tempDir } from '../helpers';
import { plainHttp } from '../fixtures/notify/message';

const EXAMPLE = join(__dirname, '..', 'fixtures', 'notify', 'notifications.yml');
const ENV = {
  SMTP_PASSWORD: 'smtp-pw',
  SLACK_OPS_WEBHOOK_URL: 'https://hooks.slack.com/services/T000/B000/XXXX',
  AUDIT_HOOK_SECRET: 'hook-secret',
  AUDIT_HOOK_TOKEN: 'hook-token',
  TEAMS_OPS_WORKFLOW_URL:
    'https://prod-01.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=zzz',
  VIGIL_ACK_SECRET: 'a'.repeat(32),
};

const problems = (doc: unknown) => {
  const result = notificationsSchema.safeParse(doc);
  if (result.success) throw new Error('accepted');
  return fieldProblems(result.error).map((p) => `${p.field}: ${p.message}`);
};

const refusal = (doc: unknown, env: NodeJS.ProcessEnv) => {
  try {
    resolveNotifications(notificationsSchema.parse(doc), env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('accepted');
};

describe('notification channel configuration', () => {
  it('resolves the example: every kind, secrets from the environment, durations in ms', () => {
    const settings = resolveNotifications(
      notificationsSchema.parse(yaml.load(readFileSync(EXAMPLE, 'utf8'))),
      ENV,
    );
    expect(settings.channels).toEqual({
      'oncall-email': {
        kind: 'email',
        smtp: {
          host: 'smtp.example.com',
          port: 587,
          secure: false,
          requireTls: false,
          auth: { user: 'vigil', pass: 'smtp-pw' },
        },
        from: 'Vigil <vigil@example.com>',
        to: ['oncall@example.com'],
        timeoutMs: 10_000,
      },
      'ops-slack': { kind: 'slack', webhookUrl: ENV.SLACK_OPS_WEBHOOK_URL, http: plainHttp(10_000) },
      'audit-hook': {
        kind: 'webhook',
        url: 'https://hooks.example.com/vigil',
        secret: 'hook-secret',
        http: {
          headers: { authorization: 'Bearer hook-token', 'x-vigil-source': 'prod' },
          tls: { rejectUnauthorized: true },
          timeoutMs: 5000,
        },
      },
      'ops-teams': { kind: 'teams', webhookUrl: ENV.TEAMS_OPS_WORKFLOW_URL, http: plainHttp(10_000) },
    });
    expect(settings.retry).toEqual({
      maxAttempts: 5,
      initialDelayMs: 1000,
      maxDelayMs: 300_000,
      jitter: 0.2,
    });
    expect(settings.ackLinks).toEqual({ secret: ENV.VIGIL_ACK_SECRET, ttlMs: 86_400_000 });
  });

  it('defaults to no channels, the default retry policy and no ack links', () => {
    expect(resolveNotifications(notificationsSchema.parse({}), {})).toEqual({
      channels: {},
      retry: { maxAttempts: 5, initialDelayMs: 1000, maxDelayMs: 300_000, jitter: 0.2 },
    });
  });

  it('reads a secret from a file', () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(join(dir, 'hook'), 'from-file\n');
      const doc = {
        channels: {
          h: { kind: 'webhook', url: 'http://127.0.0.1:1/x', secret: { file: join(dir, 'hook') } },
        },
      };
      expect(resolveNotifications(notificationsSchema.parse(doc), {}).channels.h).toMatchObject({
        secret: 'from-file',
      });
    } finally {
      cleanup();
    }
  });

  it('names the path of a bad key', () => {
    expect(problems({ channels: { x: { kind: 'pager' } } })).toEqual([
      expect.stringMatching(/^channels\.x\.kind: /),
    ]);
    expect(
      problems({ channels: { x: { kind: 'slack', webhook_url: 'https://hooks.slack.com/x' } } }),
    ).toEqual(['channels.x.webhook_url: a secret: give it as {env: NAME} or {file: /path}, not inline']);
    expect(
      problems({
        channels: { x: { kind: 'jira', url: 'https://x.atlassian.net', project: 'OPS', api_version: 4 } },
      }),
    ).toEqual(['channels.x.api_version: must be 2 or 3']);
    expect(problems({ channels: { x: { kind: 'webhook', url: 'ftp://x', secret: { env: 'S' } } } })).toEqual([
      'channels.x.url: must be an http:// or https:// URL',
    ]);
    expect(
      problems({ channels: { x: { kind: 'email', smtp: { host: 'h', tls: true }, from: 'a', to: [] } } }),
    ).toEqual(
      expect.arrayContaining([
        'channels.x.smtp.tls: unknown field',
        expect.stringMatching(/^channels\.x\.to: /),
      ]),
    );
    expect(problems({ retry: { max_attempts: 0, initial_delay: 'soon' } })).toEqual([
      expect.stringMatching(/^retry\.max_attempts: /),
      expect.stringMatching(/^retry\.initial_delay: invalid duration/),
    ]);
    expect(problems({ retry: { initial_delay: '1m', max_delay: '30s' } })).toEqual([
      'retry.max_delay: must not be shorter than initial_delay',
    ]);
    expect(problems({ ack_links: { secret: { env: 'K' }, ttl: '0s' } })).toEqual([
      'ack_links.ttl: must be longer than 0s',
    ]);
    const slackApp = {
      kind: 'slack_app',
      bot_token: { env: 'B' },
      signing_secret: { env: 'S' },
      channel: 'C1',
    };
    for (const [key, value] of [
      ['authorization', { credentials: { env: 'B' } }],
      ['basic_auth', { username: 'u', password: { env: 'P' } }],
    ] as const)
      expect(problems({ channels: { x: { ...slackApp, http_config: { [key]: value } } } })).toEqual([
        `channels.x.http_config.${key}: unknown field`,
      ]);
    expect(problems({ channels: { 'bad name': { kind: 'teams', webhook_url: { env: 'T' } } } })).toEqual([
      'channels.bad name: not a valid key: a channel name is letters, digits, "_", "." and "-", starting with a letter or digit',
    ]);
  });

  it('refuses a missing secret by key, and a secret URL that is not one without echoing it', () => {
    const slack = { channels: { ops: { kind: 'slack', webhook_url: { env: 'SLACK_URL' } } } };
    expect(refusal(slack, {})).toBe(
      'notifications.channels.ops.webhook_url: environment variable SLACK_URL is not set',
    );
    const message = refusal(slack, { SLACK_URL: 'hooks.slack.com/services/secret-part' });
    expect(message).toBe('notifications.channels.ops.webhook_url: the secret is not an http(s) URL');
    expect(message).not.toContain('secret-part');
  });

  it('refuses an ack link key too short to resist guessing', () => {
    expect(refusal({ ack_links: { secret: { env: 'K' } } }, { K: 'short' })).toBe(
      'notifications.ack_links.secret: must be at least 32 characters',
    );
  });
});
