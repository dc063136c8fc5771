import { join } from 'node:path';
import type { SmtpSink } from '@vigil/testkit';
import request from 'supertest';
import { createApp } from '../../src/app';
import { parseConfig } from '../../src/config';
import { openDatabase } from '../../src/db/database';
import { withoutUrlSecrets } from '../../src/dispatch/attempt-log';
import { captureLog, notification, tempDir } from '../helpers';
import { startSmtpServer } from '../fixtures/notify/smtp';
import { startReceiver, type Receiver } from '../fixtures/notify/receiver';

const SECRETS = {
  WEBHOOK_TOKEN: 'webhook-bearer-secret-1234',
  API_TOKEN: 'api-token-secret-5678',
  ACK_SECRET: 'ack-secret-of-at-least-32-characters-0000',
  HOOK_SECRET: 'hook-hmac-secret-9999',
  SLACK_URL: '', // set once the fake Slack listens: its path is the credential
};
const SLACK_PATH = '/services/T0001/B0002/slackPathSecretXYZ';

let smtp: SmtpSink;
let slack: Receiver;
let hook: Receiver;
beforeAll(async () => {
  smtp = await startSmtpServer();
  // A Slack that fails, echoing the URL it was called on (as some proxies' error pages do), and its path
  // alone (as express's 404 page does).
  slack = await startReceiver((req) => ({
    status: 500,
    body: `upstream error for http://x.example${req.path} (Cannot POST ${req.path})`,
  }));
  hook = await startReceiver(() => ({ status: 503, body: 'down for maintenance' }));
  SECRETS.SLACK_URL = `${slack.url}${SLACK_PATH}`;
});
afterAll(async () => {
  await smtp.close();
  await slack.close();
  await hook.close();
});

