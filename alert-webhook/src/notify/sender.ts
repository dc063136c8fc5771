import type { IncidentStatus } from '../db/schema';
import { systemClock, type Clock } from './clock';
import type { ChannelKind, DeliveryOutcome, IncidentMessage, NotificationChannel } from './message';

export interface RetryPolicy {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Fraction (0..1) by which each delay is shortened at random. */
  jitter: number;
}

/** One try of one channel, as the incident's delivery record keeps it. */
export interface DeliveryAttempt {
  incidentId: number;
  /** Which notification this was: the incident's status when it was sent. */
  incidentStatus: IncidentStatus;
  channel: string;
  kind: ChannelKind;
  target: string;
  attempt: number;
  /** ISO-8601 start of the attempt. */
  at: string;
  durationMs: number;
  outcome: DeliveryOutcome;
  /** Wait before the next attempt; absent on the last attempt, whether it succeeded or gave up. */
  retryInMs?: number;
}

/** Exponential backoff (doubling from initialDelayMs, capped at maxDelayMs), shortened by random jitter. */
export function backoffDelayMs(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));
  return Math.round(base * (1 - policy.jitter * random()));
}

export interface SenderOptions {
  policy: RetryPolicy;
  /** Called (and awaited) after every attempt, so that none goes unrecorded. */
  onAttempt: (attempt: DeliveryAttempt) => void | Promise<void>;
  clock?: Clock;
  random?: () => number;
}

export class NotificationSender {
  private readonly clock: Clock;
  private readonly random: () => number;

  constructor(private readonly options: SenderOptions) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
  }

  /**
   * Sends to one channel, retrying failures until one succeeds, the receiver refuses the message for good,
   * or the attempts run out. Resolves with the last attempt.
   */
  async deliver(channel: NotificationChannel, message: IncidentMessage): Promise<DeliveryAttempt> {
    const { policy, onAttempt } = this.options;
    for (let attempt = 1; ; attempt++) {
      const started = this.clock.now();
      const outcome = await sendOnce(channel, message);
      const last = outcome.ok || outcome.permanent === true || attempt >= policy.maxAttempts;
      const record: DeliveryAttempt = {
        incidentId: message.incidentId,
        incidentStatus: message.status,
        channel: channel.name,
        kind: channel.kind,
        target: channel.target,
        attempt,
        at: new Date(started).toISOString(),
        durationMs: this.clock.now() - started,
        outcome,
      };
      if (!last)
        record.retryInMs = Math.max(backoffDelayMs(policy, attempt, this.random), outcome.retryAfterMs ?? 0);
      await onAttempt(record);
      if (record.retryInMs === undefined) return record;
      await this.clock.sleep(record.retryInMs);
    }
  }

  /**
   * Sends to every channel at once, each with its own retries, so a channel that is down or slow delays
   * no other. Resolves with each channel's last attempt, in the order given. Should onAttempt throw, the
   * other channels still finish before the error is raised.
   */
  async deliverAll(channels: NotificationChannel[], message: IncidentMessage): Promise<DeliveryAttempt[]> {
    const settled = await Promise.allSettled(channels.map((channel) => this.deliver(channel, message)));
    return settled.map((result) => {
      if (result.status === 'rejected') throw result.reason;
      return result.value;
    });
  }
}

/** Channels resolve with an outcome; should one throw anyway, the failure is still an outcome to record. */
async function sendOnce(channel: NotificationChannel, message: IncidentMessage): Promise<DeliveryOutcome> {
  try {
    return await channel.send(message);
  } catch (err) {
    return { ok: false, code: 'EXCEPTION', error: (err as Error).message };
  }
}
