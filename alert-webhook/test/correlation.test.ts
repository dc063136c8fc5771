import { ConfigError, parseConfig } from '../src/config';
import { openDatabase, type Db } from '../src/db/database';
import { ingest } from '../src/incidents/ingest';
import { formatDuration } from '@vigil/service-kit';
import { correlationOf } from '../src/incidents/correlation';
import { presentIncidentDetail } from '../src/api/presenters';
import { routingSchema } from '../src/routing/schema';
import request from 'supertest';
import { notification, startTestApp, tempDir } from './helpers';
import { startReceiver, type Receiver } from './fixtures/notify/receiver';
import { asViewer, env, noiseConfig, sent, settle, type App } from './fixtures/noise';
import { BACKENDS, freshStorage, stopTestPostgres } from './support/backends';
import { mergeHarness, PAGING_POLICIES } from './support/merge';

afterAll(stopTestPostgres);

const CHECKOUT_RULE = { by: ['service'], window: '30m' };

/** The paging route of the merge tests, with a correlation rule on the default route (or none). */
const routing = (correlation?: unknown, routes: unknown[] = []) =>
  routingSchema.parse({
    team: 'ops',
    channels: ['pager'],
    escalation: 'page',
    ...(correlation === undefined ? {} : { correlation }),
    routes,
  });

/** One failing service as its alerts reach the receiver: three rules, three Alertmanager groups. */
function failingService(service = 'checkout', at = '2026-11-22T10:00:00.000Z') {
  const group = (name: string, labels: Record<string, string>, annotations: Record<string, string> = {}) =>
    notification(
      [
        {
          name,
          fingerprint: `${name}-${service}`,
          labels: { service, ...labels },
          annotations,
          startsAt: at,
        },
      ],
      {
        groupKey: `{}:{alertname="${name}", service="${service}"}`,
      },
    );
  return [
    group('ServiceDown', { severity: 'critical', component: 'service-health' }, { root_cause: service }),
    group('ErrorBudgetBurnPage', { severity: 'critical', slo: 'availability', burnrate_tier: '1h' }),
    group('MetricAnomaly', { severity: 'warning', component: 'anomaly', query: 'latency' }),
  ];
}

/** The group's next snapshot: its alerts resolved. */
const resolvedOf = (group: ReturnType<typeof notification>) => ({
  ...group,
  status: 'resolved' as const,
  alerts: group.alerts.map((a) => ({
    ...a,
    status: 'resolved' as const,
    endsAt: '2026-11-22T10:04:00.000Z',
  })),
});

