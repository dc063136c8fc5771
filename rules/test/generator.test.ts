import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import yaml from 'js-yaml';
import { healthScoreRules } from '../src/mixin/health';
import { mixinFilesElsewhere } from '../src/mixin/outside';
import { mixinRuleFiles } from '../src/mixin/rules';
import { selectorProblems } from '../src/mixin/selected-metrics';
import { GENERATED_DIR, HANDWRITTEN_DIR, RUNBOOKS_DIR, SPECS_DIR } from '../src/paths';
import { MIXIN } from '../src/mixin/config';
import { checkAlertmanagerConfig, testRules } from '../src/promtool';
import { INHIBIT_FILE, generate, render, staleFiles } from '../src/slo/generate';
import { inhibitRules } from '../src/slo/inhibit';
import { selectors } from '../src/promql';
import { sloRuleGroup, type LongWindows } from '../src/slo/rules';
import { SpecError, parseSpec, type Slo } from '../src/slo/spec';
import { leSpellings, sliQueries } from '../src/slo/sli';
import { TIERS, burnRateFactor } from '../src/slo/windows';

let out: string;
beforeEach(() => {
  out = mkdtempSync(join(tmpdir(), 'vigil-rules-'));
});
afterEach(() => rmSync(out, { recursive: true, force: true }));

/** A spec of one bool-gauge SLO over probe_success, as YAML would hold it. */
const gaugeSpec = (service: string, name: string, objective: number) => ({
  service,
  team: 'demo',
  slos: [
    {
      name,
      description: 'The checks pass',
      objective,
      sli: {
        bool_gauge: {
          selector: `probe_success{service="${service}"}`,
          test_series: `probe_success{service="${service}",check="http",job="health-check",instance="h:9115"}`,
        },
      },
    },
  ],
});

/** An events SLO over service edge's http_requests_total. */
const eventsSlo = (name: string, fields: { objective: number; min_events_to_page?: number }) => ({
  name,
  description: 'Requests succeed',
  ...fields,
  sli: {
    events: {
      errors: 'http_requests_total{service="edge",status_class="5xx"}',
      total: 'http_requests_total{service="edge"}',
      test_series: {
        good: 'http_requests_total{service="edge",status_class="2xx"}',
        bad: 'http_requests_total{service="edge",status_class="5xx"}',
      },
    },
  },
});

