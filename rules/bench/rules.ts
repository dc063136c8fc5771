/**
 * npm run bench:rules: how long Prometheus takes to evaluate the SLO rule groups when the long windows
 * are rate() over the SLI's raw series (before, `raw`) and when they are sums over time of the recorded
 * 5-minute rates (after, `derived`, what rules:generate writes).
 *
 * One TSDB is backfilled (promtool tsdb create-blocks-from openmetrics) with synthetic traffic for every
 * SLO of rules/slo/specs, spread over BENCH_INSTANCES instances, and with the 5-minute records the derived
 * rules read, as a running Prometheus would hold them. Then Prometheus runs each rule set in turn, twice
 * (before, after, before, after), and prometheus_rule_group_last_duration_seconds is read from /metrics
 * at each new iteration (prometheus_rule_group_iterations_total). Printed: the median time of one round
 * over all SLO groups, per rule set, their ratio, and the error ratios both compute for the same windows.
 *
 * Environment: BENCH_DAYS (default 3, the longest tier's window) of history, a sample every
 * BENCH_STEP_SECONDS (15, the stack's scrape and evaluation interval);
 * BENCH_INSTANCES (10); BENCH_ITERATIONS per phase (12); BENCH_INTERVAL of evaluation (3s).
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { promtoolBinary, sleep, startPrometheus, tempDir } from '@vigil/testkit';
import { SPECS_DIR } from '../src/paths';
import { renderYaml } from '../src/yaml';
import { vectorSelector, formatSelector } from '../src/promql';
import {
  BASE_WINDOW,
  errorRateRecord,
  errorRatioRecord,
  sloLabels,
  sloRuleFile,
  totalRateRecord,
  type LongWindows,
} from '../src/slo/rules';
import { loadSpecs, type Slo, type SloSpec } from '../src/slo/spec';
import { durationSeconds } from '../src/slo/windows';
import { writeFileSync } from 'node:fs';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const DAYS = env('BENCH_DAYS', 3);
const STEP = env('BENCH_STEP_SECONDS', 15);
const INSTANCES = env('BENCH_INSTANCES', 10);
const ITERATIONS = env('BENCH_ITERATIONS', 12);
const INTERVAL = process.env.BENCH_INTERVAL ?? '3s';

/** Deterministic noise, so that every run benchmarks the same data. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

/** Per step and instance: the SLI's events and bad events in that step (a 0/1 gauge: one event). */
interface Traffic {
  total: number[][];
  errors: number[][];
}

function traffic(slo: Slo, steps: number, seed: number): Traffic {
  const next = random(seed);
  const total: number[][] = [];
  const errors: number[][] = [];
  for (let i = 0; i < INSTANCES; i++) {
    const t: number[] = [];
    const e: number[] = [];
    for (let s = 0; s < steps; s++) {
      if (slo.sli.kind === 'bool_gauge') {
        t.push(1);
        e.push(next() < 0.003 ? 1 : 0);
      } else {
        const events = 50 + Math.floor(next() * 100);
        t.push(events);
        // About one bad event in 300.
        e.push(next() < events / 300 ? 1 : 0);
      }
    }
    total.push(t);
    errors.push(e);
  }
  return { total, errors };
}

/** Labels of a concrete series as written in the spec, with the bench's instance. */
function seriesOf(text: string, instance: number): { name: string; labels: Record<string, string> } {
  const s = vectorSelector(text);
  const labels = Object.fromEntries(s.matchers.map((m) => [m.label, m.value]));
  return { name: s.metric as string, labels: { ...labels, instance: `bench-${instance}` } };
}

