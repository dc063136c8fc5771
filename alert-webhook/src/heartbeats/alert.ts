import type { WebhookPayload } from '../webhook/payload';
import type { HeartbeatSettings } from './config';

/** The receiver name on a missing heartbeat's delivery, and so on its incident. */
export const HEARTBEAT_RECEIVER = 'vigil-heartbeats';
const RUNBOOK = 'https://github.com/vigil/vigil/blob/main/rules/runbooks/Watchdog.md';

const describe = (labels: Record<string, string>) =>
  Object.keys(labels).length === 0
    ? ''
    : ` from ${Object.entries(labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(', ')}`;

/** The group key of a source's deliveries, and so of its incidents. */
export const heartbeatGroupKey = (heartbeat: string, source: Record<string, string>) =>
  `${HEARTBEAT_RECEIVER}:${heartbeat}:${JSON.stringify(source)}`;

type DeliveredAlert = WebhookPayload['alerts'][number];

/** One source's alerts as an Alertmanager delivery from the receiver `vigil-heartbeats`. */
function delivery(
  heartbeat: string,
  source: Record<string, string>,
  alerts: DeliveredAlert[],
): WebhookPayload {
  const firing = alerts.some((a) => a.status === 'firing');
  return {
    version: '4',
    groupKey: heartbeatGroupKey(heartbeat, source),
    truncatedAlerts: 0,
    status: firing ? 'firing' : 'resolved',
    receiver: HEARTBEAT_RECEIVER,
    groupLabels: { heartbeat },
    commonLabels: alerts.length === 1 ? (alerts[0] as DeliveredAlert).labels : { heartbeat },
    commonAnnotations: {},
    externalURL: '',
    alerts,
  };
}

/**
 * A missing heartbeat as an Alertmanager delivery of one alert `HeartbeatMissing`, merged like any other,
 * so that routing, escalation and noise control treat it as they treat alerts. It starts when the heartbeat
 * was due, which makes the same outage the same occurrence however many times it is stored.
 */
export function heartbeatDelivery(
  heartbeat: HeartbeatSettings,
  source: Record<string, string>,
  missingSince: string,
  /** When the heartbeat came back: the alert resolves. */
  returnedAt?: string,
): WebhookPayload {
  const labels = {
    alertname: 'HeartbeatMissing',
    ...heartbeat.labels,
    ...source,
    heartbeat: heartbeat.name,
  };
  const from = describe(source);
  return delivery(heartbeat.name, source, [
    {
      status: returnedAt ? 'resolved' : 'firing',
      labels,
      annotations: {
        summary: `No ${heartbeat.name} heartbeat${from} since ${missingSince}`,
        description:
          `The heartbeat alert (${heartbeat.name}) was not received${from} within ${heartbeat.timeout / 1000}s: ` +
          'Prometheus, Alertmanager or the route between them and this receiver is broken.',
        runbook_url: RUNBOOK,
      },
      startsAt: missingSince,
      endsAt: returnedAt ?? '0001-01-01T00:00:00Z',
      generatorURL: '',
    },
  ]);
}

/**
 * The alerts still firing for a heartbeat no longer configured (renamed or removed by a reload), resolved
 * at `at`: with the very labels they fired with, so that merging resolves them and their incident, which
 * nothing would check again otherwise.
 */
export function retiredDelivery(
  heartbeat: string,
  source: Record<string, string>,
  firing: { labels: Record<string, string>; annotations: Record<string, string>; startsAt: string }[],
  at: string,
): WebhookPayload {
  return delivery(
    heartbeat,
    source,
    firing.map((a) => ({
      status: 'resolved',
      labels: a.labels,
      annotations: { ...a.annotations, summary: `Heartbeat ${heartbeat} is no longer configured` },
      startsAt: a.startsAt,
      endsAt: at,
      generatorURL: '',
    })),
  );
}