describe('generated files', () => {
  it('are committed up to date: run `npm run rules:generate` when this fails', async () => {
    const files = await generate(SPECS_DIR, out);
    expect(readdirSync(GENERATED_DIR).sort()).toEqual([...files].sort());
    for (const f of files) {
      expect({ file: f, text: readFileSync(join(GENERATED_DIR, f), 'utf8') }).toEqual({
        file: f,
        text: readFileSync(join(out, f), 'utf8'),
      });
    }
  });

  it('include, up to date, what the mixin config writes elsewhere: the health-score rules, the panel defaults, the runbook links', async () => {
    for (const [path, text] of Object.entries(await mixinFilesElsewhere()))
      expect({ path, text: readFileSync(path, 'utf8') }).toEqual({ path, text });
  });

  it('point every runbook link at the base the mixin config names, in the hand-written rules and their tests too', async () => {
    const runbooks = MIXIN.runbooks as { baseUrl: string };
    const committed = runbooks.baseUrl;
    runbooks.baseUrl = 'https://wiki.example.com/ops/runbooks?page=';
    try {
      mkdirSync(join(out, 'prometheus'));
      await generate(SPECS_DIR, join(out, 'generated'));
      for (const [path, text] of Object.entries(await mixinFilesElsewhere())) {
        if (!path.startsWith(HANDWRITTEN_DIR)) continue;
        const lines = readFileSync(path, 'utf8').split('\n');
        // Only the runbook links change, each to the new base and a runbook that exists.
        text.split('\n').forEach((line, i) => {
          const link = /runbook_url: (\S+)$/.exec(line)?.[1];
          if (!link) return expect(line).toBe(lines[i]);
          expect(link).toMatch(/^https:\/\/wiki\.example\.com\/ops\/runbooks\?page=[A-Za-z0-9]+\.md$/);
          expect(readdirSync(RUNBOOKS_DIR)).toContain(link.slice(runbooks.baseUrl.length));
        });
        writeFileSync(join(out, 'prometheus', basename(path)), text);
      }
      expect(readdirSync(join(out, 'prometheus')).sort()).toEqual(readdirSync(HANDWRITTEN_DIR).sort());
      // The tests' expected annotations follow the rules': promtool passes them all.
      for (const dir of ['prometheus', 'generated']) {
        for (const file of readdirSync(join(out, dir)).filter((f) => f.endsWith('.test.yml'))) {
          const result = testRules(join(out, dir, file));
          expect({ file, ...result }).toMatchObject({ file, ok: true });
        }
      }
    } finally {
      runbooks.baseUrl = committed;
    }
  });

  it('that are stale are named by rules:check: differing, missing, or left by a spec that is gone', async () => {
    const files = await generate(SPECS_DIR, out);
    expect(await staleFiles(SPECS_DIR, out)).toEqual([]);
    writeFileSync(join(out, files[0]!), 'edited by hand\n');
    rmSync(join(out, files[1]!));
    writeFileSync(join(out, 'slo-gone-availability.rules.yml'), 'groups: []\n');
    expect(await staleFiles(SPECS_DIR, out)).toEqual([
      `${join(out, files[0]!)}: differs`,
      `${join(out, files[1]!)}: missing`,
      `${join(out, 'slo-gone-availability.rules.yml')}: no spec makes it`,
    ]);
  });

  it("refuses two SLOs whose names run together into one file (demo's health-checks, demo-health's checks)", async () => {
    const specs = join(out, 'specs');
    mkdirSync(specs);
    copyFileSync(join(SPECS_DIR, 'demo.yml'), join(specs, 'demo.yml'));
    writeFileSync(join(specs, 'demo-health.yml'), yaml.dump(gaugeSpec('demo-health', 'checks', 99.5)));
    // A SpecError: the command prints its message alone, no stack.
    const refused = render(specs);
    await expect(refused).rejects.toThrow(SpecError);
    await expect(refused).rejects.toThrow(
      "service demo-health's SLO checks and service demo's SLO health-checks would both be written to slo-demo-health-checks.rules.yml: rename one",
    );
  });

  it('write promtool tests that pass for specs at the edges: the most nines accepted, a gauge guard near its samples an hour, a guard in the millions', async () => {
    const specs = join(out, 'specs');
    mkdirSync(specs);
    const gauge = gaugeSpec('edge', 'checks', 99.5).slos[0]!;
    const spec = {
      service: 'edge',
      team: 'edge',
      slos: [
        eventsSlo('eight-nines', { objective: 99.999999 }),
        // More events than the tests' least traffic (100,000 a minute) brings in an hour.
        eventsSlo('busy-guard', { objective: 99.9, min_events_to_page: 7_000_000 }),
        { ...gauge, min_events_to_page: 55 },
      ],
    };
    writeFileSync(join(specs, 'edge.yml'), yaml.dump(spec));
    const written = await generate(specs, join(out, 'generated'));
    const tests = written.filter((f) => f.endsWith('.test.yml'));
    expect(tests).toHaveLength(3);
    for (const file of tests) {
      const result = testRules(join(out, 'generated', file));
      expect({ file, ok: result.ok, output: result.ok ? '' : result.output }).toEqual({
        file,
        ok: true,
        output: '',
      });
    }
  });

  it('removes the output of specs that no longer exist', async () => {
    writeFileSync(join(out, 'slo-gone-availability.rules.yml'), 'groups: []\n');
    await generate(SPECS_DIR, out);
    expect(readdirSync(out)).not.toContain('slo-gone-availability.rules.yml');
  });
});

