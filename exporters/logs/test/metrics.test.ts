import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { tempDir } from '@vigil/testkit';
import { loadConfig, parseConfig } from '../src/config';
import { sample, testExporter } from './helpers';

/** Feeds lines through a stdin source and renders the metrics once stdin has ended. */
async function run(doc: Record<string, unknown>, lines: string[]) {
  const stdin = new PassThrough();
  const exporter = testExporter(
    { ...doc, sources: { app: { input: { kind: 'stdin' }, parser: { kind: 'json' } } } },
    stdin,
  );
  await exporter.start();
  const ended = new Promise((resolve) => stdin.once('end', resolve));
  stdin.end(lines.join('\n'));
  await ended;
  const text = await exporter.render();
  await exporter.stop();
  return text;
}

describe('declared metrics', () => {
  const lines = [
    '{"level":30,"route":"/a","status":200,"ms":12}',
    '{"level":50,"route":"/a","status":500,"ms":250}',
    '{"level":30,"route":"/b","status":200,"ms":"n/a"}',
    '{"level":40,"route":"/c","status":404,"ms":3,"queue":7}',
    '{"level":30,"route":"/d","status":200,"queue":4}',
    'not json',
  ];

  it('takes a value written as a decimal number, and counts anything else as a value error', async () => {
    const values = ['0x10', ' 5 ', '', '1e3', '.5', '+2', '-0'];
    const text = await run(
      { metrics: [{ name: 'app_bytes_total', type: 'counter', help: 'Bytes.', value: 'n' }] },
      values.map((n) => JSON.stringify({ n })),
    );
    expect(sample(text, 'app_bytes_total')).toBe(1002.5);
    expect(sample(text, 'logexporter_value_errors_total{metric="app_bytes_total"}')).toBe(3);
  });

  it('counts, sets and observes from fields, with match filters, value scaling and capped labels', async () => {
    const text = await run(
      {
        metrics: [
          {
            name: 'app_requests_total',
            type: 'counter',
            help: 'Requests.',
            labels: { route: 'route', code: 'status' },
            max_label_values: 2,
          },
          { name: 'app_errors_total', type: 'counter', help: 'Errors.', match: { status: '^5' } },
          {
            name: 'app_request_duration_seconds',
            type: 'histogram',
            help: 'Durations.',
            value: 'ms',
            scale: 0.001,
            buckets: [0.01, 0.1, 1],
          },
          { name: 'app_queue_length', type: 'gauge', help: 'Queue.', value: 'queue' },
        ],
      },
      lines,
    );
    expect(sample(text, 'app_requests_total{route="/a",code="200"}')).toBe(1);
    expect(sample(text, 'app_requests_total{route="/a",code="500"}')).toBe(1);
    // route: /a and /b fill the cap of 2; /c and /d become "other", and so does status 404.
    expect(sample(text, 'app_requests_total{route="/b",code="200"}')).toBe(1);
    expect(sample(text, 'app_requests_total{route="other",code="other"}')).toBe(1);
    expect(sample(text, 'app_requests_total{route="other",code="200"}')).toBe(1);
    expect(sample(text, 'logexporter_label_overflow_total{metric="app_requests_total",label="route"}')).toBe(
      2,
    );
    expect(sample(text, 'logexporter_label_overflow_total{metric="app_requests_total",label="code"}')).toBe(
      1,
    );
    expect(sample(text, 'app_errors_total')).toBe(1);
    expect(sample(text, 'app_request_duration_seconds_bucket{le="0.01"}')).toBe(1);
    expect(sample(text, 'app_request_duration_seconds_bucket{le="1"}')).toBe(3);
    expect(sample(text, 'app_request_duration_seconds_count')).toBe(3);
    expect(sample(text, 'logexporter_value_errors_total{metric="app_request_duration_seconds"}')).toBe(1);
    expect(sample(text, 'app_queue_length')).toBe(4);
    expect(sample(text, 'logexporter_parse_errors_total{source="app"}')).toBe(1);
    expect(sample(text, 'logexporter_lines_matched_total{source="app"}')).toBe(5);
    expect(sample(text, 'logexporter_lines_by_level_total{source="app",level="error"}')).toBe(1);
    expect(sample(text, 'logexporter_lines_by_level_total{source="app",level="warning"}')).toBe(1);
    expect(sample(text, 'logexporter_lines_by_level_total{source="app",level="info"}')).toBe(3);
  });
});

it('filters with a pattern that backtracks exponentially (^(a+)+$) on a hostile line in linear time', async () => {
  // A log line is anyone's to write: on V8's backtracking engine alone this one takes about 15 s.
  const started = Date.now();
  const text = await run(
    { metrics: [{ name: 'odd_total', type: 'counter', help: 'h', match: { msg: '^(a+)+$' } }] },
    [JSON.stringify({ msg: `${'a'.repeat(28)}b` }), JSON.stringify({ msg: 'aaaa' })],
  );
  expect(sample(text, 'odd_total')).toBe(1);
  expect(Date.now() - started).toBeLessThan(2000);
});

