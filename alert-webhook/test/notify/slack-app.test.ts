import { join } from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { startFakeSlack, type FakeSlack } from '@vigil/testkit';
import { slackSignature } from '../../src/api/slack';
import { createApp } from '../../src/app';
import { parseConfig } from '../../src/config';
import { openDatabase } from '../../src/db/database';
import { createChannels } from '../../src/notify/registry';
import { NotificationSender, type DeliveryAttempt } from '../../src/notify/sender';
import { notification, tempDir } from '../helpers';
import { incidentMessage } from '../fixtures/notify/message';

const TOKEN = 'xoxb-1111-2222-abcdefghijkl';
const SIGNING = 'slack-signing-secret-0123456789ab';
const CHANNEL = 'C0VIGIL01';
let slack: FakeSlack;
beforeAll(async () => {
  slack = await startFakeSlack([TOKEN], [CHANNEL]);
});
afterAll(() => slack.close());

const env = {
  WEBHOOK_TOKEN: 'w'.repeat(20),
  API_TOKEN: 'a'.repeat(20),
  SLACK_TOKEN: TOKEN,
  SLACK_SIGNING: SIGNING,
};

async function receiver(token = 'SLACK_TOKEN') {
  const { dir, cleanup } = tempDir();
  const config = parseConfig(
    {
      storage: { sqlite: { path: join(dir, 'vigil.db') } },
      webhook: { bearer_token: { env: 'WEBHOOK_TOKEN' } },
      api: { tokens: [{ name: 'ops', role: 'admin', token: { env: 'API_TOKEN' } }] },
      users: [{ name: 'alice', channels: ['chat'] }],
      notifications: {
        channels: {
          chat: {
            kind: 'slack_app',
            bot_token: { env: token },
            signing_secret: { env: 'SLACK_SIGNING' },
            channel: CHANNEL,
            users: { U0ALICE: 'alice' },
            api_url: slack.apiUrl,
          },
        },
        retry: { max_attempts: 3, initial_delay: '10ms', max_delay: '20ms' },
      },
      routing: { team: 'ops', channels: ['chat'] },
    },
    { ...env, BAD_TOKEN: 'xoxb-revoked' },
  );
  const db = await openDatabase(config.storage);
  const app = createApp(config, db, pino({ level: 'silent' }));
  const settle = async () => {
    await app.inbox.drained();
    await app.dispatcher.idle();
  };
  const alert = async () => {
    await request(app.app)
      .post('/api/v1/alertmanager')
      .set('Authorization', `Bearer ${env.WEBHOOK_TOKEN}`)
      .send(notification([{ fingerprint: 'a', labels: { severity: 'critical' } }]))
      .expect(200);
    await settle();
  };
  const press = (action: string, user = 'U0ALICE', at = Math.floor(Date.now() / 1000), secret = SIGNING) => {
    const payload = {
      type: 'block_actions',
      user: { id: user },
      actions: [{ action_id: action, value: '1', type: 'button' }],
    };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return request(app.app)
      .post('/api/v1/slack/interactivity')
      .set('content-type', 'application/x-www-form-urlencoded')
      .set('x-slack-request-timestamp', String(at))
      .set('x-slack-signature', slackSignature(secret, String(at), body))
      .send(body);
  };
  const close = async () => {
    await app.inbox.stop();
    await app.dispatcher.idle();
    app.dispatcher.stop();
    await db.destroy();
    cleanup();
  };
  return {
    app: app.app,
    inbox: app.inbox,
    dispatcher: app.dispatcher,
    config: app.config,
    db,
    alert,
    press,
    settle,
    close,
  };
}

const buttonsOf = (blocks: unknown) => JSON.stringify(blocks).match(/"action_id":"vigil_\w+"/g) ?? [];

describe('Slack app', () => {
  beforeEach(() => {
    slack.requests.splice(0);
    slack.messages.clear();
  });

  it('posts one message per incident, edits it on acknowledge and resolve from its buttons, replies in its thread', async () => {
    const r = await receiver();
    try {
      await r.alert();
      const [root] = [...slack.messages.values()];
      expect(root).toMatchObject({ channel: CHANNEL });
      const rootBlocks = () => JSON.stringify(root!.attachments);
      expect(buttonsOf(root!.attachments)).toEqual([
        '"action_id":"vigil_acknowledge"',
        '"action_id":"vigil_resolve"',
      ]);

      await r.press('vigil_acknowledge').expect(200);
      await r.settle();
      const incident = await r.db.selectFrom('incidents').selectAll().executeTakeFirstOrThrow();
      expect(incident).toMatchObject({ status: 'acknowledged', acknowledged_by: 'alice' });
      expect(root!.text).toMatch(/^\[ACKNOWLEDGED\]/);
      expect(buttonsOf(root!.attachments)).toEqual(['"action_id":"vigil_resolve"']);

      await r.press('vigil_resolve').expect(200);
      await r.settle();
      expect(root!.text).toMatch(/^\[RESOLVED\]/);
      expect(rootBlocks()).not.toContain('vigil_');
      // Still one top-level message; the changes are replies in its thread.
      const all = [...slack.messages.values()];
      expect(all.filter((m) => !m.threadTs)).toHaveLength(1);
      expect(all.filter((m) => m.threadTs === root!.ts).map((m) => m.text)).toEqual([
        'Acknowledged by alice.',
        'Resolved by alice.',
      ]);
      expect(root!.edits).toHaveLength(3);
    } finally {
      await r.close();
    }
  });

  it('refuses a bad or stale signature, and ignores an unmapped Slack user', async () => {
    const r = await receiver();
    try {
      await r.alert();
      await r.press('vigil_acknowledge', 'U0ALICE', Math.floor(Date.now() / 1000) - 301).expect(401);
      await r.press('vigil_acknowledge', 'U0ALICE', undefined, 'another-secret').expect(401);
      const unmapped = await r.press('vigil_acknowledge', 'U0MALLORY').expect(200);
      expect(unmapped.body).toMatchObject({ response_type: 'ephemeral' });
      const incident = await r.db.selectFrom('incidents').select('status').executeTakeFirstOrThrow();
      expect(incident.status).toBe('triggered');
    } finally {
      await r.close();
    }
  });

  it('an invalid token is refused for good (invalid_auth), not retried', async () => {
    const r = await receiver('BAD_TOKEN');
    try {
      await r.alert();
      const [row] = await r.db
        .selectFrom('notifications')
        .select(['status', 'attempts', 'last_error'])
        .execute();
      expect(row).toEqual({
        status: 'failed',
        attempts: 1,
        last_error: '200 invalid_auth Slack: invalid_auth',
      });
    } finally {
      await r.close();
    }
  });

  it('waits out ratelimited as Slack asks (Retry-After), then posts', async () => {
    const r = await receiver();
    try {
      slack.throttle(1, 2);
      const slept: number[] = [];
      const attempts: DeliveryAttempt[] = [];
      const sender = new NotificationSender({
        policy: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 20, jitter: 0 },
        clock: { now: Date.now, sleep: async (ms) => slept.push(ms) },
        onAttempt: (a) => void attempts.push(a),
      });
      const channel = createChannels(r.config.notifications.channels, r.db).get('chat')!;
      await sender.deliver(channel, incidentMessage({ incidentId: 99 }));
      expect(attempts.map((a) => [a.outcome.status, a.outcome.code])).toEqual([
        [429, 'ratelimited'],
        [200, undefined],
      ]);
      expect(slept).toEqual([2000]);
    } finally {
      await r.close();
    }
  });
});
