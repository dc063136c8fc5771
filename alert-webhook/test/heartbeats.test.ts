import request from 'supertest';
import { parseConfig, ConfigError } from '../src/config';
import { Heartbeats } from '../src/heartbeats/tracker';
import { act } from '../src/incidents/repository';
import { notification, startTestApp } from './helpers';
import { startReceiver, type Receiver } from './fixtures/notify/receiver';

/** Heartbeats in process, on the checker's own clock (check(now)). */
const MIN = 60_000;

let hook: Receiver;
beforeAll(async () => {
  hook = await startReceiver(() => ({ status: 200 }));
});
afterAll(() => hook.close());

const config = () => ({
  notifications: {
    channels: { pager: { kind: 'webhook', url: `${hook.url}/pager`, secret: { env: 'SECRET' } } },
  },
  heartbeats: [{ name: 'watchdog', source_labels: ['replica'], timeout: '5m' }],
  routing: {
    team: 'ops',
    channels: [],
    routes: [{ matchers: ['alertname="HeartbeatMissing"'], channels: ['pager'] }],
  },
});
const env = { SECRET: 'webhook-secret' };

type App = Awaited<ReturnType<typeof startTestApp>>;

const watchdog = (replica: string, status: 'firing' | 'resolved' = 'firing') => ({
  name: 'Watchdog',
  fingerprint: `watchdog-${replica}`,
  status,
  labels: { replica, severity: 'info' },
});

async function deliver(t: App, alerts: Parameters<typeof notification>[0]) {
  const res = await request(t.app)
    .post('/api/v1/alertmanager')
    .send(notification(alerts, { groupKey: 'watchdog' }))
    .expect(200);
  await t.inbox.drained();
  return res.body as { status: string; inbox_id: number | null; heartbeats?: number };
}

async function check(t: App, at: number) {
  const changes = await t.heartbeats.check(new Date(at).toISOString());
  await t.inbox.drained();
  await t.dispatcher.idle();
  return changes;
}

const incidents = (t: App) =>
  t.db.selectFrom('incidents').select(['id', 'title', 'status', 'group_labels', 'receiver']).execute();

