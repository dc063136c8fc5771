import pino from 'pino';
import { Dispatcher } from '../src/dispatch/dispatcher';
import { logFailedAttempt } from '../src/dispatch/attempt-log';
import { buildMessage, incidentUrl, incidentsUrl } from '../src/dispatch/message';
import { enqueue, type OutboxEntry } from '../src/dispatch/outbox';
import type { NotificationEvent } from '../src/db/schema';
import type { DeliveryOutcome, IncidentMessage, NotificationChannel } from '../src/notify/message';
import type { DeliveryAttempt } from '../src/notify/sender';
import type { Db } from '../src/db/database';
import { captureLog, overriding, startTestApp, withOneIncident } from './helpers';
import { addNotification } from './support/noise-db';

// The dispatcher against a real database, with channels that record what they are sent and answer as told.

type App = Awaited<ReturnType<typeof startTestApp>>;

/** A channel that records what it is sent and answers as told, after `delayMs`. */
function channel(name: string, answer: () => DeliveryOutcome, events?: NotificationEvent[], delayMs = 0) {
  const sent: IncidentMessage[] = [];
  const ch: NotificationChannel = {
    name,
    kind: 'fake',
    target: `${name}-target`,
    ...(events && { events }),
    send: async (m) => {
      sent.push(m);
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      return answer();
    },
  };
  return { ch, sent };
}

const RETRY = { maxAttempts: 2, initialDelayMs: 1500, maxDelayMs: 1500, jitter: 0 };
const noWait = { now: Date.now, sleep: async () => undefined };

const withIncident = (body: (t: App, incidentId: number) => Promise<void>) => withOneIncident({}, {}, body);

function dispatcher(
  t: App,
  channels: NotificationChannel[],
  extra: Partial<ConstructorParameters<typeof Dispatcher>[2]> = {},
  db: Db = t.db,
) {
  return new Dispatcher(db, new Map(channels.map((c) => [c.name, c])), {
    retry: RETRY,
    links: {},
    log: pino({ level: 'silent' }),
    metrics: t.metrics,
    clock: noWait,
    ...extra,
  });
}

async function queue(t: App, id: number, event: NotificationEvent, entries: OutboxEntry[]) {
  await t.db.transaction().execute((tx) => enqueue(tx, id, event, entries, new Date().toISOString()));
}

const rows = (t: App) =>
  t.db
    .selectFrom('notifications')
    .select(['channel', 'event', 'status', 'attempts', 'last_error'])
    .orderBy('id')
    .execute();

/**
 * The app's database, with each scan of the queue (the dispatcher's select of up to 500 pending rows)
 * answered only once the test lets it, after the rows were read: to act between a scan's read and its sends.
 */
function pausingScans(t: App) {
  let paused: Promise<void> | undefined;
  let resume = () => {};
  // Each builder of the chain, wrapped: a chain that set a limit waits after its execute().
  const wrap = <B extends object>(builder: B, limited: boolean): B =>
    new Proxy(builder, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop);
        if (typeof value !== 'function') return value;
        if (prop === 'execute')
          return async () => {
            const rows: unknown = await value.call(target);
            if (limited && paused) await paused;
            return rows;
          };
        return (...args: unknown[]) => {
          const next: unknown = value.apply(target, args);
          return typeof next === 'object' && next !== null && 'execute' in next
            ? wrap(next, limited || prop === 'limit')
            : next;
        };
      },
    });
  const db = overriding(t.db, {
    selectFrom: ((...args: Parameters<Db['selectFrom']>) =>
      wrap(t.db.selectFrom(...args), false)) as Db['selectFrom'],
  });
  return {
    db,
    pause: () => {
      paused = new Promise((r) => (resume = r));
    },
    resume: () => {
      paused = undefined;
      resume();
    },
  };
}

async function run(d: Dispatcher) {
  d.kick();
  await d.idle();
}

