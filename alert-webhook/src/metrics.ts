import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from './db/database';

export type WebhookOutcome = 'accepted' | 'invalid' | 'unauthorized' | 'too_large' | 'unavailable' | 'error';

/** The receiver's own metrics; process, Node.js, build and reload series come from the service kit's runtime. */
export function createMetrics(db: Db) {
  const registry = new Registry();
  const webhookRequests = new Counter({
    name: 'vigil_webhook_requests_total',
    help: 'Alertmanager webhook deliveries, by outcome.',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const alertsReceived = new Counter({
    name: 'vigil_webhook_alerts_received_total',
    help: 'Alerts in accepted webhook deliveries, by the status the sender gave them.',
    labelNames: ['status'],
    registers: [registry],
  });
  const processingDuration = new Histogram({
    name: 'vigil_webhook_processing_duration_seconds',
    help: 'Time to merge one accepted delivery into incidents (a batch merged together shares its time).',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const inboxFailed = new Counter({
    name: 'vigil_inbox_failed_total',
    help: 'Stored deliveries that could not be merged into incidents (kept in the inbox with the error).',
    registers: [registry],
  });
  new Gauge({
    name: 'vigil_inbox_pending',
    help: 'Stored deliveries not yet merged into incidents.',
    registers: [registry],
    async collect() {
      const row = await db
        .selectFrom('inbox')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('processed_at', 'is', null)
        .executeTakeFirstOrThrow();
      this.set(Number(row.n));
    },
  });
  new Gauge({
    name: 'vigil_incidents_open',
    help: 'Incidents not yet resolved, by severity and status.',
    labelNames: ['severity', 'status'],
    registers: [registry],
    async collect() {
      const rows = await db
        .selectFrom('incidents')
        .select(['severity', 'status', (eb) => eb.fn.countAll<number>().as('n')])
        .where('status', '<>', 'resolved')
        .groupBy(['severity', 'status'])
        .execute();
      this.reset();
      for (const r of rows) this.set({ severity: r.severity, status: r.status }, Number(r.n));
    },
  });
  const notifications = new Counter({
    name: 'vigil_notifications_total',
    help: 'Notifications delivered or given up on after their retries, by channel and outcome.',
    labelNames: ['channel', 'outcome'],
    registers: [registry],
  });
  const notificationsHeld = new Counter({
    name: 'vigil_notifications_held_total',
    help: 'Notifications held back instead of sent (recorded on the incident), by reason: flapping, storm (sent later in a digest) or maintenance.',
    labelNames: ['reason'],
    registers: [registry],
  });
  for (const reason of ['flapping', 'storm', 'maintenance']) notificationsHeld.inc({ reason }, 0);
  const escalationSteps = new Counter({
    name: 'vigil_escalation_steps_total',
    help: 'Escalation policy steps fired.',
    registers: [registry],
  });
  return {
    registry,
    webhookRequests,
    alertsReceived,
    processingDuration,
    inboxFailed,
    notifications,
    notificationsHeld,
    escalationSteps,
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