describe('heartbeats', () => {
  it('records heartbeat alerts per source instead of opening incidents, and passes the rest on', async () => {
    hook.requests.length = 0;
    const t = await startTestApp(config(), env);
    try {
      expect(await deliver(t, [watchdog('a'), watchdog('b')])).toEqual({
        status: 'accepted',
        inbox_id: null,
        heartbeats: 2,
      });
      const mixed = await deliver(t, [
        watchdog('a'),
        { fingerprint: 'real', labels: { service: 'api' } },
        watchdog('c', 'resolved'),
      ]);
      expect(mixed).toMatchObject({ inbox_id: expect.any(Number), heartbeats: 2 });
      const stored = await t.db
        .selectFrom('inbox')
        .select('payload')
        .where('id', '=', mixed.inbox_id as number)
        .executeTakeFirstOrThrow();
      expect((JSON.parse(stored.payload) as { alerts: unknown[] }).alerts).toHaveLength(1);
      expect((await incidents(t)).map((i) => i.title)).toEqual(['HighErrorRate on api']);

      const metrics = (await request(t.app).get('/metrics')).text;
      expect(metrics).toMatch(
        /^vigil_heartbeat_last_received_timestamp_seconds\{replica="a",heartbeat="watchdog"\} \d{10}(\.\d+)?$/m,
      );
      expect(metrics).toContain('vigil_heartbeat_missing{replica="b",heartbeat="watchdog"} 0');
      // A resolved heartbeat alert does not beat: no source c.
      expect(metrics).not.toContain('replica="c"');
    } finally {
      await t.close();
    }
  });

  it('matches heartbeat alerts on their labels as sent, a name Object has (constructor) counting as absent', async () => {
    const t = await startTestApp(
      { heartbeats: [{ name: 'plain', matchers: ['alertname="Watchdog"', 'constructor=""'] }] },
      env,
    );
    try {
      // Deliveries without a heartbeat alert are checked where they lie, not copied (webhook/route.ts):
      // their labels are JSON.parse's objects, on which a bare read of "constructor" finds Object's.
      expect(await deliver(t, [watchdog('a')])).toEqual({
        status: 'accepted',
        inbox_id: null,
        heartbeats: 1,
      });
      const kept = await deliver(t, [{ ...watchdog('b'), labels: { replica: 'b', constructor: 'set' } }]);
      expect(kept).toEqual({ status: 'accepted', inbox_id: expect.any(Number) });
      expect((await incidents(t)).map((i) => i.title)).toEqual(['Watchdog on api']);
    } finally {
      await t.close();
    }
  });

  it('refuses with 400, not a 503 to be retried forever, a delivery with heartbeats nested too deep to store', async () => {
    const t = await startTestApp(config(), env);
    const text = JSON.stringify(notification([watchdog('a'), { fingerprint: 'x' }])).replace(
      /^\{/,
      `{"deep":${'['.repeat(100_000)}${']'.repeat(100_000)},`,
    );
    const res = await request(t.app)
      .post('/api/v1/alertmanager')
      .set('Content-Type', 'application/json')
      .send(text)
      .expect(400);
    expect(res.body.error).toMatchObject({
      code: 'invalid_payload',
      message: 'the body nests too deeply to be stored',
    });
    // The same sender's next, ordinary delivery is taken.
    expect(await deliver(t, [watchdog('a'), { fingerprint: 'x' }])).toMatchObject({ heartbeats: 1 });
    await t.close();
  });

  it('opens an incident through routing for a source gone quiet past its timeout, and resolves it when it beats again', async () => {
    hook.requests.length = 0;
    const t = await startTestApp(config(), env);
    try {
      // On the checker's clock: beats received at given times (receive() is what the webhook calls).
      const beat = Date.now() + 10 * MIN;
      const beatAt = (at: number, ...replicas: string[]) =>
        t.heartbeats.receive(notification(replicas.map((r) => watchdog(r))), new Date(at).toISOString());
      await beatAt(beat, 'a', 'b');
      expect(await check(t, beat + 5 * MIN - 1000)).toBe(0);
      await beatAt(beat + 3 * MIN, 'b'); // b keeps beating, a has gone quiet
      expect(await check(t, beat + 5 * MIN + 1000)).toBe(1);
      expect(await check(t, beat + 6 * MIN)).toBe(0); // one incident per outage

      const [opened] = await incidents(t);
      expect(await incidents(t)).toHaveLength(1);
      expect(opened).toMatchObject({ status: 'triggered', receiver: 'vigil-heartbeats' });
      expect(opened!.title).toMatch(/^No watchdog heartbeat from replica="a" since /);
      const page = JSON.parse(hook.requests.at(-1)!.body) as {
        incident: { status: string; labels?: Record<string, string> };
      };
      expect(page.incident.status).toBe('triggered');
      const alert = await t.db
        .selectFrom('alerts')
        .select('labels')
        .where('incident_id', '=', opened!.id)
        .executeTakeFirstOrThrow();
      expect(JSON.parse(alert.labels)).toEqual({
        alertname: 'HeartbeatMissing',
        heartbeat: 'watchdog',
        replica: 'a',
        severity: 'critical',
      });
      expect((await request(t.app).get('/metrics')).text).toContain(
        'vigil_heartbeat_missing{replica="a",heartbeat="watchdog"} 1',
      );

      await beatAt(beat + 7 * MIN, 'a');
      expect(await check(t, beat + 7 * MIN)).toBe(1);
      expect((await incidents(t)).map((i) => i.status)).toEqual(['resolved']);
      expect(
        hook.requests.map((r) => (JSON.parse(r.body) as { incident: { status: string } }).incident.status),
      ).toEqual(['triggered', 'resolved']);
    } finally {
      await t.close();
    }
  });

  it('forgets a source silent past forget_after once its incident is resolved, and its series with it', async () => {
    const doc = config();
    doc.heartbeats[0] = { ...doc.heartbeats[0]!, forget_after: '1d' } as (typeof doc.heartbeats)[0];
    const t = await startTestApp(doc, env);
    try {
      const DAY = 24 * 60 * MIN;
      const beat = Date.now() + 10 * MIN;
      await t.heartbeats.receive(notification([watchdog('a'), watchdog('b')]), new Date(beat).toISOString());
      expect(await check(t, beat + 6 * MIN)).toBe(2); // both quiet: two incidents
      const series = async () =>
        ((await request(t.app).get('/metrics')).text.match(/^vigil_heartbeat_missing\{.*$/gm) ?? []).sort();
      // Past forget_after, but the incidents are open: both kept.
      await check(t, beat + DAY + MIN);
      expect(await series()).toEqual([
        'vigil_heartbeat_missing{replica="a",heartbeat="watchdog"} 1',
        'vigil_heartbeat_missing{replica="b",heartbeat="watchdog"} 1',
      ]);
      const [first] = await incidents(t);
      expect(first!.title).toMatch(/replica="a"/);
      expect(await act(t.db, first!.id, 'ops', { kind: 'resolve' }, new Map())).toEqual({ outcome: 'ok' });
      await check(t, beat + DAY + 2 * MIN);
      expect(await series()).toEqual(['vigil_heartbeat_missing{replica="b",heartbeat="watchdog"} 1']);
      expect(await incidents(t)).toHaveLength(2); // no new incident for the forgotten source

      // Heard from again, it is tracked afresh.
      await t.heartbeats.receive(notification([watchdog('a')]), new Date(beat + 2 * DAY).toISOString());
      await check(t, beat + 2 * DAY);
      expect(await series()).toEqual([
        'vigil_heartbeat_missing{replica="a",heartbeat="watchdog"} 0',
        'vigil_heartbeat_missing{replica="b",heartbeat="watchdog"} 1',
      ]);
    } finally {
      await t.close();
    }
  });

  it('counts the timeout from its own start at the earliest: a receiver back from downtime does not page at once', async () => {
    const t = await startTestApp(config(), env);
    try {
      await deliver(t, [watchdog('a')]);
      // As if the last beat were an hour old when this receiver started.
      await t.db
        .updateTable('heartbeat_sources')
        .set({ last_received_at: new Date(Date.now() - 60 * MIN).toISOString() })
        .execute();
      expect(await check(t, Date.now() + 4 * MIN)).toBe(0);
      expect(await check(t, Date.now() + 6 * MIN)).toBe(1);
    } finally {
      await t.close();
    }
  });

  it('pages for a heartbeat without source_labels never heard from, its timeout after the start', async () => {
    hook.requests.length = 0;
    const doc = { ...config(), heartbeats: [{ name: 'watchdog', timeout: '5m' }] };
    const t = await startTestApp(doc, env);
    try {
      const metrics = async () => (await request(t.app).get('/metrics')).text;
      expect(await check(t, Date.now() + 4 * MIN)).toBe(0);
      expect(await metrics()).toContain(
        'vigil_heartbeat_last_received_timestamp_seconds{heartbeat="watchdog"} 0',
      );
      expect(await metrics()).toContain('vigil_heartbeat_missing{heartbeat="watchdog"} 0');
      expect(await check(t, Date.now() + 6 * MIN)).toBe(1);
      const [opened] = await incidents(t);
      expect(opened).toMatchObject({ status: 'triggered', receiver: 'vigil-heartbeats' });
      expect(opened!.title).toMatch(/^No watchdog heartbeat since /);
      expect(await metrics()).toContain('vigil_heartbeat_missing{heartbeat="watchdog"} 1');
      // Its one source is never forgotten (forget_after is for sources taken away), nor paged twice.
      expect(await check(t, Date.now() + 5 * 24 * 60 * MIN)).toBe(0);
      expect(await incidents(t)).toHaveLength(1);
      // The first beat ends the outage.
      await t.heartbeats.receive(notification([watchdog('a')]), new Date(Date.now() + 7 * MIN).toISOString());
      expect(await check(t, Date.now() + 5 * 24 * 60 * MIN)).toBe(1);
      expect((await incidents(t)).map((i) => i.status)).toEqual(['resolved']);
    } finally {
      await t.close();
    }
  });

  it('resolves the open incident of a heartbeat that a reload renamed, which nothing would end otherwise', async () => {
    const t = await startTestApp(config(), env);
    try {
      const beat = Date.now() + 10 * MIN;
      await t.heartbeats.receive(notification([watchdog('a')]), new Date(beat).toISOString());
      expect(await check(t, beat + 6 * MIN)).toBe(1);
      expect((await incidents(t)).map((i) => i.status)).toEqual(['triggered']);
      // As the reloaded configuration's tracker: the heartbeat is now called watchdog2.
      const renamed = parseConfig(
        { ...config(), heartbeats: [{ name: 'watchdog2', source_labels: ['replica'] }] },
        env,
      );
      const reloaded = new Heartbeats(
        t.db,
        renamed.heartbeats,
        (raw, payload) => t.inbox.store(Buffer.from(raw), payload),
        {
          since: new Date().toISOString(),
        },
      );
      expect(await reloaded.check(new Date(beat + 7 * MIN).toISOString())).toBe(1);
      await t.inbox.drained();
      expect((await incidents(t)).map((i) => i.status)).toEqual(['resolved']);
      expect(await t.db.selectFrom('heartbeat_sources').select('heartbeat').execute()).toEqual([]);
      expect(await reloaded.check(new Date(beat + 8 * MIN).toISOString())).toBe(0);
    } finally {
      await t.close();
    }
  });

  it('refuses a source label the receiver sets itself, and a name used twice', () => {
    const problems = (heartbeats: unknown) => {
      try {
        parseConfig({ heartbeats }, {});
        return [];
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        return err.problems.map((p) => `${p.path.join('.')}: ${p.message}`);
      }
    };
    expect(problems([{ name: 'w', source_labels: ['heartbeat'] }])).toEqual([
      'heartbeats.0.source_labels.0: must not be alertname or heartbeat',
    ]);
    expect(problems([{ name: 'w' }, { name: 'w' }])).toEqual([
      'heartbeats.1.name: duplicate heartbeat name "w"',
    ]);
    expect(parseConfig({ heartbeats: [{ name: 'w' }] }, {}).heartbeats[0]).toMatchObject({
      matchers: [{ name: 'alertname', op: '=', value: 'Watchdog' }],
      source_labels: [],
      timeout: 300_000,
      labels: { severity: 'critical' },
    });
  });
});