describe.each(BACKENDS)('correlation on %s', (backend) => {
  let db: Db;
  let cleanup: () => void;
  const h = mergeHarness(() => db);
  const merge = (
    payloads: ReturnType<typeof notification>[],
    tree = routing(CHECKOUT_RULE),
    now = '2026-11-22T10:05:00.000Z',
  ) =>
    ingest(
      db,
      payloads.map((payload) => ({ payload })),
      { now, reopenWindowMs: 0, routing: tree, policies: PAGING_POLICIES },
    );

  beforeEach(async () => {
    const dir = tempDir();
    cleanup = dir.cleanup;
    db = await openDatabase(parseConfig({ storage: await freshStorage(backend, dir.dir) }).storage);
  });
  afterEach(async () => {
    await db.destroy();
    cleanup();
  });

  it("records a join once: a joined group's later alerts go to its incident without another correlated entry", async () => {
    const [down, burn] = failingService();
    await merge([down!, burn!]);
    // Each group again, with a new alert: both already have their incident.
    const more = (group: ReturnType<typeof notification>, fingerprint: string) => ({
      ...group,
      alerts: [...group.alerts, { ...group.alerts[0]!, fingerprint }],
    });
    await merge([more(down!, 'down-2'), more(burn!, 'burn-2')], undefined, '2026-11-22T10:06:00.000Z');
    const [incident, ...rest] = await h.incidents();
    expect(rest).toHaveLength(0);
    expect((await h.alerts()).map((a) => a.incident_id)).toEqual([1, 2, 3, 4].map(() => incident!.id));
    expect((await h.timeline(incident!.id)).filter((t) => t.kind === 'correlated')).toHaveLength(1);
  });

  it('joins ServiceDown, a burn-rate and an anomaly alert on one service into one incident that pages once', async () => {
    for (const payload of failingService()) await merge([payload]);
    const incidents = await h.incidents();
    expect(incidents).toHaveLength(1);
    const [incident] = incidents;
    expect(await h.notifications()).toEqual([`${incident!.id}:triggered`]);
    expect(await h.alerts()).toHaveLength(3);

    const correlated = (await h.timeline(incident!.id)).filter((t) => t.kind === 'correlated');
    expect(correlated.map((t) => t.message)).toEqual([
      'ErrorBudgetBurnPage joined: same service="checkout" within 30m (correlation rule of route {})',
      'MetricAnomaly joined: same service="checkout" within 30m (correlation rule of route {})',
    ]);
    expect(JSON.parse(correlated[0]!.data!)).toEqual({
      rule: { route: '{}', by: ['service'], window: '30m' },
      labels: { service: 'checkout' },
      alertnames: ['ErrorBudgetBurnPage'],
      receiver: 'vigil',
      group_key: '{}:{alertname="ErrorBudgetBurnPage", service="checkout"}',
    });

    // The API shows the joined groups and the likely cause ServiceDown named.
    const detail = presentIncidentDetail({
      incident: incident!,
      alerts: await db.selectFrom('alerts').selectAll().execute(),
      timeline: await db.selectFrom('timeline').selectAll().orderBy('id').execute(),
      tickets: [],
    });
    expect(detail.likely_cause).toBe('checkout');
    expect(detail.correlations.map((c) => [c.alertnames, c.labels, c.rule.window])).toEqual([
      [['ErrorBudgetBurnPage'], { service: 'checkout' }, '30m'],
      [['MetricAnomaly'], { service: 'checkout' }, '30m'],
    ]);
    expect(detail.timeline.find((t) => t.kind === 'likely_cause')?.message).toBe(
      'likely cause: checkout (named by ServiceDown)',
    );
  });

  it('opens three incidents, three pages, without a rule', async () => {
    for (const payload of failingService()) await merge([payload], routing());
    expect(await h.incidents()).toHaveLength(3);
    expect((await h.notifications()).filter((n) => n.endsWith(':triggered'))).toHaveLength(3);
    expect((await h.timeline()).filter((t) => t.kind === 'correlated')).toEqual([]);
  });

  it('gives one incident when the three groups arrive in one merge batch', async () => {
    await merge(failingService());
    expect(await h.incidents()).toHaveLength(1);
    expect((await h.timeline()).filter((t) => t.kind === 'correlated')).toHaveLength(2);
    expect(await h.notifications()).toHaveLength(1);
  });

  it('gives one incident when the three groups merge at the same time (replicas)', async () => {
    await Promise.all(failingService().map((payload) => merge([payload])));
    expect(await h.incidents()).toHaveLength(1);
    expect(await h.notifications()).toHaveLength(1);
  });

  it('keeps services apart, and a group outside the window or after the incident resolved opens its own', async () => {
    const [down, burn] = failingService();
    await merge([down!]);
    await merge([failingService('payments')[1]!]);
    expect((await h.incidents()).map((i) => i.service)).toEqual(['checkout', 'payments']);

    // 31 minutes after ServiceDown started: outside the window.
    await merge([burn!], routing(CHECKOUT_RULE), '2026-11-22T10:31:00.000Z');
    expect((await h.incidents()).map((i) => i.title)).toHaveLength(3);
  });

  it('joins a resolved incident never: the next group opens a new one', async () => {
    const [down, burn] = failingService();
    await merge([down!]);
    await merge([resolvedOf(down!)]);
    await merge([burn!]);
    expect((await h.incidents()).map((i) => i.status)).toEqual(['resolved', 'triggered']);
  });

  it('follows further alerts of a joined group into the incident it joined', async () => {
    const [down, burn] = failingService();
    await merge([down!, burn!]);
    // The burn group's next snapshot: its alert resolves, and the shared incident stays open for ServiceDown.
    await merge([resolvedOf(burn!)]);
    const incidents = await h.incidents();
    expect(incidents.map((i) => i.status)).toEqual(['triggered']);
    expect((await h.alerts()).map((a) => a.status)).toEqual(['firing', 'resolved']);
  });

  it("applies a route's rule to that route's incidents only, not its child routes'", async () => {
    const tree = routing(CHECKOUT_RULE, [{ matchers: ['severity="warning"'] }]);
    for (const payload of failingService()) await merge([payload], tree);
    // The anomaly (a warning) goes to the child route, which has no rule of its own.
    expect(await h.incidents()).toHaveLength(2);
  });

  it('keeps the incidents of two routes apart, the same service notwithstanding', async () => {
    const tree = routing(undefined, [
      { matchers: ['severity="critical"'], correlation: CHECKOUT_RULE },
      { matchers: ['severity="warning"'], correlation: CHECKOUT_RULE },
    ]);
    for (const payload of failingService()) await merge([payload], tree);
    expect((await h.incidents()).map((i) => i.severity)).toEqual(['critical', 'warning']);
  });
});

