import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startProcess, waitFor } from '@vigil/testkit';
import { incidentDetail, incidentPage, maintenanceWindow, postmortem } from '@vigil/api-contract';
import yaml from 'js-yaml';
import type { z } from 'zod';
import { REPO_ROOT } from './paths';

export interface AlertWebhook {
  url: string;
  /** A responder token for the REST API: what the app's secureJsonData.apiToken holds. */
  apiToken: string;
  /** The bearer token Alertmanager sends to the webhook. */
  webhookToken: string;
  stop(): Promise<void>;
}

const secret = (dir: string, name: string) => {
  const value = randomBytes(16).toString('hex');
  writeFileSync(join(dir, name), value, { mode: 0o600 });
  return { value, file: join(dir, name) };
};

const PEOPLE = ['alice', 'bob', 'carol'];

/** alert-webhook from its build, on loopback, with its own SQLite file and one on-call schedule. */
export async function startAlertWebhook(dir: string): Promise<AlertWebhook> {
  const main = join(REPO_ROOT, 'alert-webhook/dist/src/main.js');
  if (!existsSync(main)) throw new Error('alert-webhook is not built: run npx tsc -b first');
  const port = await freePort();
  const api = secret(dir, 'api-token');
  const webhook = secret(dir, 'webhook-token');
  const config = join(dir, 'alert-webhook.yml');
  writeFileSync(
    config,
    yaml.dump({
      server: { listen_address: '127.0.0.1', port },
      storage: { sqlite: { path: join(dir, 'vigil.db') } },
      webhook: { bearer_token: { file: webhook.file } },
      api: { tokens: [{ name: 'grafana', role: 'responder', token: { file: api.file } }] },
      // The on-call people as Vigil users (postmortem action items are owned by them); no route mails them.
      notifications: {
        channels: Object.fromEntries(
          PEOPLE.map((name) => [
            `${name}-email`,
            {
              kind: 'email',
              smtp: { host: '127.0.0.1', port: 25 },
              from: 'vigil@localhost',
              to: [`${name}@localhost`],
            },
          ]),
        ),
      },
      users: PEOPLE.map((name) => ({ name, channels: [`${name}-email`] })),
      oncall: {
        schedules: [
          {
            name: 'platform',
            rotations: [
              {
                name: 'primary',
                type: 'weekly',
                handoff: '09:00',
                time_zone: 'UTC',
                start: '2026-01-05',
                participants: PEOPLE,
              },
            ],
          },
        ],
      },
      log_level: 'warn',
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const child = await startProcess(process.execPath, [main, '--config', config], {
    name: 'alert-webhook',
    output: { file: join(dir, 'alert-webhook.log') },
    ready: `${url}/readyz`,
  });
  return { url, apiToken: api.value, webhookToken: webhook.value, stop: () => child.stop() };
}

interface Alert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  status?: 'firing' | 'resolved';
  minutesAgo: number;
}

/** An Alertmanager webhook (version 4) notification for one group of alerts. */
function notification(alerts: Alert[]) {
  const now = Date.now();
  const common = alerts[0]!.labels;
  const status = alerts.every((a) => a.status === 'resolved') ? 'resolved' : 'firing';
  return {
    version: '4',
    groupKey: `{}:{alertname="${common.alertname}", service="${common.service}"}`,
    truncatedAlerts: 0,
    status,
    receiver: 'vigil',
    groupLabels: { alertname: common.alertname, service: common.service },
    commonLabels: common,
    commonAnnotations: alerts[0]!.annotations,
    externalURL: 'http://127.0.0.1:9093',
    alerts: alerts.map((a, i) => ({
      status: a.status ?? 'firing',
      labels: a.labels,
      annotations: a.annotations,
      startsAt: new Date(now - a.minutesAgo * 60_000).toISOString(),
      endsAt: a.status === 'resolved' ? new Date(now - 60_000).toISOString() : '0001-01-01T00:00:00Z',
      generatorURL: `http://127.0.0.1:9090/graph?g0.expr=${encodeURIComponent(common.alertname ?? '')}`,
      fingerprint: `${common.alertname}-${common.service}-${i}`.replace(/[^a-z0-9]/gi, '').slice(0, 16),
    })),
  };
}

/** The incidents the fleet's state would raise, delivered as Alertmanager delivers them. */
export const SEED: Alert[][] = [
  [
    {
      labels: {
        alertname: 'ServiceDown',
        severity: 'critical',
        component: 'service-health',
        service: 'inventory',
        team: 'commerce',
      },
      annotations: {
        summary: 'inventory is down',
        description:
          'The health checks of inventory have failed for 2 minutes. <b>Not bold</b>: annotations are text.',
        runbook_url: 'https://github.com/vigil/vigil/blob/main/rules/runbooks/ServiceDown.md',
      },
      minutesAgo: 25,
    },
  ],
  [
    {
      labels: {
        alertname: 'ErrorBudgetBurnPage',
        severity: 'critical',
        service: 'checkout',
        team: 'commerce',
        slo: 'availability',
      },
      annotations: {
        summary: 'checkout is burning its error budget 14x too fast',
        description: '8% of requests fail.',
      },
      minutesAgo: 12,
    },
  ],
  [
    {
      labels: {
        alertname: 'ServiceDegraded',
        severity: 'warning',
        component: 'service-health',
        service: 'payments',
        team: 'payments',
      },
      annotations: {
        summary: 'payments is degraded',
        description: 'The TLS check of payments fails while HTTP passes.',
      },
      minutesAgo: 40,
    },
  ],
  [
    {
      labels: { alertname: 'HighEventLoopLag', severity: 'warning', service: 'auth', team: 'identity' },
      annotations: {
        summary: 'auth event loop lag is 400 ms',
        description: 'p99 event-loop lag above 250 ms.',
      },
      status: 'resolved',
      minutesAgo: 90,
    },
  ],
];

/**
 * Delivers the seed notifications, waits until alert-webhook has turned each into an incident, and has
 * the payments incident acknowledged with a note through the REST API, so that the pages show one
 * incident further along (and the reports a time to acknowledge), and a maintenance window over checkout.
 */
export async function seedIncidents(webhook: AlertWebhook, seed = SEED): Promise<void> {
  for (const alerts of seed) {
    const response = await fetch(`${webhook.url}/api/v1/alertmanager`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${webhook.webhookToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(notification(alerts)),
    });
    if (!response.ok)
      throw new Error(
        `alert-webhook refused a seed notification: ${response.status} ${await response.text()}`,
      );
  }
  const call = async <S extends z.ZodType>(
    schema: S,
    path: string,
    body?: unknown,
    method = body === undefined ? 'GET' : 'POST',
  ): Promise<z.output<S>> => {
    const response = await fetch(`${webhook.url}/api/v1${path}`, {
      method,
      headers: { Authorization: `Bearer ${webhook.apiToken}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`alert-webhook ${path}: ${response.status} ${await response.text()}`);
    return schema.parse(await response.json());
  };
  const incidents = await waitFor(
    `${seed.length} incidents in alert-webhook`,
    async () => {
      const { items } = await call(incidentPage, '/incidents?limit=500');
      return items.length >= seed.length ? items : undefined;
    },
    { timeoutMs: 10_000 },
  );
  const payments = incidents.find((i) => i.service === 'payments');
  if (payments) {
    const acknowledged = await call(incidentDetail, `/incidents/${payments.id}/acknowledge`, {
      note: 'Looking at the TLS certificate.',
    });
    // Its postmortem, begun: the Postmortem page shows it (and its form) filled in.
    await call(
      postmortem,
      `/incidents/${payments.id}/postmortem`,
      {
        summary: 'Payments failed TLS handshakes for 20 minutes after the certificate expired.',
        impact: 'About 3% of card payments were declined and retried.',
        root_cause: 'The certificate renewal job had been failing silently since the cluster move.',
        timeline_entry_ids: acknowledged.timeline.map((e) => e.id),
        action_items: [
          { title: 'Alert on certificate expiry 14 days ahead', owner: 'alice', due_date: '2026-12-18' },
          { title: 'Make the renewal job page on failure', owner: 'bob', status: 'done' },
        ],
      },
      'PUT',
    );
  }
  // A window over checkout, whose incident the Maintenance page shows it covers.
  await call(maintenanceWindow, '/maintenance', {
    matchers: ['service="checkout"'],
    ends_at: new Date(Date.now() + 2 * 3600_000).toISOString(),
    comment: 'Database failover drill',
  });
}
