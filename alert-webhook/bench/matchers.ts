import { createRequire } from 'node:module';
import { RE2JS } from 're2js';
import { benchArgs } from './args';

/**
 * Regular-expression engines for label matchers: V8's RegExp (backtracking), re2js (a pure-JavaScript port
 * of RE2, what src/routing/matchers.ts uses) and re2 (the native binding to Google's RE2, compiled with
 * node-gyp). Prints, per engine, the median time to compile a matcher pattern and to test one label value,
 * over typical Alertmanager matchers; then the same for operator-written log patterns (unanchored search
 * with capture groups, as the log exporter's regex parser and the health check's body_regex run them); then
 * the ReDoS case of issue 16.
 *
 * re2 is not a dependency (a node-gyp build of RE2 and abseil takes about 13 minutes on two cores): it is
 * measured when it can be loaded, e.g. after `npm install --no-save re2` or with `--re2 /tmp/x/node_modules/re2`.
 */
const args = benchArgs(
  'usage: npm run bench:matchers -w alert-webhook -- [--rounds 15] [--iterations 20000] [--redos-max 26]\n  [--re2 <path to the re2 package>]',
  {
    options: {
      rounds: { type: 'string', default: '15' },
      iterations: { type: 'string', default: '20000' },
      'redos-max': { type: 'string', default: '26' },
      re2: { type: 'string' },
    },
  },
);
const ROUNDS = Number(args.rounds);
const ITERATIONS = Number(args.iterations);
const REDOS_MAX = Number(args['redos-max']);

interface Compiled {
  test(value: string): boolean;
  exec(value: string): unknown;
}

interface Engine {
  name: string;
  /** Alertmanager's anchoring, `^(?:…)$`, or as written (log patterns search). */
  compile(pattern: string, anchored: boolean): Compiled;
}

const v8: Engine = {
  name: 'v8',
  compile: (p, anchored) => {
    // JavaScript has no inline (?i): the matcher code of old turned a leading one into the flag.
    const insensitive = p.startsWith('(?i)');
    const body = insensitive ? p.slice(4) : p;
    const re = new RegExp(anchored ? `^(?:${body})$` : body, insensitive ? 'i' : '');
    return { test: (s) => re.test(s), exec: (s) => re.exec(s) };
  },
};

const re2js: Engine = {
  name: 're2js',
  compile: (p, anchored) => {
    const re = RE2JS.compile(anchored ? `^(?:${p})$` : p);
    return {
      // testExact: anchored at both ends, no capture groups, so RE2's DFA runs (what matchers.ts calls).
      test: anchored ? (s) => re.testExact(s) : (s) => re.test(s),
      exec: (s) => re.exec(s),
    };
  },
};

type Re2Constructor = new (
  pattern: string,
  flags?: string,
) => {
  test(s: string): boolean;
  exec(s: string): unknown;
};

function loadRe2(): Engine | string {
  const require = createRequire(__filename);
  let RE2: Re2Constructor;
  try {
    RE2 = require(args.re2 ?? 're2') as Re2Constructor;
  } catch (err) {
    return `not installed (${(err as Error).message.split('\n')[0]}); npm install --no-save re2, or --re2 <path>`;
  }
  return {
    name: 're2',
    compile: (p, anchored) => {
      const re = new RE2(anchored ? `^(?:${p})$` : p, 'u');
      return { test: (s) => re.test(s), exec: (s) => re.exec(s) };
    },
  };
}

/** Typical routing and maintenance-window regexes, each with label values that match and that do not. */
const MATCHERS: [string, string[]][] = [
  ['critical|warning', ['critical', 'warning', 'info', 'page']],
  ['db|infra|cache', ['db', 'infra', 'payments', 'cache-2']],
  ['5\\d\\d', ['503', '404', '5000']],
  ['(?i)test.*', ['test-runner', 'TestEnv', 'prod']],
  ['.+', ['x', 'payments-api', '']],
  ['api-.*-prod', ['api-checkout-prod', 'api-checkout-staging', 'web-prod']],
  ['node-exporter.*', ['node-exporter', 'node-exporter:9100', 'blackbox']],
  ['[a-z]+-[0-9]+', ['db-12', 'db-x', 'web-7']],
  ['(?i)(payments|checkout)-(api|worker)', ['payments-api', 'Checkout-Worker', 'search-api']],
  ['host-[0-9]{1,3}\\.example\\.com:9100', ['host-12.example.com:9100', 'host-1234.example.com:9100']],
];

const ACCESS_LINE =
  '203.0.113.9 - - [22/Nov/2026:10:00:00 +0000] "GET /api/v1/orders/12345?expand=items HTTP/1.1" 200 5123 "-" "Mozilla/5.0 (X11; Linux x86_64)"';
const SSHD_LINE = 'Failed password for invalid user admin from 198.51.100.7 port 52144 ssh2';
const JSON_BODY = JSON.stringify({
  status: 'ok',
  checks: Array.from({ length: 200 }, (_, i) => ({ name: `dep-${i}`, ok: true })),
});

