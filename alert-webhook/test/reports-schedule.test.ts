import type { SmtpSink } from '@vigil/testkit';
import type { ParsedMail } from 'mailparser';
import { startSmtpServer } from './fixtures/notify/smtp';
import { insertIncident, manualClock, startReportsApp, tempDir } from './fixtures/reports';

/** Mondays 08:00 in Berlin (UTC+1 in November and December). */
const FIRST = '2026-11-30T07:00:00.000Z';
const SECOND = '2026-12-07T07:00:00.000Z';

let smtp: SmtpSink;
let received: ParsedMail[];
let port: number;

beforeAll(async () => {
  smtp = await startSmtpServer();
  ({ received, port } = smtp);
});
afterAll(() => smtp.close());
beforeEach(() => {
  received.length = 0;
});

const email = (to: string) => ({
  kind: 'email',
  smtp: { host: '127.0.0.1', port },
  from: 'Vigil <vigil@example.com>',
  to: [to],
  timeout: '5s',
});

const config = (channels: string[]) => ({
  notifications: {
    channels: {
      'team-email': email('team@example.com'),
      'lead-email': email('lead@example.com'),
      gone: email('gone@example.com'),
      busy: email('busy@example.com'),
    },
    retry: { max_attempts: 3, initial_delay: '10ms', max_delay: '20ms' },
  },
  reports: {
    sla: [{ severity: 'critical', acknowledge_within: '15m' }],
    schedules: [
      {
        name: 'weekly-ops',
        cron: '0 8 * * 1',
        timezone: 'Europe/Berlin',
        period: '7d',
        channels,
        team: 'ops',
      },
    ],
  },
});

type App = Awaited<ReturnType<typeof startReportsApp>>;

async function runs(t: App) {
  return t.db
    .selectFrom('report_runs')
    .select(['schedule', 'channel', 'period_start', 'period_end', 'status', 'attempts', 'error'])
    .orderBy('id')
    .execute();
}

