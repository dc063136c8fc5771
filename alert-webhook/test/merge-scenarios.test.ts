import { act } from '../src/incidents/repository';
import type { Db } from '../src/db/database';
import { notification, openTempDb } from './helpers';
import { BACKENDS, stopTestPostgres } from './support/backends';
import { mergeHarness, PAGING_POLICIES } from './support/merge';

afterAll(stopTestPostgres);

/**
 * Merge scenarios whose outcome decides whether someone is paged, each asserted on what is stored and
 * queued, not only the final status (issue 23: the mutants these kill survived the older tests).
 */
describe.each(BACKENDS)('merging on %s', (backend) => {
  let db: Db;
  let close: () => Promise<void>;
  beforeEach(async () => ({ db, close } = await openTempDb(backend)));
  afterEach(() => close());
  const { merge, incidents, alerts, timeline, notifications, escalations } = mergeHarness(() => db);

  it('pages for a first snapshot holding one firing and one resolved alert', async () => {
    const [result] = await merge(
      notification([
        { fingerprint: 'a' },
        { fingerprint: 'b', status: 'resolved', endsAt: '2026-11-22T10:00:30Z' },
      ]),
    );
    const [incident, ...rest] = await incidents();
    expect(rest).toHaveLength(0);
    expect(incident).toMatchObject({ status: 'triggered', resolved_at: null, resolved_by: null });
    expect(result).toEqual({ incidentIds: [incident!.id], opened: 1, resolved: 0, changes: 1 });
    expect(await notifications()).toEqual([`${incident!.id}:triggered`]);
    expect(await escalations()).toEqual([{ incident_id: incident!.id, phase: 'active' }]);
    expect((await timeline()).map((t) => [t.kind, t.message])).toEqual([
      ['opened', 'HighErrorRate on api'],
      ['alert_fired', '1 alert fired: HighErrorRate'],
      ['alert_resolved', '1 alert resolved: HighErrorRate'],
    ]);
    expect((await alerts()).map((a) => [a.fingerprint, a.status, a.ends_at])).toEqual([
      ['a', 'firing', null],
      ['b', 'resolved', '2026-11-22T10:00:30.000Z'],
    ]);
  });

  it('records a resolved-only first snapshot as resolved: no page, no escalation, no resolve notice', async () => {
    const [result] = await merge(notification([{ fingerprint: 'a', status: 'resolved' }]), {
      now: '2026-11-22T10:06:00.000Z',
    });
    const [incident] = await incidents();
    expect(incident).toMatchObject({
      status: 'resolved',
      resolved_at: '2026-11-22T10:05:00.000Z', // its alert's endsAt, not when the news came
      resolved_by: 'alertmanager',
      opened_at: '2026-11-22T10:00:00.000Z',
    });
    expect(result).toEqual({ incidentIds: [incident!.id], opened: 0, resolved: 0, changes: 0 });
    expect(await notifications()).toEqual([]);
    expect(await escalations()).toEqual([]);
    expect((await timeline()).map((t) => [t.kind, t.message])).toEqual([
      ['opened', 'recorded already resolved: HighErrorRate on api'],
      ['alert_resolved', '1 alert resolved: HighErrorRate'],
    ]);
    expect(await db.selectFrom('incident_changes').selectAll().execute()).toEqual([]);
  });

  it('after a hand resolve, opens a new incident for a new alert and leaves the resolved one alone', async () => {
    await merge(notification([{ fingerprint: 'a' }]));
    const [first] = await incidents();
    expect(await act(db, first!.id, 'alice', { kind: 'resolve' }, PAGING_POLICIES)).toEqual({
      outcome: 'ok',
    });
    const handResolved = (await incidents())[0]!;

    // The group still fires a (Alertmanager has not seen it resolve) and now b as well.
    const [result] = await merge(notification([{ fingerprint: 'a' }, { fingerprint: 'b' }]), {
      now: '2026-11-22T10:10:00.000Z',
    });
    const [kept, second, ...rest] = await incidents();
    expect(rest).toHaveLength(0);
    expect(kept).toEqual(handResolved);
    expect(second).toMatchObject({ status: 'triggered', opened_at: '2026-11-22T10:00:00.000Z' });
    expect(result).toMatchObject({ incidentIds: [second!.id], opened: 1, resolved: 0 });
    expect((await alerts()).map((a) => [a.fingerprint, a.incident_id])).toEqual([
      ['a', first!.id],
      ['b', second!.id],
    ]);

    // a resolving later touches the hand-resolved incident but does not resolve it a second time.
    const [later] = await merge(
      notification([{ fingerprint: 'a', status: 'resolved' }, { fingerprint: 'b' }]),
      {
        now: '2026-11-22T10:20:00.000Z',
      },
    );
    expect(later).toMatchObject({ opened: 0, resolved: 0, changes: 0 });
    const [after] = await incidents();
    expect(after).toMatchObject({
      status: 'resolved',
      resolved_by: 'alice',
      resolved_at: handResolved.resolved_at,
      updated_at: '2026-11-22T10:20:00.000Z',
    });
    expect((await timeline(first!.id)).map((t) => t.kind)).toEqual([
      'opened',
      'alert_fired',
      'resolved',
      'alert_resolved',
    ]);
    expect((await notifications()).filter((n) => n.endsWith(':resolved'))).toEqual([`${first!.id}:resolved`]);
  });

  it('records a late resolved-only snapshot inside the reopen window without reopening', async () => {
    const window = { reopenWindowMs: 30 * 60_000 };
    await merge(notification([{ fingerprint: 'a' }]), window);
    await merge(notification([{ fingerprint: 'a', status: 'resolved' }]), {
      ...window,
      now: '2026-11-22T10:05:00.000Z',
    });
    const paged = await notifications();
    // A new occurrence of a, seen only once it had resolved again.
    const [result] = await merge(
      notification([
        {
          fingerprint: 'a',
          status: 'resolved',
          startsAt: '2026-11-22T10:07:00Z',
          endsAt: '2026-11-22T10:08:00Z',
        },
      ]),
      { ...window, now: '2026-11-22T10:09:00.000Z' },
    );
    expect(result).toMatchObject({ opened: 0, resolved: 0, changes: 0 });
    const [first, late] = await incidents();
    expect(first).toMatchObject({ status: 'resolved', resolved_at: '2026-11-22T10:05:00.000Z' });
    expect(late).toMatchObject({ status: 'resolved', resolved_at: '2026-11-22T10:08:00.000Z' });
    expect((await timeline()).map((t) => t.kind)).not.toContain('reopened');
    expect(await notifications()).toEqual(paged);
  });

  it('reopens inside the window with the reopen recorded, paged and escalated again', async () => {
    const window = { reopenWindowMs: 30 * 60_000 };
    await merge(notification([{ fingerprint: 'a' }]), window);
    const [first] = await incidents();
    await act(db, first!.id, 'bob', { kind: 'acknowledge' }, PAGING_POLICIES);
    await merge(notification([{ fingerprint: 'a', status: 'resolved' }]), {
      ...window,
      now: '2026-11-22T10:05:00.000Z',
    });
    const [result] = await merge(notification([{ fingerprint: 'a', startsAt: '2026-11-22T10:20:00Z' }]), {
      ...window,
      now: '2026-11-22T10:34:59.999Z',
    });
    expect(result).toEqual({ incidentIds: [first!.id], opened: 0, resolved: 0, changes: 1 });
    expect(await incidents()).toEqual([
      expect.objectContaining({
        id: first!.id,
        status: 'triggered',
        resolved_at: null,
        resolved_by: null,
        acknowledged_at: null,
        acknowledged_by: null,
      }),
    ]);
    expect((await timeline(first!.id)).filter((t) => t.kind === 'reopened')).toEqual([
      {
        incident_id: first!.id,
        kind: 'reopened',
        message: 'fired again within the reopen window',
        data: null,
      },
    ]);
    expect(await notifications()).toEqual([
      `${first!.id}:triggered`,
      `${first!.id}:acknowledged`,
      `${first!.id}:resolved`,
      `${first!.id}:triggered`,
    ]);
    expect(await escalations()).toEqual([{ incident_id: first!.id, phase: 'active' }]);
  });

  it('opens a new incident once the reopen window has passed (the boundary is inclusive)', async () => {
    const window = { reopenWindowMs: 10 * 60_000 };
    await merge(notification([{ fingerprint: 'a' }]), window);
    await merge(notification([{ fingerprint: 'a', status: 'resolved' }]), {
      ...window,
      now: '2026-11-22T10:05:00.000Z',
    });
    await merge(notification([{ fingerprint: 'a', startsAt: '2026-11-22T10:14:00Z' }]), {
      ...window,
      now: '2026-11-22T10:15:00.001Z',
    });
    expect((await incidents()).map((i) => i.status)).toEqual(['resolved', 'triggered']);
    await merge(
      notification([
        {
          fingerprint: 'a',
          startsAt: '2026-11-22T10:14:00Z',
          status: 'resolved',
          endsAt: '2026-11-22T10:20:00Z',
        },
      ]),
      { ...window, now: '2026-11-22T10:21:00.000Z' },
    );
    await merge(notification([{ fingerprint: 'a', startsAt: '2026-11-22T10:25:00Z' }]), {
      ...window,
      now: '2026-11-22T10:30:00.000Z',
    });
    expect((await incidents()).map((i) => i.status)).toEqual(['resolved', 'triggered']);
  });

  it('with reopening off, never reopens an incident resolved earlier in the same batch', async () => {
    const results = await merge([
      notification([{ fingerprint: 'a' }]),
      notification([{ fingerprint: 'a', status: 'resolved' }]),
      notification([{ fingerprint: 'a', startsAt: '2026-11-22T10:00:40Z' }]),
    ]);
    const [first, second, ...rest] = await incidents();
    expect(rest).toHaveLength(0);
    expect(first).toMatchObject({ status: 'resolved', resolved_at: '2026-11-22T10:01:00.000Z' });
    expect(second).toMatchObject({ status: 'triggered', opened_at: '2026-11-22T10:00:40.000Z' });
    expect(results.map((r) => [r.opened, r.resolved, r.changes])).toEqual([
      [1, 0, 1],
      [0, 1, 1],
      [1, 0, 1],
    ]);
    expect((await timeline()).map((t) => t.kind)).not.toContain('reopened');
  });

  it("joins a new alert to the incident owning the delivery's known occurrence, whichever receiver it came from", async () => {
    const other = { receiver: 'other', groupKey: '{}:{other}' };
    await merge(notification([{ fingerprint: 'a' }]));
    // The other receiver sends the same occurrence of a and a new alert b: b joins a's open incident.
    await merge(notification([{ fingerprint: 'a' }, { fingerprint: 'b' }], other));
    const [owner, ...none] = await incidents();
    expect(none).toHaveLength(0);
    expect((await alerts()).map((a) => [a.fingerprint, a.incident_id])).toEqual([
      ['a', owner!.id],
      ['b', owner!.id],
    ]);
    // A new occurrence of a (another startsAt) in a third group is not owned by anyone: its own incident.
    await merge(
      notification([{ fingerprint: 'a', startsAt: '2026-11-22T10:00:30Z' }], { groupKey: '{}:{third}' }),
    );
    const [, third, ...rest] = await incidents();
    expect(rest).toHaveLength(0);
    expect(third).toMatchObject({ group_key: '{}:{third}', status: 'triggered' });
    expect((await alerts()).map((a) => a.incident_id)).toEqual([owner!.id, owner!.id, third!.id]);
  });

  it("opens a new incident for a new occurrence in the batch that resolved the group's incident", async () => {
    await merge(notification([{ fingerprint: 'a' }]));
    await merge([
      notification([{ fingerprint: 'a', status: 'resolved' }]),
      notification([{ fingerprint: 'a', startsAt: '2026-11-22T10:00:40Z' }]),
    ]);
    expect((await incidents()).map((i) => i.status)).toEqual(['resolved', 'triggered']);
  });

  it('merges a storm of more than 400 alerts once, however often it is delivered', async () => {
    const many = (status: 'firing' | 'resolved') =>
      notification(
        Array.from({ length: 950 }, (_, i) => ({ fingerprint: `fp${String(i).padStart(4, '0')}`, status })),
      );
    const [first] = await merge(many('firing'));
    expect(first).toMatchObject({ opened: 1, changes: 1 });
    await merge(many('firing'), { now: '2026-11-22T10:02:00.000Z' });
    const stored = await alerts();
    expect(stored).toHaveLength(950);
    expect(new Set(stored.map((a) => a.fingerprint)).size).toBe(950);
    expect(stored.every((a) => a.last_seen_at === '2026-11-22T10:02:00.000Z')).toBe(true);
    expect(await incidents()).toHaveLength(1);

    const [done] = await merge(many('resolved'), { now: '2026-11-22T10:09:00.000Z' });
    expect(done).toMatchObject({ opened: 0, resolved: 1, changes: 1 });
    expect((await alerts()).filter((a) => a.status !== 'resolved')).toEqual([]);
    expect((await incidents())[0]).toMatchObject({
      status: 'resolved',
      resolved_at: '2026-11-22T10:05:00.000Z', // the alerts' endsAt
    });
    const events = await timeline();
    expect(events.map((t) => [t.kind, t.message])).toEqual([
      ['opened', 'HighErrorRate on api'],
      ['alert_fired', '950 alerts fired: HighErrorRate ×950'],
      ['alert_resolved', '950 alerts resolved: HighErrorRate ×950'],
      ['resolved', 'all alerts resolved'],
    ]);
    expect(JSON.parse(events[1]!.data!).fingerprints).toHaveLength(950);
  });

  it('opens at the earliest start and stores what each alert carried', async () => {
    const payload = notification(
      [
        {
          fingerprint: 'late',
          startsAt: '2026-11-22T10:05:00Z',
          labels: { component: 'db', severity: 'info' },
        },
        { fingerprint: 'early', startsAt: '2026-11-22T09:58:00Z', labels: { component: 'db' } },
        {
          fingerprint: 'mid',
          startsAt: '2026-11-22T10:02:00Z',
          status: 'resolved',
          endsAt: '2026-11-22T10:03:00Z',
        },
      ],
      { extra: { commonLabels: { alertname: 'HighErrorRate', component: 'db' } } },
    );
    payload.alerts[0]!.generatorURL = 'http://prometheus:9090/graph?g0.expr=late';
    await merge(payload);
    const [incident] = await incidents();
    expect(incident).toMatchObject({
      opened_at: '2026-11-22T09:58:00.000Z',
      component: 'db',
      external_url: 'http://alertmanager:9093',
      severity: 'warning',
      updated_at: '2026-11-22T10:01:00.000Z',
    });
    const byName = new Map((await alerts()).map((a) => [a.fingerprint, a]));
    expect(byName.get('late')).toMatchObject({
      starts_at: '2026-11-22T10:05:00.000Z',
      ends_at: null,
      status: 'firing',
      severity: 'info',
      generator_url: 'http://prometheus:9090/graph?g0.expr=late',
      last_seen_at: '2026-11-22T10:01:00.000Z',
      extra: '{}',
    });
    expect(JSON.parse(byName.get('late')!.labels)).toMatchObject({ component: 'db', severity: 'info' });
    expect(JSON.parse(byName.get('late')!.annotations)).toEqual({ summary: 'HighErrorRate on api' });
    expect(byName.get('mid')).toMatchObject({ status: 'resolved', ends_at: '2026-11-22T10:03:00.000Z' });

    // A later snapshot refreshes the annotations and last_seen_at of a firing alert; a resolve keeps its end.
    const again = notification([
      {
        fingerprint: 'late',
        startsAt: '2026-11-22T10:05:00Z',
        labels: { component: 'db', severity: 'info' },
        annotations: { summary: 'now worse' },
      },
      {
        fingerprint: 'early',
        startsAt: '2026-11-22T09:58:00Z',
        status: 'resolved',
        endsAt: '2026-11-22T10:07:00Z',
        labels: { component: 'db' },
      },
    ]);
    await merge(again, { now: '2026-11-22T10:08:00.000Z' });
    const after = new Map((await alerts()).map((a) => [a.fingerprint, a]));
    expect(JSON.parse(after.get('late')!.annotations)).toEqual({ summary: 'now worse' });
    expect(after.get('late')).toMatchObject({ last_seen_at: '2026-11-22T10:08:00.000Z', status: 'firing' });
    expect(after.get('early')).toMatchObject({
      status: 'resolved',
      ends_at: '2026-11-22T10:07:00.000Z',
      last_seen_at: '2026-11-22T10:08:00.000Z',
    });
    expect(after.get('mid')).toMatchObject({ last_seen_at: '2026-11-22T10:01:00.000Z' });
    // Severity is the highest of all the incident's alerts, resolved ones included.
    expect((await incidents())[0]).toMatchObject({
      status: 'triggered',
      severity: 'warning',
      updated_at: '2026-11-22T10:08:00.000Z',
    });
  });

  it('ends a resolved alert without endsAt at the merge time, and a payload without externalURL has none', async () => {
    const payload = notification([{ fingerprint: 'a', status: 'resolved' }], { extra: { externalURL: '' } });
    delete (payload.alerts[0] as { endsAt?: string }).endsAt;
    delete (payload.alerts[0] as { generatorURL?: string }).generatorURL;
    await merge(payload, { now: '2026-11-22T10:04:00.000Z' });
    expect((await alerts())[0]).toMatchObject({ ends_at: '2026-11-22T10:04:00.000Z', generator_url: null });
    expect((await incidents())[0]).toMatchObject({ external_url: null, component: null });
  });

  it('takes the title from the common summary, then the first alert, the alert name, the group labels or the group key', async () => {
    const titled = async (payload: ReturnType<typeof notification>) => {
      await merge(payload);
      return (await incidents()).at(-1)!.title;
    };
    const base = (groupKey: string, extra: Record<string, unknown> = {}) =>
      notification([{ fingerprint: groupKey }], { groupKey, extra });
    expect(await titled(base('g1', { commonAnnotations: { summary: 'common' } }))).toBe('common');
    expect(await titled(base('g2'))).toBe('HighErrorRate on api');
    const noSummary = base('g3');
    noSummary.alerts[0]!.annotations = {};
    expect(await titled(noSummary)).toBe('HighErrorRate');
    const noName = base('g4', { commonLabels: {}, groupLabels: { service: 'api', team: 'x' } });
    noName.alerts[0]!.annotations = {};
    noName.alerts[0]!.labels = { service: 'api' };
    expect(await titled(noName)).toBe('service=api, team=x');
    const bare = base('{}:{g5}', { commonLabels: {}, groupLabels: {} });
    bare.alerts[0]!.annotations = {};
    bare.alerts[0]!.labels = {};
    expect(await titled(bare)).toBe('{}:{g5}');
    expect((await incidents()).at(-1)).toMatchObject({ service: null, severity: 'none', team: 'ops' });
  });
});
