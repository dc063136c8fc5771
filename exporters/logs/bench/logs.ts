import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `npm run bench:logs`: the same generated access log (1,000,000 lines) through the log exporter and
 * Debian's mtail, each in its one-shot mode (read the file whole, print the metrics, exit), with the same
 * patterns (bench/access.mtail and the metrics below). Each must count every line; its wall time gives
 * lines/s. Last line: `log_exporter lines_per_s=<n> ratio_vs_mtail=<n>` (ratio > 1: the exporter is faster).
 */
const LINES = Number(process.env.BENCH_LINES ?? 1_000_000);
const DIR = join(tmpdir(), 'vigil-bench-logs');
const LOG = join(DIR, `access-${LINES}.log`);
const BENCH_DIR = join(__dirname, '..', '..', 'bench');
const MAIN = join(__dirname, '..', 'src', 'main.js');

/** A deterministic pseudo-random sequence (mulberry32), so every run parses the same file. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function generate() {
  if (existsSync(LOG) && statSync(LOG).size > 0) return;
  mkdirSync(DIR, { recursive: true });
  const rnd = random(42);
  const pick = <T>(list: T[]) => list[Math.floor(rnd() * list.length)] as T;
  const methods = ['GET', 'GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE', 'HEAD'];
  const statuses = ['200', '200', '200', '200', '200', '304', '301', '404', '401', '403', '500', '502'];
  const paths = [
    '/',
    '/index.html',
    '/api/v1/orders',
    '/api/v1/users/42',
    '/static/app.js',
    '/login',
    '/search?q=shoes',
  ];
  const agents = [
    'Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0',
    'curl/8.5.0',
    'Googlebot/2.1',
  ];
  const out = createWriteStream(LOG);
  let batch = '';
  for (let i = 0; i < LINES; i++) {
    const ip = `10.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}`;
    const time = (rnd() * 2).toFixed(3);
    batch +=
      `${ip} - - [05/Jan/2025:10:${String(Math.floor(i / 60000) % 60).padStart(2, '0')}:00 +0000] ` +
      `"${pick(methods)} ${pick(paths)} HTTP/1.1" ${pick(statuses)} ${Math.floor(rnd() * 100000)} "-" "${pick(agents)}" ${time}\n`;
    if (batch.length > 1 << 20) {
      if (!out.write(batch)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      batch = '';
    }
  }
  out.end(batch);
  await new Promise<void>((resolve) => out.once('finish', () => resolve()));
}

const CONFIG = `
log_level: warn
max_line_bytes: 65536
sources:
  access:
    input: { kind: file, include: ['${LOG}'] }
    parser: { kind: combined, extra_fields: [request_time] }
metrics:
  - name: http_requests_total
    type: counter
    help: Requests by method and status.
    labels: { method: method, status: status }
  - name: http_response_body_bytes_total
    type: counter
    help: Body bytes.
    value: body_bytes_sent
  - name: http_request_duration_seconds
    type: histogram
    help: Request time.
    value: request_time
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]
`;

/** Runs a one-shot command; returns lines/s from its wall time, after checking it counted every line. */
function timed(name: string, cmd: string, args: string[]): number {
  const started = process.hrtime.bigint();
  const run = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (run.status !== 0) throw new Error(`${name} failed (${run.status}): ${run.stderr}`);
  // Both print Prometheus text; the histogram's _count is the number of lines parsed.
  const count = /^http_request_duration_seconds_count(?:\{[^}]*\})? (\S+)/m.exec(run.stdout)?.[1];
  if (Number(count) !== LINES)
    throw new Error(`${name} counted ${count} lines of ${LINES}:\n${run.stdout.slice(0, 2000)}`);
  const perSecond = LINES / seconds;
  console.log(`${name}: ${LINES} lines in ${seconds.toFixed(2)} s = ${Math.round(perSecond)} lines/s`);
  return perSecond;
}

function mtailAvailable(): boolean {
  const ensure = spawnSync('bash', [join(BENCH_DIR, 'ensure-mtail.sh')], { stdio: 'inherit' });
  return ensure.status === 0;
}

async function main() {
  await generate();
  console.log(`access log: ${LOG} (${LINES} lines, ${(statSync(LOG).size / 1e6).toFixed(0)} MB)`);
  const config = join(DIR, 'logs-bench.yml');
  writeFileSync(config, CONFIG);
  const ours = timed('log exporter', process.execPath, [MAIN, '--config', config, '--one-shot']);
  let ratio = 'n/a';
  if (mtailAvailable()) {
    const version = spawnSync('mtail', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0];
    console.log(`mtail: ${version}`);
    const mtail = timed('mtail', 'mtail', [
      ...['--progs', BENCH_DIR, '--logs', LOG, '--one_shot', '--one_shot_format', 'prometheus'],
      ...['--logtostderr', '--emit_prog_label=false'],
    ]);
    ratio = (ours / mtail).toFixed(2);
  } else {
    console.log(
      'mtail: not installed and could not be installed (apt-get install -y mtail failed); no ratio',
    );
  }
  console.log(`log_exporter lines_per_s=${Math.round(ours)} ratio_vs_mtail=${ratio}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