describe('scheduled reports', () => {
  it('mails each period once, across a restart, then the next period', async () => {
    const dir = tempDir();
    const clock = manualClock('2026-11-30T07:00:30Z');
    let t = await startReportsApp(config(['team-email', 'lead-email']), clock, dir.dir);
    try {
      // In the first period: one critical acknowledged in 5 minutes, one in 25; one of another team.
      await insertIncident(t.db, {
        severity: 'critical',
        service: 'shop<eu>',
        team: 'ops',
        opened: '2026-11-24T09:00:00Z',
        ackAfter: 300,
        resolveAfter: 3600,
        alerts: [['HighErrorRate', 'shop<eu>']],
      });
      await insertIncident(t.db, {
        severity: 'critical',
        service: 'db',
        team: 'ops',
        opened: '2026-11-29T23:30:00Z',
        ackAfter: 1500,
        alerts: [['ReplicationLag', 'db']],
      });
      await insertIncident(t.db, {
        severity: 'critical',
        service: 'web',
        team: 'web',
        opened: '2026-11-25T09:00:00Z',
      });

      // The receiver starts half a minute after the Monday 08:00 run it missed: it sends that period now.
      await t.reports.catchUp();
      expect(received.map((m) => m.to && !Array.isArray(m.to) && m.to.text).sort()).toEqual([
        'lead@example.com',
        'team@example.com',
      ]);
      const mail = received[0] as ParsedMail;
      expect(mail.subject).toBe('Vigil report weekly-ops: 2 incidents, 2026-11-23 08:00 to 2026-11-30 08:00');
      const text = mail.text ?? '';
      expect(text).toContain('2026-11-23 08:00 to 2026-11-30 08:00 (Europe/Berlin)');
      expect(text).toContain('2 incidents, team ops');
      expect(text).toMatch(/Time to acknowledge \(MTTA\) +15m 00s/);
      expect(text).toMatch(/Time to resolve \(MTTR\) +1h 00m/);
      expect(text).toMatch(/critical +15m 00s +2 +1 +50\.0%/);
      expect(text).toMatch(/HighErrorRate +shop<eu> +1 +1/);
      // Days are Berlin's: 23:30 UTC on the 29th is the 30th there.
      expect(text).toMatch(/2026-11-24 +1 +5m 00s +1h 00m/);
      expect(text).toMatch(/2026-11-30 +1 +25m 00s +-/);
      expect(text).not.toContain('web');
      const html = mail.html as string;
      expect(html).toContain('shop&lt;eu&gt;');
      expect(html).not.toContain('shop<eu>');
      expect(html).toContain('>50.0%</td>');

      expect(await runs(t)).toEqual(
        ['team-email', 'lead-email'].map((channel) => ({
          schedule: 'weekly-ops',
          channel,
          period_start: '2026-11-23T07:00:00.000Z',
          period_end: FIRST,
          status: 'sent',
          attempts: 1,
          error: null,
        })),
      );

      // A restart within the same minute: neither catching up nor the cron run sends the period again.
      await t.close();
      clock.set('2026-11-30T07:00:50Z');
      t = await startReportsApp(config(['team-email', 'lead-email']), clock, dir.dir);
      await t.reports.catchUp();
      expect(await t.reports.run('weekly-ops', new Date(FIRST))).toEqual([]);
      expect(received).toHaveLength(2);

      // A week later, the next period.
      clock.set('2026-12-07T07:01:00Z');
      await t.reports.catchUp();
      expect(received).toHaveLength(4);
      expect(received[2]?.subject).toBe(
        'Vigil report weekly-ops: 0 incidents, 2026-11-30 08:00 to 2026-12-07 08:00',
      );
      expect((await runs(t)).map((r) => [r.channel, r.period_end, r.status])).toEqual([
        ['team-email', FIRST, 'sent'],
        ['lead-email', FIRST, 'sent'],
        ['team-email', SECOND, 'sent'],
        ['lead-email', SECOND, 'sent'],
      ]);
    } finally {
      await t.close();
      dir.cleanup();
    }
  });

  it('catches up only the latest scheduled time within the period', async () => {
    const dir = tempDir();
    // Sunday: the last Monday 08:00 is six days back, within the period, so it is that one or none.
    const t = await startReportsApp(config(['team-email']), manualClock('2026-12-06T12:00:00Z'), dir.dir);
    try {
      await t.reports.catchUp();
      expect((await runs(t)).map((r) => r.period_end)).toEqual([FIRST]);
      await t.reports.catchUp();
      expect(received).toHaveLength(1);
    } finally {
      await t.close();
      dir.cleanup();
    }
  });

  /** The period ends catchUp() ran, clock by clock, for one schedule of its own. */
  async function caughtUp(schedule: { cron: string; timezone: string; period: string }, clocks: string[]) {
    const dir = tempDir();
    const doc = config(['team-email']);
    doc.reports.schedules = [{ ...doc.reports.schedules[0]!, ...schedule }];
    const clock = manualClock(clocks[0]!);
    const t = await startReportsApp(doc, clock, dir.dir);
    try {
      for (const at of clocks) {
        clock.set(at);
        await t.reports.catchUp();
      }
      return (await runs(t)).map((r) => r.period_end);
    } finally {
      await t.close();
      dir.cleanup();
    }
  }

  it('runs a time that a DST change skips right after the gap, and one it repeats once, as cron daemons do', async () => {
    const newYork = { timezone: 'America/New_York', period: '1d' };
    // 02:30 does not exist on 8 March 2026 in New York: the report runs at 03:00 EDT.
    expect(await caughtUp({ ...newYork, cron: '30 2 * * *' }, ['2026-03-08T12:00:00Z'])).toEqual([
      '2026-03-08T07:00:00.000Z',
    ]);
    // 01:30 comes twice on 1 November 2026: run at the first, not again at the second (a restart after it).
    expect(
      await caughtUp({ ...newYork, cron: '30 1 * * *' }, ['2026-11-01T05:31:00Z', '2026-11-01T07:00:00Z']),
    ).toEqual(['2026-11-01T05:30:00.000Z']);
  });

  it('takes a period of whole days as calendar days in its zone: a week across the end of DST is 169 hours', async () => {
    const dir = tempDir();
    // Monday 26 October 2026, 08:00 in Berlin (CET, UTC+1), the day after the clocks went back.
    const end = '2026-10-26T07:00:00.000Z';
    const t = await startReportsApp(config(['team-email']), manualClock(end), dir.dir);
    try {
      await t.reports.run('weekly-ops', new Date(end));
      // From Monday 19 October 08:00 CEST (UTC+2), not 09:00 as 168 hours back would give.
      expect((await runs(t)).map((r) => [r.period_start, r.period_end])).toEqual([
        ['2026-10-19T06:00:00.000Z', end],
      ]);
      // The week compared with is the calendar week before, 168 hours (no change in it).
      expect(received[0]?.text).toContain(
        'Previous period: 2026-10-12T06:00:00.000Z to 2026-10-19T06:00:00.000Z',
      );
    } finally {
      await t.close();
      dir.cleanup();
    }
  });

  it('runs on either day when both day fields are restricted, as crontab(5) says', async () => {
    // The 1st of the month or a Monday: Monday 8 June 2026 is one, though not the 1st.
    expect(
      await caughtUp({ cron: '0 8 1 * 1', timezone: 'UTC', period: '7d' }, ['2026-06-08T09:00:00Z']),
    ).toEqual(['2026-06-08T08:00:00.000Z']);
  });

  it('records a refused report without holding up the other channel, retrying only what may pass later', async () => {
    const dir = tempDir();
    const clock = manualClock('2026-11-30T07:00:05Z');
    let t = await startReportsApp(config(['gone', 'busy', 'team-email']), clock, dir.dir);
    try {
      expect(await t.reports.run('weekly-ops', new Date(FIRST))).toEqual([
        { channel: 'gone', status: 'failed', attempts: 1 },
        { channel: 'busy', status: 'failed', attempts: 3 },
        { channel: 'team-email', status: 'sent', attempts: 1 },
      ]);
      expect(received).toHaveLength(1);
      const failed = (await runs(t)).filter((r) => r.status === 'failed');
      expect(failed.map((r) => [r.channel, r.error])).toEqual([
        ['gone', expect.stringContaining('550')],
        ['busy', expect.stringContaining('451')],
      ]);

      // At most once: a restart does not try the period again, for any channel.
      await t.close();
      t = await startReportsApp(config(['gone', 'busy', 'team-email']), clock, dir.dir);
      await t.reports.catchUp();
      expect(received).toHaveLength(1);
    } finally {
      await t.close();
      dir.cleanup();
    }
  });
});
