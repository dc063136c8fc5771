import type { Logger } from 'pino';
import type { Db } from '../db/database';
import type { NotificationChannel } from '../notify/message';
import { NotificationSender, type DeliveryAttempt, type RetryPolicy } from '../notify/sender';
import type { Clock } from '../notify/clock';
import { FAILURE_REASONS, failureReason, type Metrics } from '../metrics';
import { buildMessage, timelineEntry, type LinkSettings } from './message';
import { buildDigestMessage } from '../noise/digest';
import type { NotificationEvent } from '../db/schema';
import { describeFailure, logFailedAttempt } from './attempt-log';

/** The events a channel takes unless it says otherwise. */
const DEFAULT_EVENTS: readonly NotificationEvent[] = ['triggered', 'resolved', 'escalation', 'digest'];

/** A queued notification, as the dispatcher reads it. */
interface Queued {
  id: number;
  incident_id: number;
  channel: string;
  event: NotificationEvent;
  /** The escalation's user this notification is for, if any. */
  recipient: string | null;
  timeline_id: number | null;
}

/**
 * Delivers queued notifications. Each runs on its own, with its own retries, so a channel that is down
 * holds up nobody else; every attempt is recorded on the incident, and each failed one is logged (warn).
 * Notifications still pending after a restart (the process died mid-delivery) are sent again: at least
 * once, never silently dropped.
 */
