import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { blackboxExporterBinary, freePort, spawnProcess, type RunningProcess } from '@vigil/testkit';
import yaml from 'js-yaml';
import { agent, cpuSeconds, get, message, percentile, probeUrl, targetUrl } from './support';

/**
 * The health-check exporter against Debian's blackbox_exporter, in one run, each in its own process:
 * both probe the same local targets at the same rate for the same window. The exporter runs its checks on
 * their interval and is scraped every --scrape-every seconds; blackbox_exporter gets one /probe per target
 * per interval, evenly spread, as from Prometheus. CPU comes from /proc/<pid>/stat (utime + stime), the
 * probe counts from the target server, which tells the probers apart. Each scrape is followed by a request
 * to a control server answering the same number of bytes and doing nothing else: its latency is what the
 * machine adds (a loaded machine shows in both).
 * Usage: npm run bench:health -- [--checks 1000] [--interval 10] [--seconds 30] [--scrape-every 0.25]
 *   [--cpu-prof-dir <dir>]
 */
const { values: args } = parseArgs({
  options: {
    checks: { type: 'string', default: '1000' },
    interval: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '30' },
    'scrape-every': { type: 'string', default: '0.25' },
    /** Debian names it prometheus-blackbox-exporter, upstream blackbox_exporter; the first on PATH. */
    blackbox: { type: 'string' },
    /** Write a CPU profile of the exporter (node --cpu-prof) into this directory. */
    'cpu-prof-dir': { type: 'string' },
  },
});
const checks = Number(args.checks);
const intervalS = Number(args.interval);
const windowS = Number(args.seconds);
const scrapeEveryS = Number(args['scrape-every']);
const CHECKS_PER_SERVICE = 10;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function exporterConfig(port: number, targetPort: number) {
  const services: Record<string, { checks: unknown[] }> = {};
  for (let i = 0; i < checks; i++) {
    const service = `svc-${Math.floor(i / CHECKS_PER_SERVICE)}`;
    (services[service] ??= { checks: [] }).checks.push({
      name: `http-${i}`,
      kind: 'http',
      url: targetUrl(targetPort, i),
    });
  }
  return {
    server: { listen_address: '127.0.0.1', port },
    log_level: 'warn',
    defaults: { interval: `${intervalS}s`, timeout: `${Math.min(5, intervalS)}s` },
    services,
  };
}

