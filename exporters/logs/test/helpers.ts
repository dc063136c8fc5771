import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { createLogger } from '@vigil/service-kit';
import { parseConfig } from '../src/config';
import { createExporter, type Exporter } from '../src/exporter';

const FIXTURES = join(__dirname, 'fixtures');

/** The fixture logs, read whole, through every parser kind that test/golden/metrics.prom shows. */
export const GOLDEN_DOC = {
  files: { start_at: 'beginning' },
  sources: {
    nginx: {
      input: { kind: 'file', include: [join(FIXTURES, 'access.log')] },
      parser: { kind: 'combined', extra_fields: ['request_time'] },
    },
    auth: { input: { kind: 'file', include: [join(FIXTURES, 'auth.log')] }, parser: { kind: 'sshd' } },
    sudo: { input: { kind: 'file', include: [join(FIXTURES, 'auth.log')] }, parser: { kind: 'sudo' } },
  },
  metrics: [
    {
      name: 'http_requests_total',
      type: 'counter',
      help: 'Requests in the access log, by method and status code.',
      sources: ['nginx'],
      labels: { method: 'method', status: 'status' },
    },
    {
      name: 'http_response_body_bytes_total',
      type: 'counter',
      help: 'Response body bytes sent.',
      sources: ['nginx'],
      value: 'body_bytes_sent',
    },
    {
      name: 'http_request_duration_seconds',
      type: 'histogram',
      help: 'Request time ($request_time).',
      sources: ['nginx'],
      value: 'request_time',
      buckets: [0.01, 0.1, 1],
    },
  ],
  security: { enabled: true },
};

export const silentLog = createLogger('silent');

export function tempDir(prefix = 'vigil-logs-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * An exporter from a config document whose file sources never poll on their own: the tests drive each
 * pass with catchUp(), so what a pass sees is decided by the test, not by timing. A file that left the
 * globs is dropped on the pass after the one that noticed (rotate_wait 1ms).
 */
export function testExporter(doc: Record<string, unknown>, stdin: Readable = new PassThrough()): Exporter {
  const files = { poll_interval: '1h', rotate_wait: '1ms', ...(doc.files as object | undefined) };
  const config = parseConfig({ ...doc, files });
  return createExporter(config, { log: silentLog, stdin, monotonic: () => 0 });
}

export async function catchUp(exporter: Exporter): Promise<void> {
  // rotate_wait is 1ms: let it pass so that what a previous pass orphaned is dropped by this one.
  await new Promise((resolve) => setTimeout(resolve, 2));
  for (const s of exporter.sources) await s.input.catchUp();
}

/** The value of one sample in exposition text, undefined when the series is absent. */
export function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

/** The lines a counter of the source's tallies saw, rendered: lines read, matched, unmatched. */
export async function tallies(exporter: Exporter, source: string) {
  const text = await exporter.render();
  const get = (name: string) => sample(text, `logexporter_${name}{source="${source}"}`);
  return {
    read: get('lines_read_total'),
    matched: get('lines_matched_total'),
    unmatched: get('lines_unmatched_total'),
    parseErrors: get('parse_errors_total'),
    truncated: get('lines_truncated_total'),
    invalidUtf8: get('invalid_utf8_lines_total'),
    lag: get('lag_bytes'),
    openFiles: get('open_files'),
    text,
  };
}