export class Dispatcher {
  private readonly inFlight: Set<number>;
  private scanning: Promise<void> | undefined;
  private rescan = false;
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly channels: ReadonlyMap<string, NotificationChannel>,
    private readonly options: {
      retry: RetryPolicy;
      links: LinkSettings;
      log: Logger;
      metrics: Metrics;
      clock?: Clock;
      /** Whether this process delivers (with several replicas only the leader does); default always. */
      active?: () => boolean;
      /** Noise control: resolves true when it held the notification back (and recorded so) instead. */
      gate?: (notificationId: number, channel: { digests: boolean }) => Promise<boolean>;
      /**
       * The notifications being delivered, shared with the dispatcher this one replaces on a reload: it
       * starts at once and leaves alone what the old one is still retrying, rather than waiting for it.
       */
      inFlight?: Set<number>;
    },
  ) {
    this.inFlight = options.inFlight ?? new Set();
    // Every channel's series from the start at 0, so that rate() and increase() see its first failure.
    const { notifications, notificationRequestsFailed } = options.metrics;
    for (const channel of channels.values()) {
      for (const outcome of ['sent', 'failed'])
        notifications.inc({ integration: channel.kind, outcome, channel: channel.name }, 0);
      for (const reason of FAILURE_REASONS)
        notificationRequestsFailed.inc({ integration: channel.kind, reason }, 0);
    }
  }

  /** Looks for pending notifications; cheap to call after anything that may have queued some. */
  kick(): void {
    if (this.stopped || this.options.active?.() === false) return;
    if (this.scanning) {
      this.rescan = true;
      return;
    }
    this.scanning = this.scan().finally(() => {
      this.scanning = undefined;
      if (this.rescan) {
        this.rescan = false;
        this.kick();
      }
    });
  }

  /** Resolves when nothing is pending or in flight, the replaced dispatchers' too (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.scanning || this.inFlight.size > 0) await new Promise((r) => setTimeout(r, 10));
  }

  stop(): void {
    this.stopped = true;
  }

  private async scan(): Promise<void> {
    const pending = await this.db
      .selectFrom('notifications')
      .select(['id', 'incident_id', 'channel', 'event', 'recipient', 'timeline_id'])
      .where('status', '=', 'pending')
      .orderBy('id')
      .limit(500)
      .execute();
    // Stopped meanwhile (a reload): what the scan found is the next dispatcher's to start.
    for (const n of pending) if (!this.stopped && !this.inFlight.has(n.id)) this.start(n);
  }

  private start(n: Queued): void {
    const { id } = n;
    this.inFlight.add(id);
    void this.deliver(n)
      .catch((err: unknown) =>
        this.options.log.error({ err, notification: id }, 'notification delivery failed'),
      )
      .finally(() => this.inFlight.delete(id));
  }

  private async deliver(n: Queued): Promise<void> {
    const { id, incident_id: incidentId, channel: channelName, event, recipient: user } = n;
    // A scan that read the row just before its previous delivery finished (and left inFlight) would send
    // it again; the finished delivery committed first, so this fresh read sees it.
    if (!(await this.stillPending(id))) return;
    const channel = this.channels.get(channelName);
    if (!channel) {
      // Queued before a reload or restart renamed or removed the channel: failed as any other, seen as such.
      const reason = `no channel named ${channelName} is configured`;
      this.options.log.warn(
        { incident: incidentId, notification: id, channel: channelName, reason, final: true },
        'notification failed',
      );
      this.options.metrics.notifications.inc({
        integration: 'none',
        outcome: 'failed',
        channel: channelName,
      });
      await this.finish(id, 'failed', 0, reason);
      return;
    }
    const events = channel.events ?? DEFAULT_EVENTS;
    if (!events.includes(event)) {
      // Not news for this integration (an acknowledgement for a mail channel): nothing to send or show.
      await this.db.deleteFrom('notifications').where('id', '=', id).execute();
      return;
    }
    // Noise control holds alert notifications; digests and people's own timeline entries are past it.
    const digests = events.includes('digest');
    if (event !== 'digest' && event !== 'timeline' && (await this.options.gate?.(id, { digests }))) return;
    // The notification id stays the same across retries and a resend after fail-over: receivers dedupe on it.
    const built =
      event === 'digest'
        ? await buildDigestMessage(this.db, id, this.options.links)
        : await buildMessage(this.db, incidentId, this.options.links);
    const timeline = n.timeline_id === null ? undefined : await timelineEntry(this.db, n.timeline_id);
    const message = { ...built, notificationId: id, event, ...(timeline && { timeline }) };
    const sender = new NotificationSender({
      policy: this.options.retry,
      clock: this.options.clock,
      onAttempt: async (attempt) => {
        this.count(attempt);
        logFailedAttempt(this.options.log, attempt, {
          notificationId: id,
          maxAttempts: this.options.retry.maxAttempts,
          user,
        });
        await this.record(id, attempt);
      },
    });
    const last = await sender.deliver(channel, message);
    this.options.metrics.notifications.inc({
      integration: channel.kind,
      outcome: last.outcome.ok ? 'sent' : 'failed',
      channel: channel.name,
    });
    // A delivery that missed some (an email's rejected recipients) keeps who, as a failure keeps why.
    await this.finish(
      id,
      last.outcome.ok ? 'sent' : 'failed',
      last.attempt,
      last.outcome.ok && last.outcome.error === undefined ? null : describeFailure(last),
    );
  }

  /** Per-attempt metrics: its latency, and why it failed. */
  private count(a: DeliveryAttempt): void {
    const { notificationLatency, notificationRequestsFailed } = this.options.metrics;
    notificationLatency.observe({ integration: a.kind }, a.durationMs / 1000);
    if (!a.outcome.ok)
      notificationRequestsFailed.inc({ integration: a.kind, reason: failureReason(a.outcome) });
  }

  private async stillPending(id: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('notifications')
      .select('status')
      .where('id', '=', id)
      .executeTakeFirst();
    return row?.status === 'pending';
  }

  private async record(notificationId: number, a: DeliveryAttempt): Promise<void> {
    await this.db
      .insertInto('delivery_attempts')
      .values({
        notification_id: notificationId,
        incident_id: a.incidentId,
        channel: a.channel,
        kind: a.kind,
        target: a.target,
        attempt: a.attempt,
        at: a.at,
        duration_ms: Math.round(a.durationMs),
        ok: a.outcome.ok ? 1 : 0,
        status_code: a.outcome.status ?? null,
        error: a.outcome.ok && a.outcome.error === undefined ? null : describeFailure(a),
      })
      .execute();
  }

  private async finish(id: number, status: 'sent' | 'failed', attempts: number, error: string | null) {
    await this.db
      .updateTable('notifications')
      .set({ status, attempts, last_error: error, updated_at: new Date().toISOString() })
      .where('id', '=', id)
      .execute();
  }
}
