import type { IncidentStatus } from '../db/schema';
import { systemClock, type Clock } from './clock';
import type { DeliveryOutcome, IncidentMessage, NotificationChannel } from './message';
import { Retrier, type RetryPolicy, type Try } from './retrier';

export { backoffDelayMs, type RetryPolicy } from './retrier';

/** One try of one channel, as the incident's delivery record keeps it. */
export interface DeliveryAttempt {
  incidentId: number;
  /** Which notification this was: the incident's status when it was sent. */
  incidentStatus: IncidentStatus;
  channel: string;
  kind: string;
  target: string;
  attempt: number;
  /** ISO-8601 start of the attempt. */
  at: string;
  durationMs: number;
  outcome: DeliveryOutcome;
  /** Wait before the next attempt; absent on the last attempt, whether it succeeded or gave up. */
  retryInMs?: number;
}

export interface SenderOptions {
  policy: RetryPolicy;
  /** Called (and awaited) after every attempt, so that none goes unrecorded. */
  onAttempt: (attempt: DeliveryAttempt) => void | Promise<void>;
  clock?: Clock;
  random?: () => number;
}

export class NotificationSender {
  private readonly retrier: Retrier;

  constructor(private readonly options: SenderOptions) {
    this.retrier = new Retrier(options.policy, options.clock ?? systemClock, options.random);
  }

  /**
   * Sends to one channel, retrying failures until one succeeds, the receiver refuses the message for good,
   * or the attempts run out. Resolves with the last attempt.
   */
  async deliver(channel: NotificationChannel, message: IncidentMessage): Promise<DeliveryAttempt> {
    const record = (t: Try): DeliveryAttempt => ({
      incidentId: message.incidentId,
      incidentStatus: message.status,
      channel: channel.name,
      kind: channel.kind,
      target: channel.target,
      attempt: t.attempt,
      at: new Date(t.startedAt).toISOString(),
      durationMs: t.durationMs,
      outcome: t.outcome,
      ...(t.retryInMs !== undefined && { retryInMs: t.retryInMs }),
    });
    const last = await this.retrier.run(
      () => channel.send(message),
      (t) => this.options.onAttempt(record(t)),
    );
    return record(last);
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