/** The raw series of one SLO: per series, its value at each step. */
function rawSeries(slo: Slo, data: Traffic): { series: string; values: number[] }[] {
  const counter = (perStep: number[]) => {
    let sum = 0;
    return perStep.map((v) => (sum += v));
  };
  const out: { series: string; values: number[] }[] = [];
  const sli = slo.sli;
  for (let i = 0; i < INSTANCES; i++) {
    const total = data.total[i] as number[];
    const errors = data.errors[i] as number[];
    const good = total.map((t, s) => t - (errors[s] as number));
    const add = (name: string, labels: Record<string, string>, values: number[]) =>
      out.push({
        series: formatSelector(
          name,
          Object.entries(labels).map(([label, value]) => ({ label, op: '=', value })),
        ),
        values,
      });
    if (sli.kind === 'bool_gauge') {
      const g = seriesOf(sli.test_series, i);
      add(g.name, g.labels, good);
    } else if (sli.kind === 'events') {
      const g = seriesOf(sli.test_series.good, i);
      const b = seriesOf(sli.test_series.bad, i);
      add(g.name, g.labels, counter(good));
      add(b.name, b.labels, counter(errors));
    } else {
      const labels = { ...sli.labels, instance: `bench-${i}` };
      add(`${sli.histogram}_bucket`, { ...labels, le: String(sli.threshold_seconds) }, counter(good));
      add(`${sli.histogram}_bucket`, { ...labels, le: '+Inf' }, counter(total));
      add(`${sli.histogram}_count`, labels, counter(total));
    }
  }
  return out;
}

/** The 5-minute error and total rates a running Prometheus would have recorded, per step. */
function recordedSeries(spec: SloSpec, slo: Slo, data: Traffic): { series: string; values: number[] }[] {
  const window = durationSeconds(BASE_WINDOW) / STEP;
  const perStep = (rows: number[][]) =>
    (rows[0] as number[]).map((_, s) => rows.reduce((sum, row) => sum + (row[s] as number), 0));
  // Events of the steps (s - window, s], per second of the window.
  const rate = (sums: number[]) =>
    sums.map((_, s) =>
      s < window ? NaN : sums.slice(s - window + 1, s + 1).reduce((a, b) => a + b, 0) / (window * STEP),
    );
  const labels = Object.entries(sloLabels(spec, slo)).map(([label, value]) => ({
    label,
    op: '=' as const,
    value,
  }));
  return [
    { series: formatSelector(errorRateRecord(BASE_WINDOW), labels), values: rate(perStep(data.errors)) },
    { series: formatSelector(totalRateRecord(BASE_WINDOW), labels), values: rate(perStep(data.total)) },
  ];
}

async function writeOpenMetrics(file: string, series: { series: string; values: number[] }[], start: number) {
  const out = createWriteStream(file);
  for (const { series: name, values } of series) {
    for (let s = 0; s < values.length; s++) {
      const v = values[s] as number;
      if (Number.isNaN(v)) continue;
      if (!out.write(`${name} ${v} ${start + s * STEP}\n`)) await once(out, 'drain');
    }
  }
  out.end('# EOF\n');
  await once(out, 'finish');
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** prometheus_rule_group_* of /metrics, per rule_group label. */
async function groupMetrics(url: string): Promise<Map<string, { iterations: number; seconds: number }>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const groups = new Map<string, { iterations: number; seconds: number }>();
  for (const line of text.split('\n')) {
    const m =
      /^prometheus_rule_group_(iterations_total|last_duration_seconds)\{rule_group="([^"]+)"\} (\S+)$/.exec(
        line,
      );
    if (!m) continue;
    const entry = groups.get(m[2] as string) ?? { iterations: 0, seconds: 0 };
    if (m[1] === 'iterations_total') entry.iterations = Number(m[3]);
    else entry.seconds = Number(m[3]);
    groups.set(m[2] as string, entry);
  }
  return groups;
}

interface Phase {
  /** Seconds one round of every SLO group took, per observed round. */
  rounds: number[];
  ratios: Record<string, number>;
}

