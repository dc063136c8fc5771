import request from 'supertest';
import { parseConfig } from '../src/config';
import { configRefusal } from '@vigil/testkit';
import { insertIncident, manualClock, startReportsApp, tempDir, TOKENS, TOKEN_ENV } from './fixtures/reports';

const NOW = '2026-11-05T00:10:00.000Z';
const reportsConfig = (timezone = 'UTC') => ({
  reports: {
    timezone,
    sla: [
      { severity: 'critical', acknowledge_within: '15m' },
      { severity: 'warning', acknowledge_within: '1h' },
    ],
  },
});

type App = Awaited<ReturnType<typeof startReportsApp>>;

/**
 * Incidents with hand-picked times, all but two opened in [2026-11-02, 2026-11-05) UTC. Expected figures
 * (seconds): acknowledged A 300, B 1200, E 1800; resolved A 3600, B 7200, C 600, F 3600.
 */
async function seed(t: App) {
  const incidents = [
    // A: acknowledged in time.
    {
      severity: 'critical',
      service: 'checkout',
      team: 'payments',
      opened: '2026-11-02T10:00:00Z',
      ackAfter: 300,
      resolveAfter: 3600,
      alerts: [
        ['HighErrorRate', 'checkout'],
        ['HighErrorRate', 'checkout'],
      ],
    },
    // B: acknowledged late.
    {
      severity: 'critical',
      service: 'checkout',
      team: 'payments',
      opened: '2026-11-02T12:00:00Z',
      ackAfter: 1200,
      resolveAfter: 7200,
      alerts: [
        ['HighErrorRate', 'checkout'],
        ['LatencyHigh', 'checkout'],
      ],
    },
    // C: resolved within the target without anyone acknowledging it.
    {
      severity: 'critical',
      service: 'search',
      team: 'core',
      opened: '2026-11-03T09:00:00Z',
      resolveAfter: 600,
      alerts: [['IndexLag', 'search']],
    },
    // D: open, unacknowledged, 40 minutes old at NOW: past its 15 minutes. Its severity in another case
    // meets the same target.
    { severity: 'Critical', service: 'search', team: 'core', opened: '2026-11-04T23:30:00Z' },
    // E: acknowledged within the warning target, still open; triggered again since by its policy's
    // ack_timeout, which clears the acknowledgement: the one made in time still counts.
    {
      severity: 'warning',
      service: 'checkout',
      team: 'payments',
      opened: '2026-11-03T08:00:00Z',
      ackAfter: 1800,
      ackTimedOut: true,
      alerts: [['HighErrorRate', 'checkout']],
    },
    // F: no service, a severity without a target.
    {
      severity: 'info',
      team: 'core',
      opened: '2026-11-04T01:00:00Z',
      resolveAfter: 3600,
      alerts: [['DiskFull', undefined]],
    },
    // I: open, unacknowledged, 30 minutes old at NOW: still within its hour, so not judged yet.
    { severity: 'warning', service: 'checkout', team: 'payments', opened: '2026-11-04T23:40:00Z' },
    // Outside the range: just before from, and exactly at to.
    {
      severity: 'critical',
      service: 'checkout',
      team: 'payments',
      opened: '2026-11-01T23:59:59Z',
      alerts: Array(5).fill(['HighErrorRate', 'checkout']),
    },
    {
      severity: 'critical',
      service: 'checkout',
      team: 'payments',
      opened: '2026-11-05T00:00:00Z',
      ackAfter: 60,
    },
  ] as Parameters<typeof insertIncident>[1][];
  for (const spec of incidents) await insertIncident(t.db, spec);
}

const RANGE = { from: '2026-11-02T00:00:00Z', to: '2026-11-05T00:00:00Z' };

