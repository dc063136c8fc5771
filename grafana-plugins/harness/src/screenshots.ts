import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { testIds as appIds } from '../../vigil-incidents-app/src/testIds';
import { testIds as panelIds } from '../../vigil-healthscore-panel/src/testIds';
import { launchChromium } from './browser';
import { startLive, type Live } from './live';

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const APP = '/a/vigil-incidents-app';

async function shoot(browser: Browser, live: Live, out: string, shot: Shot): Promise<string> {
  const page = await browser.newPage({ viewport: shot.viewport ?? DESKTOP, deviceScaleFactor: 1 });
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  try {
    await page.goto(live.url + shot.path);
    await page.getByTestId(shot.ready).first().waitFor({ timeout: 30_000 });
    await shot.then?.(page);
    await page.waitForLoadState('networkidle');
    const file = resolve(out, `${shot.name}.png`);
    await page.screenshot({ path: file, fullPage: shot.fullPage ?? false });
    if (errors.length) throw new Error(`${shot.path}: page errors: ${errors.join('; ')}`);
    return file;
  } finally {
    await page.close();
  }
}

interface Shot {
  name: string;
  path: string;
  /** A test id that shows the page has its data. */
  ready: string;
  viewport?: { width: number; height: number };
  fullPage?: boolean;
  then?: (page: Page) => Promise<void>;
}

/** The newest incident the list's `query` selects. */
async function newestIncident(live: Live, query: string): Promise<number> {
  const response = await fetch(`${live.webhook.url}/api/v1/incidents?${query}`, {
    headers: { Authorization: `Bearer ${live.webhook.apiToken}` },
  });
  const { items } = (await response.json()) as { items: Array<{ id: number }> };
  if (!items[0]) throw new Error(`no incident in alert-webhook for ${query}`);
  return items[0].id;
}

/** PNGs of the panel (desktop, 390 px, a pinned breakdown) and of each app page, into `out`. */
export async function screenshots(out: string, log: (line: string) => void = console.log): Promise<string[]> {
  mkdirSync(out, { recursive: true });
  const live = await startLive({ history: 20, log });
  const browser = await launchChromium();
  try {
    const incident = await newestIncident(live, 'status=triggered&severity=critical');
    // The seed's payments incident has a postmortem begun.
    const withPostmortem = await newestIncident(live, 'service=payments');
    const shots: Shot[] = [
      { name: 'panel-desktop', path: '/panel', ready: panelIds.tile },
      { name: 'panel-mobile', path: '/panel', ready: panelIds.tile, viewport: PHONE },
      {
        name: 'panel-breakdown',
        path: '/panel',
        ready: panelIds.tile,
        // checkout: failing requests, and a dependency (inventory) down.
        then: (page) => page.locator(`[data-testid="${panelIds.tile}"][data-service="checkout"]`).click(),
      },
      { name: 'app-incidents', path: `${APP}/incidents`, ready: appIds.incidents.row },
      {
        name: 'app-incident',
        path: `${APP}/incidents/${incident}`,
        ready: appIds.incident.timeline,
        fullPage: true,
      },
      {
        name: 'app-postmortem',
        path: `${APP}/incidents/${withPostmortem}/postmortem`,
        ready: appIds.postmortem.actionItem,
        fullPage: true,
      },
      { name: 'app-oncall', path: `${APP}/oncall`, ready: appIds.oncall.schedule },
      { name: 'app-reports', path: `${APP}/reports`, ready: appIds.reports.chart, fullPage: true },
      {
        name: 'app-maintenance',
        path: `${APP}/maintenance`,
        ready: appIds.maintenance.window,
        fullPage: true,
      },
      {
        name: 'app-maintenance-mobile',
        path: `${APP}/maintenance`,
        ready: appIds.maintenance.window,
        viewport: PHONE,
        fullPage: true,
      },
      {
        name: 'app-incidents-mobile',
        path: `${APP}/incidents`,
        ready: appIds.incidents.row,
        viewport: PHONE,
      },
    ];
    const files: string[] = [];
    for (const shot of shots) {
      files.push(await shoot(browser, live, out, shot));
      log(`wrote ${files[files.length - 1]}`);
    }
    return files;
  } finally {
    await browser.close();
    await live.stop();
  }
}

if (require.main === module) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: npm run screenshots -- <output directory>');
    process.exit(2);
  }
  screenshots(out).catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
}
