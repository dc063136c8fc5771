import { join } from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { startFakePagerDuty, type FakePagerDuty } from '@vigil/testkit';
import { createApp } from '../../src/app';
import { parseConfig } from '../../src/config';
import { openDatabase } from '../../src/db/database';
import { notificationsSchema, resolveNotifications } from '../../src/notify/config';
import { createChannels } from '../../src/notify/registry';
import { NotificationSender, type DeliveryAttempt } from '../../src/notify/sender';
import { incidentMessage } from '../fixtures/notify/message';
import { notification, startTestApp, tempDir } from '../helpers';
import { startReceiver } from '../fixtures/notify/receiver';

const KEY = 'R0UT1NGKEY0000000000000000000001';
let pd: FakePagerDuty;
beforeAll(async () => {
  pd = await startFakePagerDuty([KEY]);
});
afterAll(() => pd.close());
beforeEach(() => {
  pd.requests.splice(0);
  pd.alerts.clear();
});

const channel = (key = KEY, extra: Record<string, unknown> = {}) => {
  const doc = notificationsSchema.parse({
    channels: { pd: { kind: 'pagerduty', routing_key: { env: 'PD_KEY' }, url: pd.enqueueUrl, ...extra } },
  });
  return createChannels(resolveNotifications(doc, { PD_KEY: key }).channels).get('pd')!;
};

describe('PagerDuty Events API v2', () => {
  it('triggers with the mapped severity, links and details, then mirrors acknowledge and resolve', async () => {
    const pager = channel(KEY, {
      severities: { critical: 'critical', warning: 'warning', page: 'critical' },
    });
    const message = incidentMessage({ incidentId: 7, severity: 'page', team: 'ops' });
    expect(await pager.send(message)).toEqual({ ok: true, status: 202 });
    const alert = pd.alerts.get('vigil-incident-7')!;
    expect(alert).toMatchObject({ status: 'triggered', severity: 'critical' });
    const trigger = alert.events[0] as { payload: unknown; links: unknown };
    expect(trigger.payload).toMatchObject({
      source: message.service,
      component: message.service,
      group: 'ops',
      class: message.alerts[0]!.labels.alertname,
      timestamp: message.alerts[0]!.startsAt,
      custom_details: { Status: 'Triggered', incident_id: 7 },
    });
    expect(trigger.links).toEqual([
      { href: message.incidentUrl, text: 'Vigil incident' },
      { href: message.ackUrl, text: 'Acknowledge in Vigil' },
    ]);
    expect(await pager.send({ ...message, status: 'acknowledged' })).toMatchObject({ ok: true });
    expect(pd.alerts.get('vigil-incident-7')!.status).toBe('acknowledged');
    expect(await pager.send({ ...message, status: 'resolved' })).toMatchObject({ ok: true });
    expect(pd.alerts.get('vigil-incident-7')!.status).toBe('resolved');
    // An acknowledge or resolve carries only the key: PagerDuty refuses nothing more, but needs nothing more.
    expect(JSON.parse(pd.requests[2]!.body)).toEqual({
      routing_key: KEY,
      event_action: 'resolve',
      dedup_key: 'vigil-incident-7',
    });
  });

  it("maps an unlisted severity to default_severity, and takes the incident's own severity names", async () => {
    await channel(KEY, { default_severity: 'warning' }).send(
      incidentMessage({ incidentId: 8, severity: 'minor' }),
    );
    await channel().send(incidentMessage({ incidentId: 9, severity: 'critical' }));
    expect(pd.alerts.get('vigil-incident-8')!.severity).toBe('warning');
    expect(pd.alerts.get('vigil-incident-9')!.severity).toBe('critical');
    // Regardless of case, on either side, as Jira's min_severity and the metrics take severities.
    await channel().send(incidentMessage({ incidentId: 10, severity: 'CRITICAL' }));
    await channel(KEY, { severities: { P1: 'critical' } }).send(
      incidentMessage({ incidentId: 11, severity: 'p1' }),
    );
    expect(pd.alerts.get('vigil-incident-10')!.severity).toBe('critical');
    expect(pd.alerts.get('vigil-incident-11')!.severity).toBe('critical');
  });

  it('a digest is an alert of its own; one whose incidents have all resolved sends nothing', async () => {
    const digest = incidentMessage({ incidentId: 3, event: 'digest', notificationId: 41 });
    expect(await channel().send(digest)).toEqual({ ok: true, status: 202 });
    expect([...pd.alerts.keys()]).toEqual(['vigil-digest-41']);
    expect(await channel().send({ ...digest, notificationId: 42, status: 'resolved' })).toEqual({ ok: true });
    expect(pd.requests).toHaveLength(1);
  });

  it("an event over PagerDuty's 512 KB goes without its custom_details, as Alertmanager sends it", async () => {
    const alerts = Array.from({ length: 10 }, (_, i) => ({
      labels: { alertname: `Big${i}` },
      annotations: { description: 'x'.repeat(60_000) },
      startsAt: '2026-11-22T10:00:00.000Z',
    }));
    expect(await channel().send(incidentMessage({ incidentId: 5, alerts }))).toEqual({
      ok: true,
      status: 202,
    });
    const body = pd.requests[0]!.body;
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(512_000);
    const sent = JSON.parse(body) as { payload: { summary: string; custom_details: unknown } };
    expect(sent.payload.custom_details).toEqual({ error: expect.stringContaining('512 KB') });
    expect(sent.payload.summary).toBe('[CRITICAL] checkout: High error rate on checkout');
    // A small one keeps them.
    await channel().send(incidentMessage({ incidentId: 6 }));
    expect(JSON.parse(pd.requests[1]!.body).payload.custom_details).toMatchObject({ incident_id: 6 });
  });

  it('a routing key that is no integration key is refused with the configuration, not at the first page, saying why', () => {
    const why = {
      R0UT1NGKEY: 'it has 10 characters',
      ['X'.repeat(33)]: 'it has 33 characters',
      [`${KEY} `]: 'it has 33 characters and one character is neither',
      // 32 characters, but not all letters and digits: the length is not what is wrong.
      [`${KEY.slice(0, 31)}-`]: 'one character is neither',
      [`"${KEY.slice(0, 30)}"`]: '2 characters are neither',
    };
    for (const [bad, reason] of Object.entries(why)) {
      expect(() => channel(bad)).toThrow(
        expect.objectContaining({
          problems: [
            {
              path: ['notifications', 'channels', 'pd', 'routing_key'],
              message: `must be an Events API v2 integration key, 32 letters and digits: ${reason}`,
            },
          ],
        }),
      );
    }
  });

  it('a 400 is permanent and names what PagerDuty refused', async () => {
    const outcome = await channel('X'.repeat(32)).send(incidentMessage());
    expect(outcome).toMatchObject({
      ok: false,
      status: 400,
      permanent: true,
      error: "HTTP 400: Event object is invalid: 'routing_key' is invalid",
    });
  });

  it('backs off on 429 (Retry-After when given) and delivers after', async () => {
    pd.throttle(2, 3);
    const slept: number[] = [];
    const attempts: DeliveryAttempt[] = [];
    const sender = new NotificationSender({
      policy: { maxAttempts: 5, initialDelayMs: 100, maxDelayMs: 1000, jitter: 0 },
      clock: { now: Date.now, sleep: async (ms) => slept.push(ms) },
      onAttempt: (a) => void attempts.push(a),
    });
    const last = await sender.deliver(channel(), incidentMessage({ incidentId: 10 }));
    expect(attempts.map((a) => a.outcome.status)).toEqual([429, 429, 202]);
    expect(slept).toEqual([3000, 3000]);
    expect(last.outcome.ok).toBe(true);
    expect(pd.alerts.get('vigil-incident-10')!.status).toBe('triggered');
  });
});