describe('the dispatcher', () => {
  it('sends nothing once stopped, or while another replica delivers', async () => {
    await withIncident(async (t, id) => {
      const ok = channel('ok', () => ({ ok: true }));
      await queue(t, id, 'triggered', [{ channel: 'ok' }]);
      const stopped = dispatcher(t, [ok.ch]);
      stopped.stop();
      await run(stopped);
      await run(dispatcher(t, [ok.ch], { active: () => false }));
      expect(ok.sent).toHaveLength(0);
      await run(dispatcher(t, [ok.ch], { active: () => true }));
      expect(ok.sent).toHaveLength(1);
      expect(await rows(t)).toEqual([
        { channel: 'ok', event: 'triggered', status: 'sent', attempts: 1, last_error: null },
      ]);
      const metrics = await t.metrics.registry.getMetricsAsJSON();
      const values = (name: string) => metrics.find((m) => m.name === name)?.values ?? [];
      expect(values('vigil_notifications_total')).toContainEqual({
        labels: { integration: 'fake', outcome: 'sent', channel: 'ok' },
        value: 1,
      });
      const failures = values('vigil_notification_requests_failed_total').filter(
        (v) => v.labels.integration === 'fake',
      );
      expect(failures.map((v) => v.value)).toEqual([0, 0, 0]);
    });
  });

  it('scans again for what was queued while it scanned, and sends each notification once', async () => {
    await withIncident(async (t, id) => {
      const ok = channel('ok', () => ({ ok: true }));
      const d = dispatcher(t, [ok.ch]);
      await queue(t, id, 'triggered', [{ channel: 'ok' }]);
      d.kick();
      await queue(t, id, 'resolved', [{ channel: 'ok' }]);
      d.kick(); // during the first scan, which read the queue before the second notification was in it
      d.kick();
      await d.idle();
      expect(ok.sent.map((m) => m.event)).toEqual(['triggered', 'resolved']);
    });
  });

  it('follows a scan with another when notifications were queued during it', async () => {
    await withIncident(async (t, id) => {
      const ok = channel('ok', () => ({ ok: true }));
      const scans = pausingScans(t);
      const d = dispatcher(t, [ok.ch], {}, scans.db);
      await queue(t, id, 'triggered', [{ channel: 'ok' }]);
      scans.pause();
      d.kick();
      await new Promise((r) => setTimeout(r, 20)); // the scan has read the queue: the triggered only
      await queue(t, id, 'resolved', [{ channel: 'ok' }]);
      d.kick();
      scans.resume();
      await d.idle();
      expect(ok.sent.map((m) => m.event)).toEqual(['triggered', 'resolved']);
    });
  });

  it('does not send again what a scan read as pending just before its delivery finished', async () => {
    await withIncident(async (t, id) => {
      const slow = channel('slow', () => ({ ok: true }), undefined, 30);
      const scans = pausingScans(t);
      const { log, lines } = captureLog();
      const d = dispatcher(t, [slow.ch], { log }, scans.db);
      await queue(t, id, 'triggered', [{ channel: 'slow' }]);
      d.kick();
      await new Promise((r) => setTimeout(r, 10)); // sending
      scans.pause();
      d.kick(); // reads it still pending, and hands it on only once the delivery is done
      while ((await rows(t))[0]?.status === 'pending') await new Promise((r) => setTimeout(r, 5));
      scans.resume();
      await d.idle();
      expect(slow.sent).toHaveLength(1);
      // One deleted after the scan read it (pruned, say) is passed over without an error.
      await queue(t, id, 'resolved', [{ channel: 'slow' }]);
      scans.pause();
      d.kick();
      await new Promise((r) => setTimeout(r, 20));
      await t.db.deleteFrom('notifications').where('event', '=', 'resolved').execute();
      scans.resume();
      await d.idle();
      expect(slow.sent).toHaveLength(1);
      expect(lines).toEqual([]);
    });
  });

  it('sends a storm digest past noise control, on a channel taking the default events', async () => {
    await withIncident(async (t, id) => {
      const all = channel('all', () => ({ ok: true }));
      const notification = (fields: Parameters<typeof addNotification>[2]) =>
        addNotification(t.db, id, {
          channel: 'all',
          hold_ref: '1',
          created_at: new Date().toISOString(),
          ...fields,
        });
      const digest = await notification({ event: 'digest' });
      await notification({ status: 'held', hold_reason: 'storm', digest_id: digest });
      // A digest carrying nothing cannot be built: logged, and left pending.
      const empty = await notification({ event: 'digest', hold_ref: '2' });
      const { log, lines } = captureLog();
      await run(dispatcher(t, [all.ch], { gate: async () => true, log }));
      expect(all.sent.map((m) => [m.event, m.notificationId, m.title])).toEqual([
        ['digest', digest, expect.stringMatching(/^Alert storm: 1 incident for team /)],
      ]);
      expect(lines).toEqual([
        expect.objectContaining({
          msg: 'notification delivery failed',
          notification: empty,
          err: expect.objectContaining({ message: `digest ${empty} carries no notifications` }),
        }),
      ]);
      expect((await rows(t)).map((r) => r.status)).toEqual(['sent', 'held', 'pending']);
    });
  });

  it('fails a notification for a channel no longer configured, and drops one its channel does not take', async () => {
    await withIncident(async (t, id) => {
      const mail = channel('mail', () => ({ ok: true }), ['triggered']);
      await queue(t, id, 'triggered', [{ channel: 'gone' }, { channel: 'mail' }]);
      await queue(t, id, 'acknowledged', [{ channel: 'mail' }]);
      const { log, lines } = captureLog();
      await run(dispatcher(t, [mail.ch], { log }));
      // Seen as any failure is: a warning, and counted for the alert on failing notifications.
      expect(lines).toEqual([
        expect.objectContaining({
          level: 40,
          channel: 'gone',
          reason: 'no channel named gone is configured',
        }),
      ]);
      const counted = await t.metrics.notifications.get();
      expect(counted.values).toContainEqual({
        labels: { integration: 'none', outcome: 'failed', channel: 'gone' },
        value: 1,
      });
      expect(await rows(t)).toEqual([
        {
          channel: 'gone',
          event: 'triggered',
          status: 'failed',
          attempts: 0,
          last_error: 'no channel named gone is configured',
        },
        { channel: 'mail', event: 'triggered', status: 'sent', attempts: 1, last_error: null },
      ]);
    });
  });

  it('takes triggered, resolved and escalation by default, not acknowledged or timeline', async () => {
    await withIncident(async (t, id) => {
      const all = channel('all', () => ({ ok: true }));
      for (const event of ['triggered', 'acknowledged', 'resolved', 'escalation', 'timeline'] as const)
        await queue(t, id, event, [{ channel: 'all' }]);
      await run(dispatcher(t, [all.ch]));
      expect(all.sent.map((m) => m.event)).toEqual(['triggered', 'resolved', 'escalation']);
    });
  });

  it('asks noise control about alert notifications only, and sends a timeline entry with its text', async () => {
    await withIncident(async (t, id) => {
      const thread = channel('thread', () => ({ ok: true }), ['triggered', 'timeline']);
      const { id: entry } = await t.db
        .insertInto('timeline')
        .values({
          incident_id: id,
          at: new Date().toISOString(),
          kind: 'note',
          actor: 'alice',
          message: 'looking',
          data: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await queue(t, id, 'triggered', [{ channel: 'thread' }]);
      await queue(t, id, 'timeline', [{ channel: 'thread', timelineId: entry }]);
      const asked: number[] = [];
      await run(dispatcher(t, [thread.ch], { gate: async (n) => (asked.push(n), true) }));
      expect(asked).toHaveLength(1);
      expect(thread.sent).toHaveLength(1);
      expect(thread.sent[0]).toMatchObject({
        event: 'timeline',
        incidentId: id,
        timeline: { kind: 'note', actor: 'alice', message: 'looking' },
      });
      expect(await rows(t)).toMatchObject([{ status: 'pending' }, { status: 'sent' }]);
      await queue(t, id, 'triggered', [{ channel: 'thread', dedupeKey: 'again' }]);
      await run(dispatcher(t, [thread.ch], { gate: async () => false }));
      expect(thread.sent.map((m) => [m.event, 'timeline' in m])).toEqual([
        ['timeline', true],
        ['triggered', false],
        ['triggered', false],
      ]);
    });
  });

  it('records each attempt, the last error, and counts outcomes, reasons and latency', async () => {
    await withIncident(async (t, id) => {
      const down = channel('down', () => ({ ok: false, status: 503, error: 'down' }), undefined, 21);
      await queue(t, id, 'triggered', [{ channel: 'down' }]);
      await run(dispatcher(t, [down.ch]));
      expect(await rows(t)).toEqual([
        { channel: 'down', event: 'triggered', status: 'failed', attempts: 2, last_error: '503 down' },
      ]);
      const metrics = await t.metrics.registry.getMetricsAsJSON();
      const values = (name: string) => metrics.find((m) => m.name === name)?.values ?? [];
      expect(values('vigil_notifications_total')).toContainEqual({
        labels: { integration: 'fake', outcome: 'failed', channel: 'down' },
        value: 1,
      });
      expect(values('vigil_notification_requests_failed_total')).toContainEqual({
        labels: { integration: 'fake', reason: 'serverError' },
        value: 2,
      });
      const count = values('vigil_notification_latency_seconds').find(
        (v) => (v as { metricName?: string }).metricName === 'vigil_notification_latency_seconds_count',
      );
      expect(count?.value).toBe(2);
      // Each attempt took 20 ms or a little more: observed in seconds.
      const sum = values('vigil_notification_latency_seconds').find(
        (v) => (v as { metricName?: string }).metricName === 'vigil_notification_latency_seconds_sum',
      );
      expect(sum?.value).toBeGreaterThanOrEqual(0.04);
      expect(sum?.value).toBeLessThan(2);
    });
  });
});

describe('a failed attempt, as logged', () => {
  const attempt = (over: Partial<DeliveryAttempt>): DeliveryAttempt => ({
    incidentId: 7,
    incidentStatus: 'triggered',
    channel: 'ops',
    kind: 'webhook',
    target: 'https://hooks.example/x',
    attempt: 1,
    at: '2026-11-22T10:00:00.000Z',
    durationMs: 12,
    outcome: { ok: false, status: 502, error: 'bad gateway' },
    ...over,
  });
  const logged = (a: DeliveryAttempt, user?: string) => {
    const { log, lines } = captureLog();
    logFailedAttempt(log, a, { notificationId: 3, maxAttempts: 4, user });
    return lines;
  };

  it('says when it is retried, in ms or s, or that it is the last', () => {
    expect(logged(attempt({ retryInMs: 999 }))[0]?.msg).toBe(
      'notification to webhook channel ops (ops) failed, attempt 1 of 4: 502 bad gateway; retrying in 999 ms',
    );
    expect(logged(attempt({ retryInMs: 1000 }))[0]).toMatchObject({
      retry_in_ms: 1000,
      msg: expect.stringMatching(/retrying in 1 s$/),
    });
    expect(logged(attempt({ retryInMs: 2600 }))[0]?.msg).toMatch(/retrying in 3 s$/);
    const last = logged(attempt({}), 'alice')[0];
    expect(last).toMatchObject({
      final: true,
      user: 'alice',
      status_code: 502,
      notification: 3,
      incident: 7,
    });
    expect(last?.msg).toMatch(/; giving up$/);
  });

  it('logs nothing for a success, and no status or user it does not have', () => {
    expect(logged(attempt({ outcome: { ok: true, status: 200 } }))).toEqual([]);
    const line = logged(attempt({ outcome: { ok: false, code: 'ECONNREFUSED' } }))[0];
    expect(line).not.toHaveProperty('status_code');
    expect(line).not.toHaveProperty('user');
    expect(line?.reason).toBe('ECONNREFUSED');
    expect(logged(attempt({ outcome: { ok: false } }))[0]?.reason).toBe('failed');
  });

  it('keeps no secret of a URL it cannot parse', () => {
    expect(
      logged(attempt({ outcome: { ok: false, error: 'fetch http://[bad/secret-path failed' } }))[0]?.reason,
    ).toBe('fetch <url> failed');
  });
});

describe('links in messages', () => {
  const ackLinks = { secret: 's'.repeat(32), ttlMs: 60_000 };

  it('points at Grafana when it is configured, else at the receiver', () => {
    expect(
      incidentsUrl(
        { grafanaUrl: 'https://grafana.example//', publicUrl: 'https://vigil.example' },
        '?status=open',
      ),
    ).toBe('https://grafana.example/a/vigil-incidents-app/incidents?status=open');
    expect(incidentsUrl({ publicUrl: 'https://vigil.example//' }, '/4')).toBe(
      'https://vigil.example/api/v1/incidents/4',
    );
    expect(incidentsUrl({}, '/4')).toBe('');
    expect(
      incidentUrl({ grafanaUrl: 'https://grafana.example', publicUrl: 'https://vigil.example', ackLinks }, 4),
    ).toBe('https://grafana.example/a/vigil-incidents-app/incidents/4');
    expect(incidentUrl({ publicUrl: 'https://vigil.example', ackLinks }, 4)).toMatch(
      /^https:\/\/vigil\.example\/api\/v1\/view\/4\.\d+\./,
    );
    expect(incidentUrl({ publicUrl: 'https://vigil.example' }, 4)).toBe(
      'https://vigil.example/api/v1/incidents/4',
    );
  });
});

describe('the message of a notification', () => {
  const ackLinks = { secret: 's'.repeat(32), ttlMs: 60_000 };
  const set = (t: App, id: number, change: Record<string, string | null>) =>
    t.db.updateTable('incidents').set(change).where('id', '=', id).execute();

  it('names who acknowledged or resolved it, only in that status', async () => {
    await withIncident(async (t, id) => {
      const actor = async () => (await buildMessage(t.db, id, {})).actor;
      expect(await actor()).toBeUndefined();
      await set(t, id, { status: 'acknowledged', acknowledged_by: 'alice' });
      expect(await actor()).toBe('alice');
      await set(t, id, { status: 'resolved', resolved_by: 'bob' });
      expect(await actor()).toBe('bob');
      await set(t, id, { resolved_by: null });
      expect(await buildMessage(t.db, id, {})).not.toHaveProperty('actor');
      // Triggered again after an acknowledgement: whoever acknowledged it is not the news.
      await set(t, id, { status: 'triggered', resolved_by: 'bob' });
      expect(await buildMessage(t.db, id, {})).not.toHaveProperty('actor');
      await set(t, id, { status: 'acknowledged', acknowledged_by: null });
      expect(await buildMessage(t.db, id, {})).not.toHaveProperty('actor');
    });
  });

  it('lists the tickets filed for it, and an ack link only with a public URL and signed links', async () => {
    await withIncident(async (t, id) => {
      const message = await buildMessage(t.db, id, { publicUrl: 'https://vigil.example' });
      expect(message).not.toHaveProperty('tickets');
      expect(message.ackUrl).toBe('');
      expect((await buildMessage(t.db, id, { ackLinks })).ackUrl).toBe('');
      await t.db
        .insertInto('tickets')
        .values({
          channel: 'jira',
          incident_id: id,
          key: 'OPS-1',
          url: 'https://jira.example/OPS-1',
          created_at: new Date().toISOString(),
        })
        .execute();
      const filed = await buildMessage(t.db, id, { publicUrl: 'https://vigil.example', ackLinks });
      expect(filed.tickets).toEqual([{ channel: 'jira', key: 'OPS-1', url: 'https://jira.example/OPS-1' }]);
      expect(filed.ackUrl).toMatch(/^https:\/\/vigil\.example\/api\/v1\/ack\//);
    });
  });

  it("carries an alert's anomaly score when it is a number", async () => {
    await withIncident(async (t, id) => {
      const score = async (value: string | undefined) => {
        const annotations = value === undefined ? {} : { anomaly_score: value };
        await t.db
          .updateTable('alerts')
          .set({ annotations: JSON.stringify(annotations) })
          .where('incident_id', '=', id)
          .execute();
        return (await buildMessage(t.db, id, {})).alerts[0];
      };
      expect(await score('0.93')).toMatchObject({ anomalyScore: 0.93 });
      expect(await score('high')).not.toHaveProperty('anomalyScore');
      expect(await score(undefined)).not.toHaveProperty('anomalyScore');
    });
  });
});

describe('the outbox', () => {
  it('keeps each recipient, and queues a dedupe key once', async () => {
    await withIncident(async (t, id) => {
      await queue(t, id, 'escalation', [
        { channel: 'pager', recipient: 'alice', dedupeKey: 'k1' },
        { channel: 'pager', recipient: 'bob', dedupeKey: 'k2' },
      ]);
      await queue(t, id, 'escalation', [{ channel: 'pager', recipient: 'alice', dedupeKey: 'k1' }]);
      const queued = await t.db
        .selectFrom('notifications')
        .select(['recipient', 'dedupe_key'])
        .where('channel', '=', 'pager')
        .orderBy('id')
        .execute();
      expect(queued).toEqual([
        { recipient: 'alice', dedupe_key: 'k1' },
        { recipient: 'bob', dedupe_key: 'k2' },
      ]);
    });
  });
});
