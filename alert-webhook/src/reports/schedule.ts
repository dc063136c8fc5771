import { Cron } from 'croner';
import { DAY_MS } from '@vigil/service-kit';
import type { Logger } from 'pino';
import type { Db } from '../db/database';
import type { Clock } from '../notify/clock';
import { daysBefore } from '../oncall/zoned-time';
import type { ChannelSettings } from '../notify/config';
import { createMailer, type Mail } from '../notify/email/email';
import type { DeliveryOutcome } from '../notify/message';
import { Retrier, type RetryPolicy } from '../notify/retrier';
import type { ReportSchedule, ReportsConfig } from './config';
import { renderReport } from './render';
import { slaReport } from './sla';
import type { SloSource } from './slo';

const MINUTE_MS = 60_000;
/** How far back start() looks for a scheduled time missed while the receiver was down. */
export const CATCH_UP_LIMIT_MS = 7 * DAY_MS;

/**
 * Where a period of `period` ending at `end` begins: whole days are calendar days in the schedule's zone
 * (a weekly report runs Monday 08:00 to Monday 08:00 across a DST change, 167 or 169 hours, neither
 * overlapping the next nor leaving an hour out), any other length is taken as it is.
 */
function periodStart(end: Date, period: number, timeZone: string): Date {
  return period % DAY_MS === 0
    ? daysBefore(end, period / DAY_MS, timeZone)
    : new Date(end.getTime() - period);
}

export type Mailer = (mail: Mail) => Promise<DeliveryOutcome>;

export interface SchedulerOptions {
  reports: ReportsConfig;
  /** Where each report's SLO attainment comes from. */
  slo: SloSource;
  /** Email channels by name. */
  mailers: ReadonlyMap<string, Mailer>;
  retry: RetryPolicy;
  log: Logger;
  clock: Clock;
}

export interface ReportDelivery {
  channel: string;
  status: 'sent' | 'failed';
  attempts: number;
}

/**
 * Mails scheduled SLA reports. Each (schedule, channel, period) is claimed in the database before it is
 * sent, so neither a restart nor a second replica mails the same period twice; a period whose send was
 * cut short by a crash stays claimed (status "sending") rather than risk a duplicate.
 */
export class ReportScheduler {
  private readonly tasks: { schedule: ReportSchedule; task: Cron }[];

  constructor(
    private readonly db: Db,
    private readonly options: SchedulerOptions,
  ) {
    // As cron daemons do across a DST change: a time the clocks skip runs right after the gap, one they pass
    // twice runs once; with both day fields restricted, either matching day runs.
    this.tasks = options.reports.schedules.map((schedule) => ({
      schedule,
      task: new Cron(
        schedule.cron,
        { name: `report ${schedule.name}`, timezone: this.zoneOf(schedule), paused: true, protect: true },
        (self: Cron) => this.runLogged(schedule, self.currentRun() ?? new Date(this.options.clock.now())),
      ),
    }));
  }

  /** Starts the cron tasks, then sends the latest period missed while the receiver was not running. */
  async start(): Promise<void> {
    for (const { task } of this.tasks) task.resume();
    await this.catchUp();
  }

  async stop(): Promise<void> {
    for (const { task } of this.tasks) task.stop();
  }

  /** For each schedule, the latest scheduled time within its period (at most 7 days) is run if it never was. */
  async catchUp(): Promise<void> {
    const now = this.options.clock.now();
    for (const { schedule, task } of this.tasks) {
      const [latest] = task.previousRuns(1, new Date(now + 1));
      if (latest && latest.getTime() > now - Math.min(schedule.period, CATCH_UP_LIMIT_MS))
        await this.runLogged(schedule, latest);
    }
  }

  /** Sends the named schedule's report for the period ending at `at` to every channel not yet sent to. */
  async run(name: string, at: Date): Promise<ReportDelivery[]> {
    const found = this.tasks.find((t) => t.schedule.name === name);
    if (!found) throw new Error(`no report schedule named ${name}`);
    return this.runSchedule(found.schedule, at);
  }

  private async runSchedule(schedule: ReportSchedule, at: Date): Promise<ReportDelivery[]> {
    const { db } = this;
    const end = new Date(Math.floor(at.getTime() / MINUTE_MS) * MINUTE_MS);
    const timeZone = this.zoneOf(schedule);
    const start = periodStart(end, schedule.period, timeZone);
    const now = new Date(this.options.clock.now()).toISOString();
    const claimed: string[] = [];
    for (const channel of schedule.channels) {
      const result = await db
        .insertInto('report_runs')
        .values({
          schedule: schedule.name,
          channel,
          period_start: start.toISOString(),
          period_end: end.toISOString(),
          status: 'sending',
          attempts: 0,
          error: null,
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) => oc.columns(['schedule', 'channel', 'period_end']).doNothing())
        .executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0) > 0) claimed.push(channel);
    }
    if (claimed.length === 0) return [];
    const report = await slaReport(
      db,
      {
        from: start,
        to: end,
        previousFrom: periodStart(start, schedule.period, timeZone),
        team: schedule.team,
        now: new Date(this.options.clock.now()),
        targets: this.options.reports.sla,
        timeZone,
      },
      this.options.slo,
    );
    const mail = renderReport(report, { name: schedule.name, team: schedule.team, timeZone });
    return Promise.all(claimed.map((channel) => this.deliver(schedule, channel, end, mail)));
  }

  private async runLogged(schedule: ReportSchedule, at: Date): Promise<void> {
    try {
      await this.runSchedule(schedule, at);
    } catch (err) {
      this.options.log.error({ err, schedule: schedule.name }, 'scheduled report failed');
    }
  }

  /** Sends with the notification retry policy; the outcome is recorded on the claimed row. */
  private async deliver(
    schedule: ReportSchedule,
    channel: string,
    end: Date,
    mail: Mail,
  ): Promise<ReportDelivery> {
    const { retry, clock, log } = this.options;
    const mailer = this.options.mailers.get(channel);
    let outcome: DeliveryOutcome = { ok: false, error: `no email channel named ${channel}` };
    let attempts = 0;
    if (mailer) ({ outcome, attempt: attempts } = await new Retrier(retry, clock).run(() => mailer(mail)));
    const status = outcome.ok ? 'sent' : 'failed';
    const error = outcome.ok ? null : [outcome.status, outcome.code, outcome.error].filter(Boolean).join(' ');
    await this.db
      .updateTable('report_runs')
      .set({ status, attempts, error, updated_at: new Date(clock.now()).toISOString() })
      .where('schedule', '=', schedule.name)
      .where('channel', '=', channel)
      .where('period_end', '=', end.toISOString())
      .execute();
    const fields = { schedule: schedule.name, channel, period_end: end.toISOString(), attempts };
    if (outcome.ok) log.info(fields, 'report sent');
    else log.error({ ...fields, error }, 'report not sent');
    return { channel, status, attempts };
  }

  private zoneOf(schedule: ReportSchedule): string {
    return schedule.timezone ?? this.options.reports.timezone;
  }
}

/** A mailer for each email channel of the configuration, by channel name. */
export function emailMailers(channels: Record<string, ChannelSettings>): Map<string, Mailer> {
  const mailers = new Map<string, Mailer>();
  for (const [name, settings] of Object.entries(channels))
    if (settings.kind === 'email') mailers.set(name, createMailer(settings));
  return mailers;
}