describe('PagerDuty in the receiver', () => {
  it('follows the incident: triggered by an alert, acknowledged and resolved through the API, one dedup_key', async () => {
    const { dir, cleanup } = tempDir();
    const hook = await startReceiver(() => ({ status: 200 }));
    const env = { WEBHOOK_TOKEN: 'w'.repeat(20), API_TOKEN: 'a'.repeat(20), PD_KEY: KEY };
    const config = parseConfig(
      {
        storage: { sqlite: { path: join(dir, 'vigil.db') } },
        webhook: { bearer_token: { env: 'WEBHOOK_TOKEN' } },
        api: { tokens: [{ name: 'ops', role: 'admin', token: { env: 'API_TOKEN' } }] },
        notifications: {
          channels: {
            pager: { kind: 'pagerduty', routing_key: { env: 'PD_KEY' }, url: pd.enqueueUrl },
            log: { kind: 'webhook', url: `${hook.url}/log`, secret: { env: 'API_TOKEN' } },
          },
        },
        routing: { team: 'ops', channels: ['pager', 'log'] },
      },
      env,
    );
    const db = await openDatabase(config.storage);
    const { app, inbox, dispatcher } = createApp(config, db, pino({ level: 'silent' }));
    const api = (path: string) =>
      request(app)
        .post(`/api/v1/incidents/1/${path}`)
        .set('Authorization', `Bearer ${env.API_TOKEN}`)
        .send({});
    try {
      await request(app)
        .post('/api/v1/alertmanager')
        .set('Authorization', `Bearer ${env.WEBHOOK_TOKEN}`)
        .send(notification([{ fingerprint: 'a', labels: { severity: 'critical' } }]))
        .expect(200);
      await inbox.drained();
      await dispatcher.idle();
      expect(pd.alerts.get('vigil-incident-1')).toMatchObject({ status: 'triggered', severity: 'critical' });
      await api('acknowledge').expect(200);
      await dispatcher.idle();
      expect(pd.alerts.get('vigil-incident-1')!.status).toBe('acknowledged');
      await api('resolve').expect(200);
      await dispatcher.idle();
      expect(pd.alerts.get('vigil-incident-1')!.status).toBe('resolved');
      const enqueued = pd.requests.filter((r) => r.path === '/v2/enqueue').map((r) => JSON.parse(r.body));
      expect(enqueued.map((e) => [e.event_action, e.dedup_key])).toEqual([
        ['trigger', 'vigil-incident-1'],
        ['acknowledge', 'vigil-incident-1'],
        ['resolve', 'vigil-incident-1'],
      ]);
      // The webhook channel heard of the opening and the resolve, not of the acknowledgement.
      expect(hook.requests).toHaveLength(2);
      const sent = await db
        .selectFrom('notifications')
        .select(['channel', 'event', 'status'])
        .orderBy('id')
        .execute();
      expect(sent).toEqual([
        { channel: 'pager', event: 'triggered', status: 'sent' },
        { channel: 'log', event: 'triggered', status: 'sent' },
        { channel: 'pager', event: 'acknowledged', status: 'sent' },
        { channel: 'pager', event: 'resolved', status: 'sent' },
        { channel: 'log', event: 'resolved', status: 'sent' },
      ]);
    } finally {
      await inbox.stop();
      await dispatcher.idle();
      dispatcher.stop();
      await db.destroy();
      await hook.close();
      cleanup();
    }
  });
});

