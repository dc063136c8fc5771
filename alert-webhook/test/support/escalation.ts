import request from 'supertest';
import { notification, startTestApp } from '../helpers';
import { startReceiver, type Receiver } from '../fixtures/notify/receiver';

/**
 * Escalation tests in process and on the escalator's own clock (tick(at)): every due time is exact, so
 * they do not wait for anything. Each user's pager (and the `ops` channel) is a webhook to one local
 * receiver, the path naming who was paged. Call at the top of a test file: it starts and stops that receiver.
 */
export const MIN = 60_000;
const USERS = ['alice', 'bob', 'carol', 'dave'];
export const env = { TOKEN: 'tok', SECRET: 'webhook-secret' };

export type App = Awaited<ReturnType<typeof startTestApp>>;

export const page = (...users: string[]) => ({ kind: 'notify_users', users });
export const wait = (duration: string) => ({ kind: 'wait', duration });

export function escalationHarness() {
  let pagers: Receiver;
  beforeAll(async () => {
    pagers = await startReceiver(() => ({ status: 200 }));
  });
  afterAll(() => pagers.close());

  const hook = (path: string) => ({
    kind: 'webhook',
    url: `${pagers.url}/${path}`,
    secret: { env: 'SECRET' },
  });

  /** A configuration whose route escalates with `policy`; users alice–dave, schedule `primary`. */
  function config(policy: Record<string, unknown>, extra: Record<string, unknown> = {}) {
    const now = Date.now();
    return {
      api: { tokens: [{ name: 'responder', role: 'responder', token: { env: 'TOKEN' } }] },
      notifications: {
        channels: {
          ...Object.fromEntries(USERS.map((u) => [`${u}-pager`, hook(u)])),
          ops: hook('ops'),
        },
        retry: { max_attempts: 1, initial_delay: '10ms', max_delay: '10ms' },
      },
      users: USERS.map((name) => ({ name, channels: [`${name}-pager`] })),
      oncall: {
        schedules: [
          {
            name: 'primary',
            rotations: [
              {
                name: 'daily',
                type: 'daily',
                handoff: '00:00',
                time_zone: 'UTC',
                start: '2026-01-01',
                participants: ['alice', 'bob'],
              },
            ],
            // Dave stands in for whoever the rotation has on call, from an hour ago to an hour from now.
            overrides: [
              {
                user: 'dave',
                from: new Date(now - 60 * MIN).toISOString(),
                to: new Date(now + 60 * MIN).toISOString(),
              },
            ],
          },
        ],
      },
      escalation_policies: [{ name: 'policy', ...policy }],
      routing: { team: 'ops', channels: [], escalation: 'policy' },
      ...extra,
    };
  }

  /** Runs body against an app of this configuration, closing the app after. */
  async function withApp(doc: Record<string, unknown>, body: (t: App) => Promise<void>) {
    const t = await startTestApp(doc, env);
    await body(t).finally(() => t.close());
  }

  let fingerprints = 0;
  /** Incident ids start again in each test's database: pages are counted from the last open(). */
  let since = 0;
  /** A new incident (its own group), merged: its id and when its escalation starts. */
  async function open(t: App) {
    const fingerprint = `steps-${++fingerprints}`;
    since = pagers.requests.length;
    await request(t.app)
      .post('/api/v1/alertmanager')
      .send(notification([{ fingerprint, labels: { service: fingerprint } }], { groupKey: fingerprint }))
      .expect(200);
    await t.inbox.drained();
    const { incident_id, next_at } = await t.db
      .selectFrom('escalations')
      .innerJoin('incidents', 'incidents.id', 'escalations.incident_id')
      .select(['incident_id', 'next_at'])
      .where('incidents.group_key', '=', fingerprint)
      .executeTakeFirstOrThrow();
    return { id: incident_id, start: Date.parse(next_at) };
  }

  async function tick(t: App, at: number) {
    const fired = await t.escalator.tick(new Date(at));
    await t.dispatcher.idle();
    return fired;
  }

  /** Who was paged about the incident, in order (the pager's path is the user's name). */
  const paged = (id: number) =>
    pagers.requests
      .slice(since)
      .filter((r) => (JSON.parse(r.body) as { incident: { incidentId: number } }).incident.incidentId === id)
      .map((r) => r.path.slice(1));

  /** The route's requests about the incident since the last open(): its status in each. */
  const statusesSent = (id: number, path: string) =>
    pagers.requests
      .slice(since)
      .filter((r) => r.path === `/${path}`)
      .map((r) => JSON.parse(r.body) as { incident: { incidentId: number; status: string } })
      .filter((b) => b.incident.incidentId === id)
      .map((b) => b.incident.status);

  return { config, withApp, open, tick, paged, statusesSent };
}

/** The incident's escalation timeline: `kind: message` of its escalated, ack_timeout and resolved entries. */
export const escalated = async (t: App, id: number) =>
  (
    await t.db
      .selectFrom('timeline')
      .select(['kind', 'message'])
      .where('incident_id', '=', id)
      .where('kind', 'in', ['escalated', 'ack_timeout', 'resolved'])
      .orderBy('id')
      .execute()
  ).map((e) => `${e.kind}: ${e.message}`);

export const escalationRow = (t: App, id: number) =>
  t.db
    .selectFrom('escalations')
    .select(['phase', 'step', 'cycle', 'next_at'])
    .where('incident_id', '=', id)
    .executeTakeFirstOrThrow();

export const act = (t: App, id: number, action: 'acknowledge' | 'resolve') =>
  request(t.app)
    .post(`/api/v1/incidents/${id}/${action}`)
    .set('Authorization', 'Bearer tok')
    .send({})
    .expect(200);