/** Starts a bench helper script (in this directory) that reports its port first. */
async function helper(children: ChildProcess[], script: string, args: (string | number)[] = []) {
  const child = spawn(process.execPath, [join(__dirname, script), ...args.map(String)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  return child;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-health-'));
  const children: ChildProcess[] = [];
  let exporter: RunningProcess | undefined;
  let blackbox: RunningProcess | undefined;
  try {
    const target = await helper(children, 'target-server.js');
    const targetPort = await message(target, (m) => (m as { port?: number }).port);
    const counts = () => {
      target.send('counts');
      return message(target, (m) => (m as { counts?: { exporter: number; blackbox: number } }).counts);
    };

    const exporterPort = await freePort();
    const configFile = join(dir, 'health-check.yml');
    writeFileSync(configFile, yaml.dump(exporterConfig(exporterPort, targetPort)));
    const profile = args['cpu-prof-dir'] ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof-dir']}`] : [];
    exporter = spawnProcess(
      process.execPath,
      [...profile, join(__dirname, '..', 'src', 'main.js'), '--config', configFile],
      { name: 'health-check exporter', output: 'inherit' },
    );

    const blackboxPort = await freePort();
    const blackboxConfig = join(dir, 'blackbox.yml');
    writeFileSync(
      blackboxConfig,
      yaml.dump({
        modules: { http_2xx: { prober: 'http', timeout: '5s', http: { preferred_ip_protocol: 'ip4' } } },
      }),
    );
    blackbox = spawnProcess(
      args.blackbox ?? blackboxExporterBinary(),
      [`--config.file=${blackboxConfig}`, `--web.listen-address=127.0.0.1:${blackboxPort}`],
      { name: 'blackbox_exporter', output: 'ignore' },
    );

    const exporterUrl = `http://127.0.0.1:${exporterPort}/metrics`;
    // Ready once the first round of every check has a result.
    const timeoutMs = 30_000;
    await exporter.waitFor(
      'the first round of checks',
      async () => {
        const { body } = await get(exporterUrl);
        return (body.toString().match(/^probe_success\{/gm) ?? []).length === checks || undefined;
      },
      { timeoutMs },
    );
    await blackbox.waitFor(
      'a probe from blackbox_exporter',
      async () => (await get(probeUrl(blackboxPort, targetPort, 0))).status === 200 || undefined,
      { timeoutMs },
    );
    const scrapeBytes = (await get(exporterUrl)).body.length;
    const control = await helper(children, 'baseline-server.js', [scrapeBytes]);
    const controlUrl = `http://127.0.0.1:${await message(control, (m) => (m as { port?: number }).port)}/`;

    // blackbox_exporter gets its /probe requests from a process of its own, so that sending them does not
    // delay the scrapes timed here.
    const driver = await helper(children, 'blackbox-driver.js', [
      blackboxPort,
      targetPort,
      checks,
      intervalS,
    ]);

    // The exporter's checks spread over their interval after the first round: measure from then on.
    await sleep((intervalS + 2) * 1000);
    const pids = { exporter: exporter.pid, blackbox: blackbox.pid };
    const cpu = () => ({ exporter: cpuSeconds(pids.exporter), blackbox: cpuSeconds(pids.blackbox) });
    const before = { counts: await counts(), cpu: cpu() };
    const scrapeMs: number[] = [];
    const controlMs: number[] = [];
    const buildMs: number[] = [];
    const deadline = performance.now() + windowS * 1000;
    while (performance.now() < deadline) {
      const started = performance.now();
      const scrape = await get(exporterUrl);
      if (scrape.status !== 200) throw new Error(`scrape answered ${scrape.status}`);
      scrapeMs.push(scrape.ms);
      // The exporter's own time to build the scrape, which it reports last.
      const built = /healthcheck_scrape_duration_seconds (\S+)\n$/.exec(
        scrape.body.subarray(-200).toString(),
      );
      buildMs.push(Number(built?.[1]) * 1000);
      controlMs.push((await get(controlUrl)).ms);
      await sleep(Math.max(0, scrapeEveryS * 1000 - (performance.now() - started)));
    }
    const after = { counts: await counts(), cpu: cpu() };
    driver.send('failures');
    const probeFailures = await message(driver, (m) => (m as { failures?: number }).failures);

    const probes = {
      exporter: after.counts.exporter - before.counts.exporter,
      blackbox: after.counts.blackbox - before.counts.blackbox,
    };
    const cpuPerProbeMs = {
      exporter: ((after.cpu.exporter - before.cpu.exporter) / probes.exporter) * 1000,
      blackbox: ((after.cpu.blackbox - before.cpu.blackbox) / probes.blackbox) * 1000,
    };
    scrapeMs.sort((a, b) => a - b);
    controlMs.sort((a, b) => a - b);
    buildMs.sort((a, b) => a - b);
    const p99 = percentile(scrapeMs, 99);
    const ratio = cpuPerProbeMs.exporter / cpuPerProbeMs.blackbox;
    const ms = (n: number) => n.toFixed(1);
    console.log(
      `window ${windowS}s: ${checks} targets every ${intervalS}s; exporter scraped every ${scrapeEveryS}s ` +
        `(${scrapeBytes} bytes); load average ${loadavg()[0]?.toFixed(2)}`,
    );
    console.log(`probes: exporter ${probes.exporter}, blackbox ${probes.blackbox} (${probeFailures} failed)`);
    console.log(
      `cpu per probe: exporter ${cpuPerProbeMs.exporter.toFixed(3)} ms, blackbox ${cpuPerProbeMs.blackbox.toFixed(3)} ms`,
    );
    for (const [name, list] of [
      ['scrape', scrapeMs],
      ['build (healthcheck_scrape_duration_seconds)', buildMs],
      ['control (same bytes, no work)', controlMs],
    ] as const) {
      console.log(
        `${name}: ${list.length} requests, p50 ${ms(percentile(list, 50))} ms, p99 ${ms(percentile(list, 99))} ms, max ${ms(list.at(-1) as number)} ms`,
      );
    }
    console.log(
      `health_exporter checks=${checks} scrape_p99_ms=${ms(p99)} cpu_per_probe_ratio_vs_blackbox=${ratio.toFixed(2)}`,
    );
  } finally {
    // The exporter first, waiting for it: it writes its CPU profile as it exits.
    await exporter?.stop();
    await blackbox?.stop();
    children.forEach((c) => c.kill());
    agent.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
