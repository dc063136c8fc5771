import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@vigil/testkit';
import { seedIncidents, startAlertWebhook, type AlertWebhook } from './alertWebhook';
import { buildPage } from './build';
import { FLEET, startFleet } from './fleet';
import { startPrometheus } from './prometheus';
import { startHarnessServer } from './server';

export interface Live {
  /** The harness page's origin: /panel, /a/vigil-incidents-app/... */
  url: string;
  prometheusUrl: string;
  webhook: AlertWebhook;
  stop(): Promise<void>;
}

/** Resolves once Prometheus has recorded a score for every service of the fleet, `points` times. */
async function scoresRecorded(prometheusUrl: string, points: number): Promise<void> {
  const query = encodeURIComponent(`count_over_time(vigil:service_health_score[5m]) >= ${points}`);
  await waitFor(
    `health scores of all ${FLEET.length} services in Prometheus`,
    async () => {
      const body = (await (await fetch(`${prometheusUrl}/api/v1/query?query=${query}`)).json()) as {
        data?: { result?: unknown[] };
      };
      return (body.data?.result?.length ?? 0) >= FLEET.length ? true : undefined;
    },
    { timeoutMs: 60_000, everyMs: 500 },
  );
}

/**
 * Everything the harness page shows, live: the simulated fleet scraped by a real Prometheus evaluating
 * rules/'s health-score rules, alert-webhook with seeded incidents, and the harness server in Grafana's
 * place with the app's settings pointing at alert-webhook. Resolves once scores have `history` points.
 */
export async function startLive(
  options: { history?: number; log?: (line: string) => void } = {},
): Promise<Live> {
  const log = options.log ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-harness-'));
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const pageDir = await buildPage();
    log(`page built in ${pageDir}`);
    const fleet = await startFleet();
    stops.push(fleet.close);
    const prometheus = await startPrometheus(dir, [fleet.url]);
    stops.push(prometheus.stop);
    log(`prometheus at ${prometheus.url}, scraping the fleet at ${fleet.url}`);
    const webhook = await startAlertWebhook(dir);
    stops.push(webhook.stop);
    await seedIncidents(webhook);
    log(`alert-webhook at ${webhook.url}, incidents seeded`);
    const server = await startHarnessServer({
      pageDir,
      prometheusUrl: prometheus.url,
      settings: { jsonData: { url: webhook.url }, secureJsonData: { apiToken: webhook.apiToken } },
    });
    stops.push(server.close);
    await scoresRecorded(prometheus.url, options.history ?? 5);
    log(`harness at ${server.url}`);
    return { url: server.url, prometheusUrl: prometheus.url, webhook, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