/** Operator-written patterns: the logs exporter's regex parser (per line) and a health check's body_regex. */
const LOG_PATTERNS: [string, string[]][] = [
  ['^(\\S+) \\S+ \\S+ \\[([^\\]]+)\\] "(\\w+) (\\S+) [^"]*" (\\d{3}) (\\d+)', [ACCESS_LINE, SSHD_LINE]],
  [
    '^Failed (\\S+) for (invalid user )?(.*) from (\\S+)(?: port (\\d+))?(?: ssh\\d)?$',
    [SSHD_LINE, ACCESS_LINE],
  ],
  ['(ERROR|FATAL|panic)', [ACCESS_LINE, 'level=ERROR msg="disk full"']],
  ['"status":\\s*"ok"', [JSON_BODY]],
];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

/** Median over rounds of the mean time per call, in nanoseconds. */
function time(calls: number, run: () => void): number {
  const perRound: number[] = [];
  run(); // warm up
  for (let r = 0; r < ROUNDS; r++) {
    const started = process.hrtime.bigint();
    run();
    perRound.push(Number(process.hrtime.bigint() - started) / calls);
  }
  return median(perRound);
}

let sink = 0;

function measure(
  engine: Engine,
  cases: [string, string[]][],
  anchored: boolean,
  use: 'test' | 'exec',
): { compileUs: number; matchNs: number } {
  const compileN = Math.max(1, Math.floor(ITERATIONS / 20));
  const compileNs = time(compileN * cases.length, () => {
    for (let i = 0; i < compileN; i++) for (const [p] of cases) sink += engine.compile(p, anchored) ? 1 : 0;
  });
  const compiled = cases.map(([p, values]) => [engine.compile(p, anchored), values] as const);
  const calls = compiled.reduce((n, [, values]) => n + values.length, 0);
  const perCall = anchored ? ITERATIONS : Math.max(1, Math.floor(ITERATIONS / 10));
  const matchNs = time(perCall * calls, () => {
    for (let i = 0; i < perCall; i++) {
      for (const [re, values] of compiled) {
        for (const v of values) sink += use === 'test' ? (re.test(v) ? 1 : 0) : re.exec(v) ? 1 : 0;
      }
    }
  });
  return { compileUs: compileNs / 1000, matchNs };
}

/** Checks that every engine agrees with the others on every case, so the figures compare like with like. */
function agree(engines: Engine[]): void {
  for (const [p, values] of MATCHERS) {
    for (const v of values) {
      const answers = engines.map((e) => e.compile(p, true).test(v));
      if (new Set(answers).size > 1) throw new Error(`engines disagree on ${p} / ${v}: ${answers.join(' ')}`);
    }
  }
}

function main(): void {
  const re2 = loadRe2();
  const engines = [v8, re2js, ...(typeof re2 === 'string' ? [] : [re2])];
  agree(engines);
  console.log(
    `node ${process.version}; ${ROUNDS} rounds, medians; ${MATCHERS.length} matcher patterns, ` +
      `${LOG_PATTERNS.length} log patterns${typeof re2 === 'string' ? `; re2: ${re2}` : ''}`,
  );
  const results = new Map<string, { matcher: ReturnType<typeof measure>; log: ReturnType<typeof measure> }>();
  for (const e of engines) {
    const matcher = measure(e, MATCHERS, true, 'test');
    const log = measure(e, LOG_PATTERNS, false, 'exec');
    results.set(e.name, { matcher, log });
    console.log(
      `${e.name.padEnd(5)} matcher compile_us=${matcher.compileUs.toFixed(2)} test_ns=${matcher.matchNs.toFixed(0)}` +
        `  log compile_us=${log.compileUs.toFixed(2)} exec_ns=${log.matchNs.toFixed(0)}`,
    );
  }

  // (a+)+b against a run of a's: V8 backtracks exponentially, RE2 engines run in linear time.
  const redos: string[] = [];
  for (const e of engines) {
    const re = e.compile('(a+)+b', true);
    const sizes =
      e === v8 ? [16, 20, 24, REDOS_MAX].filter((n, i, a) => a.indexOf(n) === i) : [28, 1000, 100_000];
    for (const n of sizes) {
      const s = 'a'.repeat(n);
      const started = performance.now();
      sink += re.test(s) ? 1 : 0;
      redos.push(`${e.name}(n=${n})=${(performance.now() - started).toFixed(2)}ms`);
    }
  }
  console.log(`redos (a+)+b: ${redos.join(' ')}`);

  const base = results.get('v8') as NonNullable<ReturnType<typeof results.get>>;
  const summary = [...results].map(
    ([name, r]) =>
      `${name}_test_ns=${r.matcher.matchNs.toFixed(0)} ${name}_vs_v8=${(r.matcher.matchNs / base.matcher.matchNs).toFixed(2)}`,
  );
  if (sink < 0) console.log(sink);
  console.log(`matchers ${summary.join(' ')}`);
}

main();
