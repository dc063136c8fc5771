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

async function receiver(token = 'SLACK_TOKEN', timeout = '10s') {
  const { dir, cleanup } = tempDir();
  const config = parseConfig(
    {
      storage: { sqlite: { path: join(dir, 'vigil.db') } },
      webhook: { bearer_token: { env: 'WEBHOOK_TOKEN' } },
      api: { tokens: [{ name: 'ops', role: 'admin', token: { env: 'API_TOKEN' } }] },
      users: [{ name: 'alice', channels: ['chat'] }],
      notifications: {
        channels: {
          // Another channel of the same Slack app (so the same signing secret), with users of its own.
          dba: {
            kind: 'slack_app',
            bot_token: { env: token },
            signing_secret: { env: 'SLACK_SIGNING' },
            channel: 'C0DBA',
            users: { U0MALLORY: 'alice' },
            api_url: slack.apiUrl,
          },
          chat: {
            kind: 'slack_app',
            bot_token: { env: token },
            signing_secret: { env: 'SLACK_SIGNING' },
            channel: CHANNEL,
            users: { U0ALICE: 'alice' },
            api_url: slack.apiUrl,
            timeout,
          },
          // Paged by the escalation step; it answers 404, which is no matter here.
          hook: { kind: 'webhook', url: `${slack.url}/hook`, secret: { env: 'SLACK_SIGNING' } },
        },
        retry: { max_attempts: 3, initial_delay: '10ms', max_delay: '20ms' },
      },
      escalation_policies: [{ name: 'page', steps: [{ kind: 'notify_channels', channels: ['hook'] }] }],
      routing: { team: 'ops', channels: ['chat'], escalation: 'page' },
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
  const press = (
    action: string,
    user = 'U0ALICE',
    at = Math.floor(Date.now() / 1000),
    secret = SIGNING,
    channel = CHANNEL,
  ) => {
    const payload = {
      type: 'block_actions',
      user: { id: user },
      channel: { id: channel },
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
  const call = (method: 'post', path: string, body: object) =>
    request(app.app)[method](path).set('Authorization', `Bearer ${env.API_TOKEN}`).send(body);
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
    escalator: app.escalator,
    call,
    db,
    alert,
    press,
    settle,
    close,
  };
}

const topLevel = () => [...slack.messages.values()].filter((m) => !m.threadTs);
const repliesTo = (ts: string) =>
  [...slack.messages.values()].filter((m) => m.threadTs === ts).map((m) => m.text);

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
      const stale = await r.press('vigil_acknowledge', 'U0ALICE', Math.floor(Date.now() / 1000) - 301);
      expect(stale.status).toBe(401);
      // The API's error shape, as every other route answers.
      expect(stale.body.error).toEqual({
        code: 'unauthorized',
        message: 'X-Slack-Request-Timestamp is missing or not within 5 minutes',
        details: [],
      });
      const forged = await r.press('vigil_acknowledge', 'U0ALICE', undefined, 'another-secret');
      expect(forged.status).toBe(401);
      expect(forged.body.error.code).toBe('unauthorized');
      // Mapped in the other channel of the app only: in this one, unmapped.
      const unmapped = await r.press('vigil_acknowledge', 'U0MALLORY').expect(200);
      expect(unmapped.body).toMatchObject({ response_type: 'ephemeral' });
      const elsewhere = await r
        .press('vigil_acknowledge', 'U0ALICE', undefined, SIGNING, 'C0NOTOURS')
        .expect(200);
      expect(elsewhere.body).toEqual({
        response_type: 'ephemeral',
        text: 'This Slack channel is not set up in Vigil.',
      });
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

  it('retries an HTTP 5xx whatever error it names, as the README says only 4xx are permanent', async () => {
    const r = await receiver();
    try {
      slack.outage(1, { status: 503, body: { ok: false, error: 'upstream_timeout' } });
      const attempts: DeliveryAttempt[] = [];
      const sender = new NotificationSender({
        policy: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 20, jitter: 0 },
        clock: { now: Date.now, sleep: async () => undefined },
        onAttempt: (a) => void attempts.push(a),
      });
      const channel = createChannels(r.config.notifications.channels, r.db).get('chat')!;
      await sender.deliver(channel, incidentMessage({ incidentId: 98 }));
      expect(attempts.map((a) => [a.outcome.status, a.outcome.code])).toEqual([
        [503, 'upstream_timeout'],
        [200, undefined],
      ]);
    } finally {
      await r.close();
    }
  });

  it('replies in the thread with each note, assignment and escalation step, without editing the message for them', async () => {
    const r = await receiver();
    try {
      await r.alert();
      const [root] = topLevel();
      await r.call('post', '/api/v1/incidents/1/notes', { text: 'disk <full> & rising' }).expect(200);
      await r.call('post', '/api/v1/incidents/1/assign', { assignee: 'alice' }).expect(200);
      await r.escalator.tick(new Date());
      await r.settle();
      expect(repliesTo(root!.ts)).toEqual([
        '*ops* noted: disk &lt;full&gt; &amp; rising',
        '*ops*: assigned to alice',
        '*escalation*: step 1 of page; notified hook',
      ]);
      expect(root!.edits).toHaveLength(1);
      // The other channel keeps no thread: the timeline entries were not queued for it, or dropped.
      const events = await r.db.selectFrom('notifications').select(['channel', 'event']).execute();
      expect(events.filter((e) => e.event === 'timeline').map((e) => e.channel)).toEqual([
        'chat',
        'chat',
        'chat',
      ]);
    } finally {
      await r.close();
    }
  });

  it('the fake Web API refuses what Slack refuses: a reply to no message of the channel, bad metadata, bad Block Kit', async () => {
    const post = (body: object) =>
      fetch(`${slack.apiUrl}/chat.postMessage`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ channel: CHANNEL, text: 'hi', ...body }),
      }).then((res) => res.json() as Promise<{ ok: boolean; error?: string; ts?: string }>);
    expect(await post({ thread_ts: '1.000001' })).toEqual({ ok: false, error: 'thread_not_found' });
    const { ts } = await post({});
    expect(await post({ thread_ts: ts })).toMatchObject({ ok: true });
    expect(await post({ metadata: { event_type: 'bad type', event_payload: {} } })).toEqual({
      ok: false,
      error: 'invalid_metadata_format',
    });
    // Block Kit as Slack checks it: a header over 150 characters, more than 50 blocks, a button that
    // neither opens a URL nor has an action_id; text over 40,000 characters.
    const header = (text: string) => ({ type: 'header', text: { type: 'plain_text', text } });
    expect(await post({ blocks: [header('x'.repeat(151))] })).toEqual({ ok: false, error: 'invalid_blocks' });
    expect(await post({ blocks: Array.from({ length: 51 }, () => header('x')) })).toEqual({
      ok: false,
      error: 'invalid_blocks',
    });
    const button = { type: 'button', text: { type: 'plain_text', text: 'Go' } };
    expect(await post({ blocks: [{ type: 'actions', elements: [button] }] })).toEqual({
      ok: false,
      error: 'invalid_blocks',
    });
    expect(await post({ text: 'x'.repeat(40_001) })).toEqual({ ok: false, error: 'msg_too_long' });
    expect(
      await post({ blocks: [{ type: 'actions', elements: [{ ...button, action_id: 'go' }] }] }),
    ).toMatchObject({
      ok: true,
    });
  });

  it('an attempt that died after Slack posted and before the ts was saved does not post twice', async () => {
    const r = await receiver('SLACK_TOKEN', '300ms');
    try {
      // Slack posts the message and never answers: the attempt times out as if the receiver had died then.
      slack.withhold(1);
      await r.alert();
      expect(topLevel()).toHaveLength(1);
      const [root] = topLevel();
      expect(root!.metadata).toEqual({ event_type: 'vigil_incident', event_payload: { incident_id: 1 } });
      const history = slack.requests.filter((q) => q.path === '/api/conversations.history');
      expect(history).toHaveLength(1);
      expect(new URLSearchParams(history[0]!.body).get('include_all_metadata')).toBe('true');
      const saved = await r.db.selectFrom('slack_messages').select('ts').executeTakeFirstOrThrow();
      expect(saved.ts).toBe(root!.ts);
      const [sent] = await r.db.selectFrom('notifications').select(['status', 'attempts']).execute();
      expect(sent).toEqual({ status: 'sent', attempts: 2 });

      await r.press('vigil_acknowledge').expect(200);
      await r.settle();
      expect(topLevel()).toHaveLength(1);
      expect(root!.text).toMatch(/^\[ACKNOWLEDGED\]/);
    } finally {
      await r.close();
    }
  });

  it("waits while another notification's attempt is posting the message, then replies under it", async () => {
    const r = await receiver();
    try {
      const channel = createChannels(r.config.notifications.channels, r.db).get('chat')!;
      await r.db
        .insertInto('slack_messages')
        .values({
          channel: 'chat',
          incident_id: 7,
          slack_channel: CHANNEL,
          ts: null,
          claimed_at: new Date().toISOString(),
          claimed_by: 1,
        })
        .execute();
      const note = incidentMessage({
        incidentId: 7,
        notificationId: 2,
        event: 'timeline',
        timeline: { kind: 'note', actor: 'bob', message: 'hi' },
      });
      expect(await channel.send(note)).toMatchObject({ ok: false, code: 'ECLAIMED' });
      expect(slack.requests).toHaveLength(0);
      // The first attempt's own notification, delivered again (the process died): it looks, finds nothing, posts.
      expect(
        await channel.send(incidentMessage({ incidentId: 7, notificationId: 1, event: 'triggered' })),
      ).toMatchObject({ ok: true });
      expect(await channel.send(note)).toMatchObject({ ok: true });
      const [root] = topLevel();
      expect(repliesTo(root!.ts)).toEqual(['*bob* noted: hi']);
      expect(slack.requests.map((q) => q.path.replace('/api/', ''))).toEqual([
        'conversations.history',
        'chat.postMessage',
        'chat.postMessage',
      ]);
    } finally {
      await r.close();
    }
  });
});