describe('mixin rules', () => {
  it('select only metrics an exporter serves or a rule records, read with the PromQL grammar', () => {
    expect(selectorProblems({ ...mixinRuleFiles(), 'health-score.rules.yml': healthScoreRules() })).toEqual(
      [],
    );
    const file = (expr: string) => ({ 'x.rules.yml': { groups: [{ rules: [{ alert: 'X', expr }] }] } });
    expect(selectorProblems(file('pg_settings_max_conections{job="postgres"} > 0'))).toEqual([
      'x.rules.yml: X: pg_settings_max_conections{job="postgres"} selects no known metric (rules/src/mixin/known-metrics.ts lists them)',
    ]);
    expect(selectorProblems(file('sum(rate(redis_up[5m])'))).toEqual([
      'x.rules.yml: X: cannot parse "sum(rate(redis_up[5m])": unexpected input at the end (column 23)',
    ]);
  });
});

describe('latency SLIs', () => {
  const latency = (threshold_seconds: number) =>
    sliQueries({ kind: 'latency', histogram: 'h', labels: { service: 'x' }, threshold_seconds });

  it('match a bound as the client writes it and as Prometheus 3 spells it ("1" and "1.0")', () => {
    expect(leSpellings(1)).toEqual(['1', '1.0']);
    expect(leSpellings(0.25)).toEqual(['0.25']);
    expect(latency(1).errorRatio('5m')).toContain('h_bucket{service="x",le=~"1|1\\\\.0"}');
  });

  it("watch the threshold's bucket, so a threshold that is no bucket bound fires SLOMetricsAbsent", () => {
    expect(latency(0.3).presence).toBe('h_bucket{service="x",le=~"0\\\\.3"}');
  });
});

describe('long windows', () => {
  const spec = parseSpec(
    {
      service: 'shop',
      team: 'web',
      slos: [
        {
          name: 'probes',
          description: 'Checks pass',
          objective: 99.5,
          sli: {
            bool_gauge: {
              selector: 'probe_success{service="shop"}',
              test_series: 'probe_success{service="shop",check="http"}',
            },
          },
        },
      ],
    },
    'shop.yml',
  );
  const slo = spec.slos[0] as Slo;
  const exprs = (mode: LongWindows) => sloRuleGroup(spec, slo, mode).rules.map((r) => r.expr);
  const rangesOver = (metric: string, mode: LongWindows) =>
    exprs(mode).flatMap((e) =>
      [...e.matchAll(/\[(\w+)\]/g)].length && selectors(e).some((sel) => sel.metric === metric)
        ? [...e.matchAll(/\[(\w+)\]/g)].map((m) => m[1])
        : [],
    );

  it('read the SLI series over 5 minutes only, and sum the recorded 5-minute rates for the rest', () => {
    expect(new Set(rangesOver('probe_success', 'derived'))).toEqual(new Set(['5m']));
    const group = sloRuleGroup(spec, slo);
    expect(group.rules.find((r) => 'record' in r && r.record === 'slo:sli_error:ratio_rate3d')?.expr).toBe(
      'sum_over_time(slo:sli_error:rate5m{service="shop",slo="probes"}[3d])\n/\nsum_over_time(slo:sli_total:rate5m{service="shop",slo="probes"}[3d])',
    );
    // The baseline of bench:rules reads the raw series over every window up to the period.
    expect(new Set(rangesOver('probe_success', 'raw'))).toEqual(
      new Set(['5m', '30m', '1h', '2h', '6h', '1d', '3d', '30d']),
    );
  });

  it('keep, for the bench baseline, the raw ratio of events and latency SLIs over the whole window', () => {
    const events = sliQueries({
      kind: 'events',
      errors: 'http_requests_total{service="x",status_class="5xx"}',
      total: 'http_requests_total{service="x"}',
      test_series: { good: '', bad: '' },
    });
    expect(events.errorRatio('30d')).toBe(
      '(sum(rate(http_requests_total{service="x",status_class="5xx"}[30d])) or vector(0))\n/\nsum(rate(http_requests_total{service="x"}[30d]))',
    );
    const latency = sliQueries({ kind: 'latency', histogram: 'h', labels: {}, threshold_seconds: 0.5 });
    expect(latency.errorRatio('3d')).toBe(
      '(sum(rate(h_count[3d])) - sum(rate(h_bucket{le=~"0\\\\.5"}[3d])))\n/\nsum(rate(h_count[3d]))',
    );
  });

  it("count a 0/1 gauge's samples as events and its zeros as errors (Pyrra's bool gauge)", () => {
    const q = sliQueries(slo.sli);
    expect(q.errorRatio('1h')).toBe(
      '1 - sum(sum_over_time(probe_success{service="shop"}[1h])) / sum(count_over_time(probe_success{service="shop"}[1h]))',
    );
    expect(q.errorRate('5m')).toBe(
      '(sum(count_over_time(probe_success{service="shop"}[5m])) - sum(sum_over_time(probe_success{service="shop"}[5m]))) / 300',
    );
    expect(q.presence).toBe('probe_success{service="shop"}');
  });
});