describe('the configuration', () => {
  const source = { input: { kind: 'stdin' }, parser: { kind: 'json' } };
  it.each([
    [
      { sources: { a: { input: { kind: 'file', include: [] }, parser: { kind: 'json' } } } },
      /sources\.a\.input\.include: /,
    ],
    [{ sources: { a: { input: { kind: 'tail' }, parser: { kind: 'json' } } } }, /sources\.a\.input\.kind: /],
    [
      { sources: { a: { ...source, parser: { kind: 'regex', pattern: '(' } } } },
      /sources\.a\.parser\.pattern: .*Invalid regular expression/,
    ],
    [
      { sources: { a: { ...source, parser: { kind: 'regex', pattern: '(?<user>\\w+)(?=@)' } } } },
      /sources\.a\.parser\.pattern: .* can only run by backtracking \(a backreference, lookahead or lookbehind/,
    ],
    [
      { metrics: [{ name: 'x', type: 'counter', help: 'h' }] },
      /metrics\[0\]\.name: a counter ends in _total/,
    ],
    [
      { metrics: [{ name: 'x_seconds', type: 'histogram', help: 'h' }] },
      /metrics\[0\]\.value: a histogram needs a value field/,
    ],
    [
      { metrics: [{ name: 'logexporter_x_total', type: 'counter', help: 'h' }] },
      /metrics\[0\]\.name: the prefixes/,
    ],
    [
      { metrics: [{ name: 'process_cpu_seconds_total', type: 'counter', help: 'h' }] },
      /metrics\[0\]\.name: the prefixes logexporter_, security_, process_, nodejs_ are the exporter's own/,
    ],
    [
      {
        metrics: [
          { name: 'h_seconds', type: 'histogram', help: 'h', value: 'v' },
          { name: 'h_seconds_count', type: 'gauge', help: 'h', value: 'v' },
        ],
      },
      /metrics\[1\]\.name: a series of the histogram "h_seconds" has this name/,
    ],
    [
      {
        sources: {
          a: { input: { kind: 'file', include: ['/var/log/[z-a].log'] }, parser: { kind: 'json' } },
        },
      },
      /sources\.a\.input\.include\[0\]: "\[z-a\]\.log" is not a valid glob pattern: Range out of order in character class/,
    ],
    [
      {
        sources: {
          a: {
            input: { kind: 'file', include: ['/var/log/*.log'], exclude: ['[b-a]*'] },
            parser: { kind: 'json' },
          },
        },
      },
      /sources\.a\.input\.exclude\[0\]: "\[b-a\]\*" is not a valid glob pattern/,
    ],
    [
      { metrics: [{ name: 'x_total', type: 'counter', help: 'h', sources: ['nope'] }] },
      /metrics\[0\]\.sources\[0\]: unknown source "nope"/,
    ],
    [
      { metrics: [{ name: 'x_total', type: 'counter', help: 'h', labels: { 'bad-name': 'f' } }] },
      /metrics\[0\]\.labels\.bad-name/,
    ],
    [{ sources: { a: source, b: source } }, /sources\.b\.input: only one source can read stdin/],
    [{ security: { enabled: true, sources: ['ghost'] } }, /security\.sources\[0\]: unknown source "ghost"/],
  ])('refuses %j naming the key path', (doc, message) => {
    expect(() => parseConfig(doc)).toThrow(message);
  });

  it('refuses a state_file it could not use, naming the key and why', () => {
    const { dir, cleanup } = tempDir('vigil-logs-state-');
    try {
      const file = join(dir, 'afile');
      writeFileSync(file, 'x');
      expect(() => parseConfig({ state_file: join(file, 'state.json') })).toThrow(
        `state_file: ${join(file, 'state.json')}: a directory on its path is a file`,
      );
      const torn = join(dir, 'torn.json');
      writeFileSync(torn, '{"version":1,"offsets":{"a');
      expect(() => parseConfig({ state_file: torn })).toThrow(
        new RegExp(`state_file: ${torn}: not a state file of the log exporter \\(.*JSON`),
      );
      writeFileSync(torn, '[]');
      expect(() => parseConfig({ state_file: torn })).toThrow(`state_file: ${torn}: not a state file`);
      // None yet (the first start) is fine, in a directory made at the first save.
      expect(parseConfig({ state_file: join(dir, 'new', 'state.json') }).state_file).toBeDefined();
    } finally {
      cleanup();
    }
  });

  it('accepts the shipped example', () => {
    const config = loadConfig(`${__dirname}/../config.example.yml`);
    expect(config.server.port).toBe(9471);
    expect(Object.keys(config.sources)).toEqual(['nginx', 'auth', 'sudo', 'syslog', 'app']);
  });
});