describe('failed notification attempts', () => {
  it('are each logged at warn with channel, kind, recipient, attempt and reason, and no secret', async () => {
    const { dir, cleanup } = tempDir();
    const config = parseConfig(
      {
        storage: { sqlite: { path: join(dir, 'vigil.db') } },
        server: { public_url: 'http://vigil.example:9096' },
        webhook: { bearer_token: { env: 'WEBHOOK_TOKEN' } },
        api: { tokens: [{ name: 'ops', role: 'admin', token: { env: 'API_TOKEN' } }] },
        notifications: {
          channels: {
            'gone-email': {
              kind: 'email',
              smtp: { host: '127.0.0.1', port: smtp.port },
              from: 'vigil@example.com',
              to: ['gone@example.com'],
            },
            'part-email': {
              kind: 'email',
              smtp: { host: '127.0.0.1', port: smtp.port },
              from: 'vigil@example.com',
              to: ['ok@example.com', 'gone@example.com'],
            },
            'busy-email': {
              kind: 'email',
              smtp: { host: '127.0.0.1', port: smtp.port },
              from: 'vigil@example.com',
              to: ['busy@example.com'],
            },
            'ops-slack': { kind: 'slack', webhook_url: { env: 'SLACK_URL' } },
            'audit-hook': { kind: 'webhook', url: `${hook.url}/vigil`, secret: { env: 'HOOK_SECRET' } },
          },
          retry: { max_attempts: 2, initial_delay: '10ms', max_delay: '10ms' },
          ack_links: { secret: { env: 'ACK_SECRET' } },
        },
        routing: {
          team: 'ops',
          channels: ['gone-email', 'part-email', 'busy-email', 'ops-slack', 'audit-hook'],
        },
      },
      SECRETS,
    );
    const db = await openDatabase(config.storage);
    const { log, lines, raw } = captureLog();
    const { app, inbox, dispatcher, metrics } = createApp(config, db, log);
    try {
      // Each channel's series exist from the start, so that the alerting rule's increase() sees a first failure.
      const before = await metrics.registry.getSingleMetricAsString('vigil_notifications_total');
      expect(before).toContain(
        'vigil_notifications_total{integration="slack",outcome="failed",channel="ops-slack"} 0',
      );
      expect(before).toContain(
        'vigil_notifications_total{integration="email",outcome="sent",channel="gone-email"} 0',
      );

      await request(app)
        .post('/api/v1/alertmanager')
        .set('Authorization', `Bearer ${SECRETS.WEBHOOK_TOKEN}`)
        .send(notification([{ fingerprint: 'a' }]))
        .expect(200);
      await inbox.drained();
      await dispatcher.idle();

      const failures = lines.filter((l) => l.level === 40 && l.notification !== undefined);
      const by = (channel: string) => failures.filter((l) => l.channel === channel);

      // The SMTP server refuses the recipient for good (550): one attempt, no retry.
      expect(by('gone-email')).toEqual([
        expect.objectContaining({
          incident: 1,
          kind: 'email',
          recipient: 'gone@example.com',
          attempt: 1,
          max_attempts: 2,
          status_code: 550,
          final: true,
          reason: expect.stringContaining('550'),
          msg: expect.stringMatching(
            /^notification to email channel gone-email \(gone@example.com\) failed, attempt 1 of 2: 550 .*No such user.*; giving up$/,
          ),
        }),
      ]);
      // Delivered to those the server accepted (not sent again): who was missed is logged and kept.
      expect(by('part-email')).toEqual([
        expect.objectContaining({
          attempt: 1,
          status_code: 250,
          msg: 'notification to email channel part-email (ok@example.com, gone@example.com) delivered, but: rejected recipients: gone@example.com',
        }),
      ]);
      expect(
        await db
          .selectFrom('notifications')
          .select(['status', 'last_error'])
          .where('channel', '=', 'part-email')
          .execute(),
      ).toEqual([{ status: 'sent', last_error: '250 rejected recipients: gone@example.com' }]);
      // Slack answers 500: retried once, then given up; its URL is never logged.
      expect(by('ops-slack').map((l) => [l.attempt, l.kind, l.recipient, l.status_code])).toEqual([
        [1, 'slack', 'ops-slack', 500],
        [2, 'slack', 'ops-slack', 500],
      ]);
      expect(by('ops-slack')[0]).toMatchObject({ retry_in_ms: expect.any(Number) });
      expect(by('ops-slack')[1]).toMatchObject({ final: true });
      expect(by('ops-slack')[0]!.reason).toBe(
        '500 HTTP 500: upstream error for http://x.example/… (Cannot POST /…)',
      );
      // Nor kept where the API shows it to viewers.
      const kept = [
        ...(await db.selectFrom('notifications').select('last_error as error').execute()),
        ...(await db.selectFrom('delivery_attempts').select('error').execute()),
      ];
      expect(kept.filter((r) => r.error?.includes('Cannot POST /…'))).toHaveLength(3);
      expect(kept.filter((r) => r.error?.includes('slackPathSecretXYZ'))).toEqual([]);
      expect(by('audit-hook').map((l) => [l.attempt, l.kind, l.recipient, l.reason])).toEqual([
        [1, 'webhook', 'audit-hook', '503 HTTP 503: down for maintenance'],
        [2, 'webhook', 'audit-hook', '503 HTTP 503: down for maintenance'],
      ]);

      const after = await metrics.registry.getSingleMetricAsString('vigil_notifications_total');
      expect(after).toContain(
        'vigil_notifications_total{integration="slack",outcome="failed",channel="ops-slack"} 1',
      );
      // Every attempt counted by why it failed: the SMTP 550 is the request's fault, the 5xx the receivers',
      // and so is SMTP's 451 (try later: retried).
      const failed = await metrics.registry.getSingleMetricAsString(
        'vigil_notification_requests_failed_total',
      );
      expect(failed).toContain(
        'vigil_notification_requests_failed_total{integration="email",reason="clientError"} 1',
      );
      expect(failed).toContain(
        'vigil_notification_requests_failed_total{integration="email",reason="serverError"} 2',
      );
      expect(failed).toContain(
        'vigil_notification_requests_failed_total{integration="slack",reason="serverError"} 2',
      );
      expect(failed).toContain(
        'vigil_notification_requests_failed_total{integration="webhook",reason="other"} 0',
      );
      const latency = await metrics.registry.getSingleMetricAsString('vigil_notification_latency_seconds');
      expect(latency).toContain('vigil_notification_latency_seconds_count{integration="slack"} 2');

      const text = raw();
      for (const secret of [...Object.values(SECRETS), 'slackPathSecretXYZ'])
        expect(text).not.toContain(secret);
    } finally {
      await inbox.drained();
      await inbox.stop();
      await dispatcher.idle();
      dispatcher.stop();
      await db.destroy();
      cleanup();
    }
  });
});

describe('URLs in error text', () => {
  it('keep only scheme and host', () => {
    expect(
      withoutUrlSecrets(
        'POST https://hooks.slack.com/services/T/B/xyz failed; see https://user:pw@proxy.example:8443/?token=abc.',
      ),
    ).toBe('POST https://hooks.slack.com/… failed; see https://proxy.example:8443/…');
    expect(withoutUrlSecrets('connect ECONNREFUSED 127.0.0.1:25')).toBe('connect ECONNREFUSED 127.0.0.1:25');
  });
});
