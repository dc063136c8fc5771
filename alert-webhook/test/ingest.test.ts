import { ingest } from '../src/incidents/ingest';
import { parseConfig } from '../src/config';
import { routingSchema } from '../src/routing/schema';
import type { Db } from '../src/db/database';
import { notification, openTempDb } from './helpers';
import { BACKENDS, stopTestPostgres } from './support/backends';

afterAll(stopTestPostgres);

// The same merge rules on every backend (PostgreSQL: a real server, see support/backends.ts).
describe.each(BACKENDS)('on %s', (backend) => {
  let db: Db;
  let close: () => Promise<void>;
  beforeEach(async () => ({ db, close } = await openTempDb(backend)));
  afterEach(() => close());

  const apply = (
    payload: ReturnType<typeof notification>,
    now = '2026-11-22T10:01:00.000Z',
    reopenWindowMs = 0,
    routing = parseConfig({}).routing,
  ) => ingest(db, [{ payload }], { now, reopenWindowMs, routing, policies: new Map() });
  const incidents = () => db.selectFrom('incidents').selectAll().orderBy('id').execute();
  const timelineKinds = async (id: number) =>
    (
      await db.selectFrom('timeline').select('kind').where('incident_id', '=', id).orderBy('id').execute()
    ).map((t) => t.kind);

  describe('merging Alertmanager snapshots into incidents', () => {
    it('opens one triggered incident for a firing group, with severity, service and title from labels', async () => {
      await apply(
        notification([
          { fingerprint: 'a', labels: { severity: 'warning', team: 'payments' } },
          { fingerprint: 'b', labels: { severity: 'critical', team: 'payments' } },
        ]),
      );
      const [incident, ...rest] = await incidents();
      expect(rest).toHaveLength(0);
      expect(incident).toMatchObject({
        status: 'triggered',
        severity: 'critical',
        service: 'api',
        team: 'payments',
        title: 'HighErrorRate on api',
        opened_at: '2026-11-22T10:00:00.000Z',
      });
      expect(await timelineKinds(incident!.id)).toEqual(['opened', 'alert_fired']);
      const fired = await db
        .selectFrom('timeline')
        .selectAll()
        .where('kind', '=', 'alert_fired')
        .executeTakeFirstOrThrow();
      expect(fired.message).toBe('2 alerts fired: HighErrorRate ×2');
      expect(JSON.parse(fired.data!)).toEqual({ fingerprints: ['a', 'b'] });
    });

    it('ignores a duplicate delivery: no new incident, alert or timeline entry', async () => {
      const payload = notification([{ fingerprint: 'a' }]);
      await apply(payload);
      await apply(payload, '2026-11-22T10:02:00.000Z');
      const all = await incidents();
      expect(all).toHaveLength(1);
      expect(await db.selectFrom('alerts').selectAll().execute()).toHaveLength(1);
      expect(await timelineKinds(all[0]!.id)).toEqual(['opened', 'alert_fired']);
    });

    it("auto-resolves when every alert has resolved, at the last alert's end", async () => {
      await apply(notification([{ fingerprint: 'a' }, { fingerprint: 'b' }]));
      await apply(notification([{ fingerprint: 'a', status: 'resolved' }, { fingerprint: 'b' }]));
      expect((await incidents())[0]!.status).toBe('triggered');
      await apply(
        notification([
          { fingerprint: 'a', status: 'resolved' },
          { fingerprint: 'b', status: 'resolved', endsAt: '2026-11-22T10:07:00Z' },
        ]),
        '2026-11-22T10:08:00.000Z',
      );
      const [incident] = await incidents();
      expect(incident).toMatchObject({
        status: 'resolved',
        resolved_by: 'alertmanager',
        resolved_at: '2026-11-22T10:07:00.000Z',
      });
      const b = await db
        .selectFrom('alerts')
        .selectAll()
        .where('fingerprint', '=', 'b')
        .executeTakeFirstOrThrow();
      expect(b.ends_at).toBe('2026-11-22T10:07:00.000Z');
      expect(await timelineKinds(incident!.id)).toEqual([
        'opened',
        'alert_fired',
        'alert_resolved',
        'alert_resolved',
        'resolved',
      ]);
    });

    it('records a resolved notification that arrives before any firing one, without an open incident', async () => {
      await apply(notification([{ fingerprint: 'a', status: 'resolved' }]));
      const [incident] = await incidents();
      expect(incident!.status).toBe('resolved');
      // The late firing snapshot of the same occurrence must not reopen it.
      await apply(notification([{ fingerprint: 'a' }]));
      expect(await incidents()).toHaveLength(1);
      expect((await incidents())[0]!.status).toBe('resolved');
    });

    it('never moves an alert backwards when an older firing snapshot arrives after the resolved one', async () => {
      await apply(notification([{ fingerprint: 'a' }]));
      await apply(notification([{ fingerprint: 'a', status: 'resolved' }]));
      await apply(notification([{ fingerprint: 'a' }]));
      const alert = await db.selectFrom('alerts').selectAll().executeTakeFirstOrThrow();
      expect(alert.status).toBe('resolved');
      expect((await incidents()).map((i) => i.status)).toEqual(['resolved']);
    });

    it('opens a new incident when the group fires again with a new occurrence after resolution', async () => {
      await apply(notification([{ fingerprint: 'a' }]));
      await apply(notification([{ fingerprint: 'a', status: 'resolved' }]));
      await apply(
        notification([{ fingerprint: 'a', startsAt: '2026-11-22T11:00:00Z' }]),
        '2026-11-22T11:00:30.000Z',
      );
      expect((await incidents()).map((i) => i.status)).toEqual(['resolved', 'triggered']);
    });

    it('reopens the resolved incident instead when the new firing falls within the reopen window', async () => {
      await apply(notification([{ fingerprint: 'a' }]));
      await apply(notification([{ fingerprint: 'a', status: 'resolved' }]), '2026-11-22T10:05:00.000Z');
      await apply(
        notification([{ fingerprint: 'a', startsAt: '2026-11-22T10:08:00Z' }]),
        '2026-11-22T10:08:30.000Z',
        10 * 60_000,
      );
      const all = await incidents();
      expect(all.map((i) => i.status)).toEqual(['triggered']);
      expect(await timelineKinds(all[0]!.id)).toContain('reopened');
      expect(await db.selectFrom('alerts').selectAll().execute()).toHaveLength(2);
    });

    it('merges deliveries of the same alerts from two Alertmanager receivers into one incident', async () => {
      await apply(notification([{ fingerprint: 'a' }], { receiver: 'vigil-a', groupKey: '{}/{a}:{}' }));
      await apply(
        notification([{ fingerprint: 'a' }, { fingerprint: 'b' }], {
          receiver: 'vigil-b',
          groupKey: '{}/{b}:{}',
        }),
      );
      const all = await incidents();
      expect(all).toHaveLength(1);
      expect(await db.selectFrom('alerts').select('incident_id').execute()).toEqual([
        { incident_id: all[0]!.id },
        { incident_id: all[0]!.id },
      ]);
    });

    it('keeps fields it does not know (Grafana extras) on the alert', async () => {
      const payload = notification([{ fingerprint: 'a' }]);
      (payload.alerts[0] as Record<string, unknown>).dashboardURL = 'http://grafana/d/x';
      await apply(payload);
      const alert = await db.selectFrom('alerts').selectAll().executeTakeFirstOrThrow();
      expect(JSON.parse(alert.extra)).toEqual({ dashboardURL: 'http://grafana/d/x' });
    });

    it('raises the incident severity when a more severe alert joins the group', async () => {
      await apply(notification([{ fingerprint: 'a', labels: { severity: 'warning' } }]));
      await apply(
        notification([
          { fingerprint: 'a', labels: { severity: 'warning' } },
          { fingerprint: 'b', labels: { severity: 'critical' } },
        ]),
      );
      expect((await incidents())[0]!.severity).toBe('critical');
    });

    it('snapshots the routes taken when the incident opens, and takes the team from the route without a team label', async () => {
      const routing = routingSchema.parse({
        team: 'ops',
        channels: ['ops-email'],
        routes: [
          {
            matchers: ['severity="critical"'],
            team: 'sre',
            channels: ['pager', 'sre-slack'],
            escalation: 'page',
          },
        ],
      });
      await apply(
        notification([{ fingerprint: 'a', labels: { severity: 'critical' } }]),
        undefined,
        0,
        routing,
      );
      const [incident] = await incidents();
      expect(incident!.team).toBe('sre');
      expect(JSON.parse(incident!.route!)).toEqual([
        {
          path: [0],
          key: '{}/{severity="critical"}',
          team: 'sre',
          channels: ['pager', 'sre-slack'],
          escalation: 'page',
        },
      ]);
      // A later configuration does not rewrite the incident's route.
      await apply(
        notification([{ fingerprint: 'a', labels: { severity: 'critical' } }, { fingerprint: 'b' }]),
      );
      expect((await incidents())[0]!.route).toBe(incident!.route);
    });
  });
});
