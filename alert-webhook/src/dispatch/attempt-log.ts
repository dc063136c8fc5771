import type { Logger } from 'pino';
import type { DeliveryAttempt } from '../notify/sender';

/**
 * URLs in error text keep only their scheme and host: Slack's and Teams' webhook URLs carry their credential
 * in the path, other URLs in the query or the user part.
 */
export function withoutUrlSecrets(text: string): string {
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, (url) => {
    try {
      const { protocol, host } = new URL(url);
      return `${protocol}//${host}/…`;
    } catch {
      return '<url>';
    }
  });
}

/**
 * Why an attempt failed (or whom a delivery missed), as the delivery record keeps it (and viewers of the API
 * see it): reply status, error code, message, with no URL's secret parts.
 */
export function describeFailure(a: DeliveryAttempt): string {
  const { status, code, error } = a.outcome;
  return withoutUrlSecrets([status, code, error].filter((x) => x !== undefined).join(' ') || 'failed');
}

/**
 * Who the attempt tried to reach, safe to log: an email channel's addresses; for Slack, Teams and webhooks the
 * configured channel name, never their URLs.
 */
function recipientOf(a: DeliveryAttempt): string {
  return a.kind === 'email' ? a.target : a.channel;
}

/**
 * One warn line per failed attempt of a notification: which incident and notification, channel, kind,
 * recipient (and the escalation's user, if any), attempt number, reason, and whether it is retried. A
 * delivery that missed some (an email's rejected recipients) is a warn line too, saying who.
 */
export function logFailedAttempt(
  log: Logger,
  a: DeliveryAttempt,
  context: { notificationId: number; maxAttempts: number; user?: string | null },
): void {
  if (a.outcome.ok && a.outcome.error === undefined) return;
  const reason = describeFailure(a);
  const next =
    a.retryInMs === undefined
      ? 'giving up'
      : `retrying in ${a.retryInMs < 1000 ? `${a.retryInMs} ms` : `${Math.round(a.retryInMs / 1000)} s`}`;
  const recipient = recipientOf(a);
  const said = a.outcome.ok
    ? `delivered, but: ${a.outcome.error}`
    : `failed, attempt ${a.attempt} of ${context.maxAttempts}: ${reason}; ${next}`;
  log.warn(
    {
      incident: a.incidentId,
      notification: context.notificationId,
      channel: a.channel,
      kind: a.kind,
      recipient,
      ...(context.user ? { user: context.user } : {}),
      attempt: a.attempt,
      max_attempts: context.maxAttempts,
      ...(a.outcome.status !== undefined ? { status_code: a.outcome.status } : {}),
      reason,
      ...(a.retryInMs !== undefined ? { retry_in_ms: a.retryInMs } : { final: true }),
    },
    `notification to ${a.kind} channel ${a.channel} (${recipient}) ${said}`,
  );
}