describe('GET /api/v1/reports/sla', () => {
  const dir = tempDir();
  const clock = manualClock(NOW);
  let t: App;
  beforeAll(async () => {
    t = await startReportsApp(reportsConfig(), clock, dir.dir);
    await seed(t);
  });
  afterAll(async () => {
    await t.close();
    dir.cleanup();
  });

  const get = (query: Record<string, string>, token = TOKENS.viewer) =>
    request(t.app).get('/api/v1/reports/sla').query(query).set('Authorization', `Bearer ${token}`);

  it('answers the figures of the incidents opened in [from, to)', async () => {
    const res = await get(RANGE).expect(200);
    expect(res.body).toEqual({
      from: '2026-11-02T00:00:00.000Z',
      to: '2026-11-05T00:00:00.000Z',
      incidents: {
        total: 7,
        by_severity: { critical: 4, warning: 2, info: 1 },
        by_service: { checkout: 4, search: 2, none: 1 },
      },
      mtta_seconds: (300 + 1200 + 1800) / 3,
      mttr_seconds: (3600 + 7200 + 600 + 3600) / 4,
      sla: [
        // A and C met; B late; D unacknowledged past its target.
        { severity: 'critical', ack_within_seconds: 900, incidents: 4, met: 2, attainment: 0.5 },
        // E met; I is still within its hour and not counted.
        { severity: 'warning', ack_within_seconds: 3600, incidents: 1, met: 1, attainment: 1 },
      ],
      noisiest_alerts: [
        { alertname: 'HighErrorRate', service: 'checkout', incidents: 3, occurrences: 4 },
        { alertname: 'DiskFull', service: 'none', incidents: 1, occurrences: 1 },
        { alertname: 'IndexLag', service: 'search', incidents: 1, occurrences: 1 },
        { alertname: 'LatencyHigh', service: 'checkout', incidents: 1, occurrences: 1 },
      ],
      by_day: [
        { date: '2026-11-02', opened: 2, mtta_seconds: 750, mttr_seconds: 5400 },
        { date: '2026-11-03', opened: 2, mtta_seconds: 1800, mttr_seconds: 600 },
        { date: '2026-11-04', opened: 3, mtta_seconds: null, mttr_seconds: 3600 },
      ],
      slo: { status: 'not_configured', error: null, objectives: [] },
      // The three days before: only the critical opened at 23:59:59, never acknowledged.
      comparison: {
        previous_from: '2026-10-30T00:00:00.000Z',
        previous_to: '2026-11-02T00:00:00.000Z',
        incidents: { current: 7, previous: 1, delta: 6 },
        mtta_seconds: { current: 1100, previous: null, delta: null },
        mttr_seconds: { current: 3750, previous: null, delta: null },
        sla: [
          { severity: 'critical', attainment: { current: 0.5, previous: 0, delta: 0.5 } },
          { severity: 'warning', attainment: { current: 1, previous: null, delta: null } },
        ],
        slo: [],
      },
    });
  });

  it('judges an unacknowledged incident once it is past its target', async () => {
    clock.set('2026-11-05T00:41:00Z'); // I is now 61 minutes old
    try {
      const res = await get(RANGE).expect(200);
      expect(res.body.sla[1]).toEqual({
        severity: 'warning',
        ack_within_seconds: 3600,
        incidents: 2,
        met: 1,
        attainment: 0.5,
      });
    } finally {
      clock.set(NOW);
    }
  });

  it('filters by team', async () => {
    const res = await get({ ...RANGE, team: 'payments' }).expect(200);
    expect(res.body.incidents).toEqual({
      total: 4,
      by_severity: { critical: 2, warning: 2 },
      by_service: { checkout: 4 },
    });
    expect(res.body.mtta_seconds).toBe(1100);
    expect(res.body.mttr_seconds).toBe(5400);
    expect(res.body.sla.map((s: { attainment: number }) => s.attainment)).toEqual([0.5, 1]);
    expect(res.body.noisiest_alerts).toEqual([
      { alertname: 'HighErrorRate', service: 'checkout', incidents: 3, occurrences: 4 },
      { alertname: 'LatencyHigh', service: 'checkout', incidents: 1, occurrences: 1 },
    ]);
  });

  it('covers the last 7 days up to now by default, every day listed', async () => {
    const res = await get({}).expect(200);
    expect(res.body.from).toBe('2026-10-29T00:10:00.000Z');
    expect(res.body.to).toBe(NOW);
    // The whole seed, the two outside RANGE included.
    expect(res.body.incidents.total).toBe(9);
    expect(res.body.by_day.map((d: { date: string }) => d.date)).toEqual([
      '2026-10-29',
      '2026-10-30',
      '2026-10-31',
      '2026-11-01',
      '2026-11-02',
      '2026-11-03',
      '2026-11-04',
      '2026-11-05',
    ]);
    expect(res.body.by_day[2]).toEqual({
      date: '2026-10-31',
      opened: 0,
      mtta_seconds: null,
      mttr_seconds: null,
    });
    expect(res.body.by_day[3]).toEqual({
      date: '2026-11-01',
      opened: 1,
      mtta_seconds: null,
      mttr_seconds: null,
    });
    expect(res.body.by_day[7]).toEqual({
      date: '2026-11-05',
      opened: 1,
      mtta_seconds: 60,
      mttr_seconds: null,
    });
  });

  it('answers nulls, not zeros, when nothing was acknowledged or resolved', async () => {
    const res = await get({ from: '2026-11-04T23:00:00Z', to: '2026-11-05T00:00:00Z' }).expect(200);
    expect(res.body.incidents.total).toBe(2);
    expect(res.body.mtta_seconds).toBeNull();
    expect(res.body.mttr_seconds).toBeNull();
    expect(res.body.sla).toEqual([
      { severity: 'critical', ack_within_seconds: 900, incidents: 1, met: 0, attainment: 0 },
      { severity: 'warning', ack_within_seconds: 3600, incidents: 0, met: 0, attainment: null },
    ]);
  });

  it.each([
    [{ from: 'last tuesday' }, 'from', 'RFC 3339'],
    [{ to: '2026-13-45T00:00:00Z' }, 'to', 'RFC 3339'],
    [{ from: '2026-11-05T00:00:00Z', to: '2026-11-02T00:00:00Z' }, 'to', 'later than from'],
    [{ from: '2026-11-02T00:00:00Z', to: '2026-11-02T00:00:00Z' }, 'to', 'later than from'],
    [{ from: '2026-11-06T00:00:00Z' }, 'from', 'earlier than now'],
    [{ from: '2025-11-01T00:00:00Z', to: '2026-11-03T00:00:00Z' }, 'from', 'at most 366 days'],
    [{ since: '2026-11-01T00:00:00Z' }, 'since', 'unknown field'],
    [{ team: '' }, 'team', ''],
  ])('refuses %j naming the parameter', async (query, field, message) => {
    const res = await get(query).expect(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(res.body.error.details).toEqual([{ field, message: expect.stringContaining(message) }]);
  });

  it('lists the days of a range in the first centuries as they are written', async () => {
    const early = await get({ from: '0050-03-01T00:00:00Z', to: '0050-03-04T00:00:00Z' }).expect(200);
    expect(early.body.by_day.map((d: { date: string }) => d.date)).toEqual([
      '0050-03-01',
      '0050-03-02',
      '0050-03-03',
    ]);
    const first = await get({ to: '0001-01-03T00:00:00Z' }).expect(200);
    expect(first.body.by_day.map((d: { date: string }) => d.date)).toEqual(['0001-01-01', '0001-01-02']);
  });

  it('accepts a range of exactly 366 days', async () => {
    await get({ from: '2025-11-02T00:00:00Z', to: '2026-11-03T00:00:00Z' }).expect(200);
  });

  it('needs a viewer token', async () => {
    await request(t.app).get('/api/v1/reports/sla').expect(401);
    await get({}, 'not-a-token').expect(401);
    await get({}, TOKENS.responder).expect(200);
  });
});

describe('by_day in a configured time zone', () => {
  it('splits days at local midnight', async () => {
    const dir = tempDir();
    const t = await startReportsApp(reportsConfig('Europe/Berlin'), manualClock(NOW), dir.dir);
    try {
      await seed(t);
      const res = await request(t.app)
        .get('/api/v1/reports/sla')
        .query(RANGE)
        .set('Authorization', `Bearer ${TOKENS.viewer}`)
        .expect(200);
      // Berlin is UTC+1 in November: D (23:30Z) and I (23:40Z) open on the 5th there.
      expect(res.body.by_day).toEqual([
        { date: '2026-11-02', opened: 2, mtta_seconds: 750, mttr_seconds: 5400 },
        { date: '2026-11-03', opened: 2, mtta_seconds: 1800, mttr_seconds: 600 },
        { date: '2026-11-04', opened: 1, mtta_seconds: null, mttr_seconds: 3600 },
        { date: '2026-11-05', opened: 2, mtta_seconds: null, mttr_seconds: null },
      ]);
    } finally {
      await t.close();
      dir.cleanup();
    }
  });
});

describe('reports configuration', () => {
  const refused = (reports: unknown, extra: Record<string, unknown> = {}) =>
    configRefusal(() => parseConfig({ reports, ...extra }, TOKEN_ENV));
  const mail = {
    notifications: {
      channels: {
        'team-email': {
          kind: 'email',
          smtp: { host: 'localhost' },
          from: 'v@example.com',
          to: ['t@example.com'],
        },
        hook: { kind: 'webhook', url: 'http://localhost/x', secret: { env: 'VIEWER' } },
      },
    },
  };
  const schedule = { name: 'weekly', cron: '0 8 * * 1', period: '7d', channels: ['team-email'] };

  it('defaults to critical within 15 minutes and warning within 4 hours, days in UTC', () => {
    const { reports } = parseConfig({});
    expect(reports).toEqual({
      timezone: 'UTC',
      sla: [
        { severity: 'critical', acknowledge_within: 900_000 },
        { severity: 'warning', acknowledge_within: 14_400_000 },
      ],
      schedules: [],
    });
  });

  it('accepts a schedule mailed through an email channel', () => {
    const { reports } = parseConfig(
      { reports: { schedules: [{ ...schedule, timezone: 'europe/berlin' }] }, ...mail },
      TOKEN_ENV,
    );
    expect(reports.schedules[0]).toMatchObject({ timezone: 'Europe/Berlin', period: 7 * 86_400_000 });
  });

  it.each([
    [
      { schedules: [{ ...schedule, cron: '0 25 * * 1' }] },
      'reports.schedules[0].cron: invalid cron expression "0 25 * * 1" (Invalid value for hour: 25)',
    ],
    [
      { schedules: [{ ...schedule, cron: '0 8 31 2 *' }] },
      'reports.schedules[0].cron: cron expression "0 8 31 2 *" matches no date',
    ],
    [
      { schedules: [{ ...schedule, cron: '*/5 * * * * *' }] },
      'reports.schedules[0].cron: "*/5 * * * * *" is not a cron expression of 5 fields',
    ],
    [
      { schedules: [{ ...schedule, timezone: 'Mars/Olympus' }] },
      'reports.schedules[0].timezone: unknown time zone',
    ],
    [
      { schedules: [{ ...schedule, period: '30s' }] },
      'reports.schedules[0].period: must be between 1m and 366d',
    ],
    [
      { schedules: [{ ...schedule, channels: ['hook'] }] },
      'reports.schedules[0].channels[0]: "hook" is a webhook channel',
    ],
    [
      { schedules: [{ ...schedule, channels: ['nobody'] }] },
      'reports.schedules[0].channels[0]: no notification channel named "nobody"',
    ],
    [{ schedules: [schedule, schedule] }, 'reports.schedules[1].name: "weekly" is used twice'],
    [
      { sla: [{ severity: 'critical', acknowledge_within: 'soon' }] },
      'reports.sla[0].acknowledge_within: invalid duration',
    ],
    [
      {
        sla: [
          { severity: 'critical', acknowledge_within: '5m' },
          { severity: 'critical', acknowledge_within: '9m' },
        ],
      },
      'reports.sla[1].severity: "critical" is listed twice',
    ],
    [{ timezone: 'Nowhere' }, 'reports.timezone: unknown time zone'],
    [{ schedule: [] }, 'reports.schedule: unknown field'],
  ])('refuses %j naming the key', (reports, message) => {
    expect(refused(reports, mail)).toContain(message);
  });
});