describe('correlation rules', () => {
  it('need every `by` label, with one value across the group', () => {
    const tree = routing({ by: ['service', 'cluster'], window: '1h' });
    const [down] = failingService();
    expect(correlationOf(down!, tree)).toBeUndefined();
    const both = notification([
      { fingerprint: 'a', labels: { service: 'api', cluster: 'eu' } },
      { fingerprint: 'b', labels: { service: 'api', cluster: 'us' } },
    ]);
    expect(correlationOf(both, tree)).toBeUndefined();
    const one = notification([{ fingerprint: 'a', labels: { service: 'api', cluster: 'eu' } }]);
    expect(correlationOf(one, tree)).toMatchObject({
      routeKey: '{}',
      labels: { cluster: 'eu', service: 'api' },
      rule: { by: ['service', 'cluster'], window: 3_600_000 },
    });
    expect(correlationOf(notification([{ status: 'resolved' }]), tree)).toBeUndefined();
  });

  it('are refused with the key named when malformed', () => {
    const bad = (correlation: unknown) => () =>
      parseConfig({ routing: { team: 'ops', channels: [], correlation } });
    expect(bad({ by: [], window: '30m' })).toThrow(ConfigError);
    expect(bad({ by: ['service'], window: 'soon' })).toThrow(
      /routing\.correlation\.window.*invalid duration "soon"/s,
    );
    expect(bad({ by: ['not a label'], window: '30m' })).toThrow(
      /routing\.correlation\.by\[0\]: must be a label name/,
    );
    expect(bad({ by: ['service'] })).toThrow(/routing\.correlation\.window/);
    expect(bad({ by: ['service'], window: '30m', within: '1h' })).toThrow(/within/);
  });

  it('are answered from the timeline, a damaged entry left out rather than failing the page', () => {
    const entry = (id: number, data: string | null) => ({
      id,
      incident_id: 1,
      at: '2026-11-22T10:05:00.000Z',
      kind: 'correlated',
      actor: 'alertmanager',
      message: 'MetricAnomaly joined',
      data,
    });
    const rule = { route: '{}', by: ['service'], window: '30m' };
    const detail = presentIncidentDetail({
      incident: { id: 1, route: null, likely_cause: null } as Parameters<
        typeof presentIncidentDetail
      >[0]['incident'],
      alerts: [],
      timeline: [
        entry(1, null),
        entry(2, '{"rule": "not an object"}'),
        entry(
          3,
          JSON.stringify({ rule, labels: { service: 'api' }, alertnames: ['MetricAnomaly'], group_key: 'g' }),
        ),
      ],
      tickets: [],
    });
    expect(detail.correlations).toEqual([
      {
        at: '2026-11-22T10:05:00.000Z',
        rule,
        labels: { service: 'api' },
        alertnames: ['MetricAnomaly'],
        group_key: 'g',
      },
    ]);
  });

  it('show their window as configured', () => {
    expect([1_800_000, 5_400_000, 90_061_500, 500].map(formatDuration)).toEqual([
      '30m',
      '1h30m',
      '1d1h1m1s500ms',
      '500ms',
    ]);
  });
});

describe('correlation through the receiver (SQLite merge thread)', () => {
  let receiver: Receiver;
  let t: App;
  beforeEach(async () => {
    receiver = await startReceiver(() => ({ status: 200 }));
    const config = noiseConfig(receiver, {
      routing: { team: 'ops', channels: ['team'], correlation: CHECKOUT_RULE },
    });
    t = await startTestApp(config, env);
  });
  afterEach(async () => {
    await t.close();
    await receiver.close();
  });

  it('answers one incident with its correlations and likely cause, notified once', async () => {
    // Started a minute ago: within the window of the receiver's own clock.
    const startedAt = new Date(Date.now() - 60_000).toISOString();
    for (const payload of failingService('checkout', startedAt)) {
      await request(t.app).post('/api/v1/alertmanager').send(payload).expect(200);
      await settle(t);
    }
    const list = await request(t.app).get('/api/v1/incidents').set(asViewer).expect(200);
    expect(list.body.items).toHaveLength(1);
    const id = list.body.items[0].id as number;
    expect(list.body.items[0].likely_cause).toBe('checkout');
    const detail = await request(t.app).get(`/api/v1/incidents/${id}`).set(asViewer).expect(200);
    expect((detail.body.correlations as { alertnames: string[] }[]).map((c) => c.alertnames)).toEqual([
      ['ErrorBudgetBurnPage'],
      ['MetricAnomaly'],
    ]);
    expect(sent(receiver).map((s) => [s.incident.incidentId, s.incident.status])).toEqual([
      [id, 'triggered'],
    ]);
  });
});