describe('PagerDuty paged by escalation steps and storm digests', () => {
  const env = { WEBHOOK_TOKEN: 'w'.repeat(20), API_TOKEN: 'a'.repeat(20), PD_KEY: KEY };
  const receiverWith = async (extra: Record<string, unknown>) => {
    const t = await startTestApp(
      {
        webhook: { bearer_token: { env: 'WEBHOOK_TOKEN' } },
        notifications: {
          channels: { pd: { kind: 'pagerduty', routing_key: { env: 'PD_KEY' }, url: pd.enqueueUrl } },
        },
        ...extra,
      },
      env,
    );
    const deliver = async (fingerprint: string, groupKey = fingerprint) => {
      await request(t.app)
        .post('/api/v1/alertmanager')
        .set('Authorization', `Bearer ${env.WEBHOOK_TOKEN}`)
        .send(notification([{ fingerprint, labels: { severity: 'critical' } }], { groupKey }))
        .expect(200);
      await t.inbox.drained();
    };
    const settled = async () => {
      t.dispatcher.kick();
      await t.dispatcher.idle();
    };
    return { ...t, deliver, settled };
  };
  const enqueued = () =>
    pd.requests
      .filter((r) => r.path === '/v2/enqueue')
      .map((r) => JSON.parse(r.body) as Record<string, unknown>);

  it('an escalation step naming the PagerDuty channel triggers the incident there', async () => {
    const r = await receiverWith({
      escalation_policies: [{ name: 'page', steps: [{ kind: 'notify_channels', channels: ['pd'] }] }],
      routing: { team: 'ops', channels: [], escalation: 'page' },
    });
    try {
      await r.deliver('a');
      expect(await r.escalator.tick(new Date(Date.now() + 60_000))).toBe(1);
      await r.settled();
      expect(enqueued().map((e) => [e.event_action, e.dedup_key])).toEqual([['trigger', 'vigil-incident-1']]);
      expect(await r.db.selectFrom('notifications').select(['channel', 'event', 'status']).execute()).toEqual(
        [{ channel: 'pd', event: 'escalation', status: 'sent' }],
      );
    } finally {
      await r.close();
    }
  });

  it('the incidents a storm held page once, as one alert for the digest', async () => {
    const r = await receiverWith({
      noise: { storm: { incidents: 2, window: '10m', digest_interval: '1m' } },
      routing: { team: 'ops', channels: ['pd'] },
    });
    try {
      for (const fp of ['a', 'b', 'c', 'd']) await r.deliver(fp);
      await r.settled();
      await r.noise.tick(new Date(Date.now() + 1000));
      await r.settled();
      const events = enqueued();
      expect(events.map((e) => [e.event_action, e.dedup_key])).toEqual([
        ['trigger', 'vigil-incident-1'],
        ['trigger', 'vigil-incident-2'],
        ['trigger', expect.stringMatching(/^vigil-digest-\d+$/)],
      ]);
      const digest = events[2] as { payload: { summary: string; custom_details: { alerts: unknown[] } } };
      expect(digest.payload.summary).toContain('Alert storm: 2 incidents for team ops');
      expect(digest.payload.custom_details.alerts).toHaveLength(2);
      const rows = await r.db.selectFrom('notifications').select(['event', 'status']).orderBy('id').execute();
      expect(rows.filter((n) => n.event === 'digest')).toEqual([{ event: 'digest', status: 'sent' }]);
    } finally {
      await r.close();
    }
  });
});
