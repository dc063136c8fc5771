import { waitFor } from '@vigil/testkit';
import type { Browser } from 'playwright-core';
import { testIds as appIds } from '../../vigil-incidents-app/src/testIds';
import { testIds as panelIds } from '../../vigil-healthscore-panel/src/testIds';
import { launchChromium } from '../src/browser';
import { startLive, type Live } from '../src/live';

let live: Live;
let browser: Browser;

beforeAll(async () => {
  live = await startLive();
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await live?.stop();
});

const api = async <T>(path: string): Promise<T> => {
  const response = await fetch(`${live.webhook.url}/api/v1${path}`, {
    headers: { Authorization: `Bearer ${live.webhook.apiToken}` },
  });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return (await response.json()) as T;
};

it("shows Prometheus's recorded health scores as tiles, worst first", async () => {
  const query = encodeURIComponent('vigil:service_health_score');
  const body = (await (await fetch(`${live.prometheusUrl}/api/v1/query?query=${query}`)).json()) as {
    data: { result: Array<{ metric: { service: string }; value: [number, string] }> };
  };
  const recorded = body.data.result.map((r) => ({ service: r.metric.service, score: Number(r.value[1]) }));
  const worst = recorded.reduce((a, b) => (b.score < a.score ? b : a));

  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  try {
    await page.goto(`${live.url}/panel`);
    await page.getByTestId(panelIds.tile).first().waitFor();
    const tiles = await page.getByTestId(panelIds.tile).evaluateAll((els) =>
      els.map((el) => ({
        service: el.getAttribute('data-service')!,
        label: el.getAttribute('aria-label')!,
      })),
    );
    expect(tiles.map((t) => t.service).sort()).toEqual(recorded.map((r) => r.service).sort());
    const scores = tiles.map((t) => Number(/health score (\d+)$/.exec(t.label)?.[1]));
    expect(scores.every((s) => Number.isFinite(s))).toBe(true);
    expect(scores).toEqual([...scores].sort((a, b) => a - b));
    expect(tiles[0]!.service).toBe(worst.service);
  } finally {
    await page.close();
  }
});

it('acknowledges an incident from the Incident page, and alert-webhook records it', async () => {
  const { items } = await api<{ items: Array<{ id: number; status: string }> }>(
    '/incidents?status=triggered',
  );
  const incident = items[0]!;
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  try {
    await page.goto(`${live.url}/a/vigil-incidents-app/incidents/${incident.id}`);
    await page.getByTestId(appIds.incident.page).waitFor();
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    const acknowledged = await waitFor(
      `incident ${incident.id} acknowledged`,
      async () => {
        const current = await api<{ status: string; acknowledged_by: string | null }>(
          `/incidents/${incident.id}`,
        );
        return current.status === 'acknowledged' ? current : undefined;
      },
      { timeoutMs: 10_000 },
    );
    // The plugin proxy sent the app's token, whose name alert-webhook records as the actor.
    expect(acknowledged.acknowledged_by).toBe('grafana');
    await page.getByTestId(appIds.incident.status).filter({ hasText: 'acknowledged' }).waitFor();
  } finally {
    await page.close();
  }
});