describe('burn-rate tiers', () => {
  it('are the SRE workbook factors for 30 days and scale with the period', () => {
    expect(TIERS.map((t) => burnRateFactor(t, '30d'))).toEqual([14.4, 6, 3, 1]);
    expect(TIERS.map((t) => burnRateFactor(t, '28d'))).toEqual([13.44, 5.6, 2.8, 0.9333]);
    expect(TIERS.map((t) => [t.action, t.longWindow, t.shortWindow])).toEqual([
      ['page', '1h', '5m'],
      ['page', '6h', '30m'],
      ['ticket', '1d', '2h'],
      ['ticket', '3d', '6h'],
    ]);
  });

  it('inhibit every slower tier of the same SLO, in a config amtool accepts', () => {
    expect(inhibitRules().map((r) => [r.source_matchers, r.target_matchers])).toEqual([
      [['burnrate_tier="1h"'], ['burnrate_tier=~"6h|1d|3d"']],
      [['burnrate_tier="6h"'], ['burnrate_tier=~"1d|3d"']],
      [['burnrate_tier="1d"'], ['burnrate_tier=~"3d"']],
    ]);
    const snippet = yaml.load(readFileSync(join(GENERATED_DIR, INHIBIT_FILE), 'utf8')) as object;
    const config = join(out, 'alertmanager.yml');
    writeFileSync(
      config,
      yaml.dump({ route: { receiver: 'null' }, receivers: [{ name: 'null' }], ...snippet }),
    );
    const result = checkAlertmanagerConfig(config);
    expect(result.output).toContain('SUCCESS');
    expect(result.ok).toBe(true);
  });
});

