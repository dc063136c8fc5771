import { cpus, loadavg } from 'node:os';
import { testIds } from '../../vigil-healthscore-panel/src/testIds';
import { launchChromium } from '../src/browser';
import { buildPage } from '../src/build';
import { startHarnessServer } from '../src/server';

const SERVICES = 1000;
const WARMUP = 5;
const RUNS = 50;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

/**
 * Renders the health-score panel with 1,000 services in headless Chromium (React's production build),
 * RUNS times after WARMUP, each time from an empty panel: the time from setting the query result (the
 * score and four signals per service, 60 samples each) to the frame after the tiles are painted.
 */
async function main() {
  const pageDir = await buildPage(true);
  const server = await startHarnessServer({ pageDir, settings: { jsonData: {}, secureJsonData: {} } });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${server.url}/bench`);
    await page.waitForFunction(() => typeof window.benchRender === 'function');
    const totals: number[] = [];
    const commits: number[] = [];
    for (let run = 0; run < WARMUP + RUNS; run++) {
      const { totalMs, commitMs } = await page.evaluate(([count, seed]) => window.benchRender!(count, seed), [
        SERVICES,
        run,
      ] as const);
      if (run < WARMUP) continue;
      totals.push(totalMs);
      commits.push(commitMs);
    }
    const tiles = await page.getByTestId(testIds.tile).count();
    const total = [...totals].sort((a, b) => a - b);
    const commit = [...commits].sort((a, b) => a - b);
    const ms = (sorted: number[], p: number) => percentile(sorted, p).toFixed(1);
    console.log(
      `runs=${RUNS} warmup=${WARMUP} tiles_mounted=${tiles} viewport=1280x800 cpus=${cpus().length} load=${loadavg()[0]!.toFixed(1)}`,
    );
    console.log(
      `react_commit_ms_p50=${ms(commit, 50)} react_commit_ms_p99=${ms(commit, 99)} max_ms=${ms(total, 100)}`,
    );
    console.log(`panel render_ms_p50=${ms(total, 50)} render_ms_p99=${ms(total, 99)} services=${SERVICES}`);
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
