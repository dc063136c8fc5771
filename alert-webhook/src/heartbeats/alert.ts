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

/**
 * A missing heartbeat as an Alertmanager delivery of one alert `HeartbeatMissing`, merged like any other,
 * so that routing, escalation and noise control treat it as they treat alerts. It starts when the heartbeat
 * was due, which makes the same outage the same occurrence however many times it is stored.
 */
/** The group key of a source's deliveries, and so of its incidents. */
export const heartbeatGroupKey = (heartbeat: string, source: Record<string, string>) =>
  `${HEARTBEAT_RECEIVER}:${heartbeat}:${JSON.stringify(source)}`;

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
  return {
    version: '4',
    groupKey: heartbeatGroupKey(heartbeat.name, source),
    truncatedAlerts: 0,
    status: returnedAt ? 'resolved' : 'firing',
    receiver: HEARTBEAT_RECEIVER,
    groupLabels: { heartbeat: heartbeat.name },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: '',
    alerts: [
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
    ],
  };
}