async function runPhase(dir: string, data: string, ruleFile: string, windows: string[]): Promise<Phase> {
  const prometheus = await startPrometheus({
    dir,
    storagePath: data,
    config: { global: { evaluation_interval: INTERVAL } },
    ruleFiles: [ruleFile],
    readyTimeoutMs: 120_000,
  });
  try {
    const rounds: number[] = [];
    let last = -1;
    const deadline = Date.now() + ITERATIONS * 60_000;
    while (rounds.length < ITERATIONS && Date.now() < deadline) {
      const groups = [...(await groupMetrics(prometheus.url)).values()];
      // A round is over when every group has run as many times as the slowest; skip the first, cold one.
      const done = groups.length ? Math.min(...groups.map((g) => g.iterations)) : 0;
      if (done > 1 && done !== last && groups.every((g) => g.iterations === done)) {
        if (last !== -1) rounds.push(groups.reduce((sum, g) => sum + g.seconds, 0));
        last = done;
      }
      await sleep(200);
    }
    const ratios: Record<string, number> = {};
    for (const w of windows) {
      for (const sample of await prometheus.query(errorRatioRecord(w))) {
        ratios[`${sample.metric.service}/${sample.metric.slo} ${w}`] = Number(sample.value[1]);
      }
    }
    return { rounds, ratios };
  } finally {
    await prometheus.stop();
  }
}

async function main(): Promise<void> {
  const temp = tempDir('vigil-bench-rules-');
  try {
    const specs = loadSpecs(SPECS_DIR);
    const steps = Math.floor((DAYS * 86400) / STEP);
    // Ends a few minutes ago, so the newest samples are in a block and the head starts empty.
    const start = Math.floor(Date.now() / 1000 / STEP) * STEP - steps * STEP - 300;
    const series: { series: string; values: number[] }[] = [];
    let seed = 1;
    for (const spec of specs) {
      for (const slo of spec.slos) {
        const data = traffic(slo, steps, seed++);
        series.push(...rawSeries(slo, data), ...recordedSeries(spec, slo, data));
      }
    }
    const om = join(temp.dir, 'series.om');
    await writeOpenMetrics(om, series, start);
    const dataDir = join(temp.dir, 'data');
    const began = Date.now();
    execFileSync(promtoolBinary(), ['tsdb', 'create-blocks-from', 'openmetrics', om, dataDir], {
      stdio: 'ignore',
    });
    const samples = series.reduce((n, s) => n + s.values.length, 0);
    console.log(
      `bench:rules: ${specs.flatMap((s) => s.slos).length} SLOs, ${series.length} series (${INSTANCES} instances), ` +
        `${DAYS} days at ${STEP} s, ${samples} samples backfilled in ${((Date.now() - began) / 1000).toFixed(1)} s; ` +
        `evaluation every ${INTERVAL}, ${ITERATIONS} rounds per phase`,
    );
    const ruleFile = async (mode: LongWindows) => {
      const file = join(temp.dir, `${mode}.rules.yml`);
      const groups = specs.flatMap((spec) => spec.slos.flatMap((slo) => sloRuleFile(spec, slo, mode).groups));
      writeFileSync(file, await renderYaml({ groups }, `bench:rules ${mode}`));
      return file;
    };
    const files = { raw: await ruleFile('raw'), derived: await ruleFile('derived') };
    const windows = [...new Set(['1h', '1d', '3d', ...specs.map((s) => s.period)])];
    const results: Record<LongWindows, Phase[]> = { raw: [], derived: [] };
    for (const mode of ['raw', 'derived', 'raw', 'derived'] as const) {
      results[mode].push(await runPhase(temp.dir, dataDir, files[mode], windows));
    }
    const med = (mode: LongWindows) => median(results[mode].flatMap((p) => p.rounds));
    const before = med('raw');
    const after = med('derived');
    const ms = (s: number) => `${(s * 1000).toFixed(2)} ms`;
    console.log(
      `before (raw rate over each window):       median ${ms(before)} per round of every SLO group (${results.raw.flatMap((p) => p.rounds).length} rounds)`,
    );
    console.log(
      `after (sums of recorded 5m rates):        median ${ms(after)} per round (${results.derived.flatMap((p) => p.rounds).length} rounds)`,
    );
    console.log(`after / before: ${(after / before).toFixed(3)} (${(before / after).toFixed(1)}x faster)`);
    const raw = results.raw.at(-1)?.ratios ?? {};
    const derived = results.derived.at(-1)?.ratios ?? {};
    for (const key of Object.keys(raw).sort()) {
      console.log(
        `  error ratio ${key}: raw ${raw[key]?.toPrecision(4)}, derived ${derived[key]?.toPrecision(4)}`,
      );
    }
  } finally {
    temp.cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