describe('SLO spec validation', () => {
  const valid = () => ({
    service: 'shop',
    team: 'web',
    slos: [
      {
        name: 'availability',
        description: 'Requests succeed',
        objective: 99.9,
        sli: {
          events: {
            errors: 'http_requests_total{service="shop",status_class="5xx"}',
            total: 'http_requests_total{service="shop"}',
            test_series: {
              good: 'http_requests_total{service="shop",status_class="2xx"}',
              bad: 'http_requests_total{service="shop",status_class="5xx"}',
            },
          },
        },
      },
    ],
  });
  const problem = (mutate: (spec: ReturnType<typeof valid>) => void): string => {
    const spec = valid();
    mutate(spec);
    try {
      parseSpec(spec, 'shop.yml');
    } catch (err) {
      expect(err).toBeInstanceOf(SpecError);
      return (err as Error).message;
    }
    throw new Error('spec was accepted');
  };

  const events = (s: ReturnType<typeof valid>) =>
    (s.slos[0] as unknown as { sli: { events: { errors: string; total: string } } }).sli.events;
  const testSeries = (s: ReturnType<typeof valid>) =>
    (s.slos[0] as unknown as { sli: { events: { test_series: { good: string; bad: string } } } }).sli.events
      .test_series;

  it('accepts a valid spec with the defaults filled in', () => {
    const spec = parseSpec(valid(), 'shop.yml');
    expect(spec.period).toBe('30d');
    expect(spec.slos[0]?.min_events_to_page).toBe(100);
    expect(spec.slos[0]?.sli.kind).toBe('events');
  });

  it("takes the service's own metrics where the spec lists them under metrics, a histogram by its base name", () => {
    const grpc = (s: ReturnType<typeof valid>) => {
      Object.assign(events(s), {
        errors: 'grpc_server_handled_total{service="shop",grpc_code="Internal"}',
        total: 'grpc_server_handled_total{service="shop"}',
        test_series: {
          good: 'grpc_server_handled_total{service="shop",grpc_code="OK"}',
          bad: 'grpc_server_handled_total{service="shop",grpc_code="Internal"}',
        },
      });
    };
    expect(problem(grpc)).toContain('no known metric is named grpc_server_handled_total');
    const spec = { ...valid(), metrics: ['grpc_server_handled_total', 'grpc_server_handling_seconds'] };
    grpc(spec);
    spec.slos.push({
      name: 'latency',
      description: 'Requests are fast',
      objective: 99,
      sli: {
        latency: {
          histogram: 'grpc_server_handling_seconds',
          labels: { service: 'shop' },
          threshold_seconds: 0.25,
        },
      },
    } as never);
    expect(parseSpec(spec, 'shop.yml').metrics).toEqual([
      'grpc_server_handled_total',
      'grpc_server_handling_seconds',
    ]);
    // Still parsed and checked as PromQL, and the names must be Prometheus names.
    expect(problem((s) => Object.assign(s, { metrics: ['grpc-handled'] }))).toContain(
      'shop.yml: metrics[0]: not a valid Prometheus metric name',
    );
  });

  it('refuses a selector naming a metric or label that does not exist, which `or vector(0)` would hide', () => {
    expect(
      problem((s) => {
        events(s).errors = 'http_request_total{service="shop",status_class="5xx"}';
      }),
    ).toContain('shop.yml: slos[0].sli.events.errors: no known metric is named http_request_total');
    expect(
      problem((s) => {
        events(s).total = 'http_requests_total{service="shop",status_clas=~"2xx"}';
      }),
    ).toContain('slos[0].sli.events.total: http_requests_total has no label "status_clas"');
  });

  it('names the file and the path of the bad key', () => {
    expect(
      problem((s) => {
        (s.slos[0] as { objective: number }).objective = 100;
      }),
    ).toMatch(/^shop\.yml: slos\[0\]\.objective: /);
    expect(
      problem((s) => {
        (
          s.slos[0] as unknown as { sli: { events: { test_series: { bad: string } } } }
        ).sli.events.test_series.bad = 'http_requests_total{status_class=~"4xx|5xx"}';
      }),
    ).toContain(
      'slos[0].sli.events.test_series.bad: http_requests_total{status_class=~"4xx|5xx"} must be one concrete series',
    );
    expect(problem((s) => Object.assign(s, { perod: '30d' }))).toContain('shop.yml: perod: unknown field');
  });

  it('refuses PromQL the grammar rejects, naming the spec, the key and the expression', () => {
    expect(
      problem((s) => {
        events(s).errors = 'http_requests_total{service="shop",status_class="5xx"';
      }),
    ).toBe(
      'shop.yml: slos[0].sli.events.errors: cannot parse "http_requests_total{service=\\"shop\\",status_class=\\"5xx\\"": unexpected input at the end (column 54)',
    );
    expect(
      problem((s) => {
        events(s).total = 'sum(rate(http_requests_total{service="shop"}[5m]))';
      }),
    ).toContain(
      'slos[0].sli.events.total: "sum(rate(http_requests_total{service=\\"shop\\"}[5m]))" is not a series selector',
    );
    expect(
      problem((s) => {
        events(s).errors = 'http_requests_total{service="shop",status_class=~"5xx("}';
      }),
    ).toContain(
      'slos[0].sli.events.errors: status_class=~"5xx(" is not a regular expression Prometheus takes',
    );
  });

  it('wants errors to select a subset of total, and the test series to fit their selectors', () => {
    expect(
      problem((s) => {
        events(s).errors = 'http_requests_total{status_class="5xx"}';
      }),
    ).toContain(
      'slos[0].sli.events.errors: http_requests_total{status_class="5xx"} must select a subset of total',
    );
    expect(
      problem((s) => {
        testSeries(s).good = 'http_requests_total{service="shop",status_class="5xx"}';
      }),
    ).toContain(
      'slos[0].sli.events.test_series.good: http_requests_total{service="shop",status_class="5xx"} must match total and not errors',
    );
    expect(
      problem((s) => {
        testSeries(s).bad = 'http_requests_total{service="shop",status_class="4xx"}';
      }),
    ).toContain(
      'slos[0].sli.events.test_series.bad: http_requests_total{service="shop",status_class="4xx"} must match errors',
    );
  });

  it('accepts a 0/1 gauge as the SLI and checks its selector and test series', () => {
    const gauge = (selector: string, test_series: string) => (s: ReturnType<typeof valid>) => {
      (s.slos[0] as { sli: object }).sli = { bool_gauge: { selector, test_series } };
    };
    const spec = valid();
    gauge('probe_success{service="shop"}', 'probe_success{service="shop",check="http"}')(spec);
    expect(parseSpec(spec, 'shop.yml').slos[0]?.sli).toEqual({
      kind: 'bool_gauge',
      selector: 'probe_success{service="shop"}',
      test_series: 'probe_success{service="shop",check="http"}',
    });
    expect(problem(gauge('probe_succes{service="shop"}', 'probe_succes{service="shop"}'))).toContain(
      'slos[0].sli.bool_gauge.selector: no known metric is named probe_succes',
    );
    expect(problem(gauge('probe_success{service="shop"}', 'probe_success{service="web"}'))).toContain(
      'slos[0].sli.bool_gauge.test_series: probe_success{service="web"} is not selected by probe_success{service="shop"}',
    );
  });

  it('refuses an objective at which the fastest page could never fire, as a ratio written for a percentage', () => {
    const objective = (value: number, period?: '28d') => (s: ReturnType<typeof valid>) => {
      (s.slos[0] as { objective: number }).objective = value;
      if (period) (s as { period?: string }).period = period;
    };
    expect(problem(objective(0.999))).toContain(
      'slos[0].objective: 0.999 is a percentage; at it the 1h page tier would need an error ratio above 14.2561 (14.4× the budget), so it could never fire: over a 30d period an objective must be at least 93.0556 (99.9, not 0.999)',
    );
    expect(problem(objective(93.055))).toContain('an objective must be at least 93.0556');
    expect(problem(objective(92.5595, '28d'))).toContain(
      'over a 28d period an objective must be at least 92.5596',
    );
    for (const [value, period] of [[93.0556], [92.5596, '28d']] as const) {
      const spec = valid();
      objective(value, period)(spec);
      expect(parseSpec(spec, 'shop.yml').slos[0]?.objective).toBe(value);
    }
  });

  it('refuses an objective with more nines than the error budget keeps, which would divide by 0', () => {
    const objective = (value: number) => (s: ReturnType<typeof valid>) => {
      (s.slos[0] as { objective: number }).objective = value;
    };
    expect(problem(objective(99.999999999))).toBe(
      'shop.yml: slos[0].objective: 99.999999999 leaves an error budget of 1e-11, which the generator, rounding to 10 decimals, cannot hold to 0.5%: an objective must be at most 99.999999',
    );
    expect(problem(objective(99.9999995))).toContain('slos[0].objective: 99.9999995 leaves an error budget');
    const spec = valid();
    objective(99.999999)(spec);
    expect(parseSpec(spec, 'shop.yml').slos[0]?.objective).toBe(99.999999);
  });

  it('refuses a description with {{, which Prometheus would read as a template action', () => {
    const description = (text: string) => (s: ReturnType<typeof valid>) => {
      s.slos[0]!.description = text;
    };
    expect(problem(description('Requests {{ succeed'))).toBe(
      'shop.yml: slos[0].description: must not contain "{{": the alerts\' annotations are Go templates',
    );
    expect(problem(description('{{ $labels.route }} answers'))).toContain('slos[0].description: must not');
    // A lone }} is plain text to a Go template.
    const spec = valid();
    description('Requests succeed }}')(spec);
    expect(parseSpec(spec, 'shop.yml').slos[0]?.description).toBe('Requests succeed }}');
  });

  it('refuses an SLI with both or neither kind, and duplicate SLO names', () => {
    expect(
      problem((s) => {
        (s.slos[0] as { sli: object }).sli = {};
      }),
    ).toContain('slos[0].sli: set exactly one of events, latency or bool_gauge');
    expect(problem((s) => s.slos.push(s.slos[0] as (typeof s.slos)[number]))).toContain(
      'slos: duplicate name "availability"',
    );
  });
});
