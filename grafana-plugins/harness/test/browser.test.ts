import { waitFor } from '@vigil/testkit';
import type { Browser } from 'playwright-core';
import { testIds as appIds } from '../../vigil-incidents-app/src/testIds';
import { testIds as panelIds } from '../../vigil-healthscore-panel/src/testIds';
import { launchChromium } from '../src/browser';
import { narrowLayoutProblems } from '../src/layout';
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

const PHONE = { width: 390, height: 844 };
const APP = '/a/vigil-incidents-app';

describe('at a phone width (390 px)', () => {
  const pages: Array<[string, () => Promise<string>, string]> = [
    ['the health-score panel', async () => '/panel', panelIds.tile],
    ['Incidents', async () => `${APP}/incidents`, appIds.incidents.row],
    [
      'Incident',
      async () => {
        const { items } = await api<{ items: Array<{ id: number }> }>('/incidents?severity=critical');
        return `${APP}/incidents/${items[0]!.id}`;
      },
      appIds.incident.timeline,
    ],
    [
      'Postmortem',
      async () => {
        const { items } = await api<{ items: Array<{ id: number }> }>('/incidents?service=payments');
        return `${APP}/incidents/${items[0]!.id}/postmortem`;
      },
      appIds.postmortem.actionItem,
    ],
    ['On-call', async () => `${APP}/oncall`, appIds.oncall.schedule],
    ['Reports', async () => `${APP}/reports`, appIds.reports.chart],
    ['Maintenance', async () => `${APP}/maintenance`, appIds.maintenance.window],
  ];

  it.each(pages)(
    '%s: the page does not scroll sideways and every control is within reach',
    async (_name, path, ready) => {
      const page = await browser.newPage({ viewport: PHONE });
      try {
        await page.goto(live.url + (await path()));
        await page.getByTestId(ready).first().waitFor();
        await page.waitForLoadState('networkidle');
        expect(await narrowLayoutProblems(page)).toEqual([]);
      } finally {
        await page.close();
      }
    },
  );

  it('creates a maintenance window, its matchers checked by alert-webhook as typed, and ends it', async () => {
    const page = await browser.newPage({ viewport: PHONE });
    try {
      await page.goto(`${live.url}${APP}/maintenance`);
      const form = page.getByTestId(appIds.maintenance.form);
      const matcher = form.getByLabel('Matcher 1');
      await matcher.fill('service="search');
      // alert-webhook's own message for the unclosed quote, under the input.
      await form.getByText(/missing closing double quote/).waitFor();
      await matcher.fill('service="search"');
      await form.getByText('Matchers accepted by alert-webhook').waitFor();
      await form.getByLabel('Comment').fill('reindex');
      await form.getByRole('button', { name: 'Create window' }).click();
      const windows = await waitFor(
        'the new window in alert-webhook',
        async () => {
          const { items } = await api<{ items: Array<{ id: number; matchers: string[]; comment: string }> }>(
            '/maintenance',
          );
          return items.find((w) => w.comment === 'reindex');
        },
        { timeoutMs: 10_000 },
      );
      expect(windows.matchers).toEqual(['service="search"']);
      // Probing the matchers made no window: only the seeded one and this one exist.
      expect((await api<{ items: unknown[] }>('/maintenance')).items).toHaveLength(2);

      const card = page.getByRole('region', { name: `Maintenance window Window #${windows.id}` });
      await card.getByRole('button', { name: 'End now' }).click();
      await card.getByRole('button', { name: 'End window' }).click();
      await card.waitFor({ state: 'detached' });
      expect(
        (await api<{ items: Array<{ id: number }> }>('/maintenance')).items.map((w) => w.id),
      ).not.toContain(windows.id);
    } finally {
      await page.close();
    }
  });
});
