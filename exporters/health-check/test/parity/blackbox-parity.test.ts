import { createSocket } from 'node:dgram';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { blackboxExporterBinary, freePort, startProcess, tempDir, type RunningProcess } from '@vigil/testkit';
import yaml from 'js-yaml';
import { parseConfig } from '../../src/config';
import { exporterApp, listenLocal } from '../helpers';
import { parseExposition, type Sample } from './exposition';
import { startTargets } from './targets';

/**
 * Debian's blackbox_exporter and ours, given the same blackbox.yml (its modules under ours's
 * probe.blackbox_modules), probe the same local targets; every case's series must be the same set,
 * with the same values, durations within DURATION_TOLERANCE_S: the two probe at different moments, and
 * on a loaded machine one TLS handshake alone has taken 0.4 s. Wide enough for that, it still catches a
 * duration in the wrong unit (milliseconds would be off by hundreds).
 */
const DURATION_TOLERANCE_S = 0.8;
const TIMEOUT = '1s';
const isDuration = (name: string) =>
  /^probe_(duration_seconds|http_duration_seconds|dns_lookup_time_seconds|dns_duration_seconds)$/.test(name);

const BLACKBOX_YML = {
  modules: {
    http_2xx: { prober: 'http', timeout: TIMEOUT },
    http_noredir: { prober: 'http', timeout: TIMEOUT, http: { follow_redirects: false } },
    http_insecure: {
      prober: 'http',
      timeout: TIMEOUT,
      http: { preferred_ip_protocol: 'ip4', tls_config: { insecure_skip_verify: true } },
    },
    http_insecure_http1: {
      prober: 'http',
      timeout: TIMEOUT,
      http: {
        preferred_ip_protocol: 'ip4',
        enable_http2: false,
        tls_config: { insecure_skip_verify: true },
      },
    },
    http_body_regex: {
      prober: 'http',
      timeout: TIMEOUT,
      http: { fail_if_body_not_matches_regexp: ['healthy'] },
    },
    http_checks: {
      prober: 'http',
      timeout: TIMEOUT,
      http: {
        valid_status_codes: [200],
        valid_http_versions: ['HTTP/1.1'],
        fail_if_ssl: false,
        fail_if_body_matches_regexp: ['error'],
        fail_if_header_not_matches: [{ header: 'Content-Type', regexp: 'text/plain' }],
        headers: { Accept: 'text/plain' },
      },
    },
    http_header_missing: {
      prober: 'http',
      timeout: TIMEOUT,
      http: { fail_if_header_matches: [{ header: 'X-Missing', regexp: '.*' }] },
    },
    http_post: { prober: 'http', timeout: TIMEOUT, http: { method: 'POST', body: '{}' } },
    tcp_connect: { prober: 'tcp', timeout: TIMEOUT },
    tls_connect: {
      prober: 'tcp',
      timeout: TIMEOUT,
      tcp: { tls: true, tls_config: { insecure_skip_verify: true } },
    },
    tcp_banner: {
      prober: 'tcp',
      timeout: TIMEOUT,
      // The expect's groups go into the same step's send, as in blackbox.
      tcp: {
        query_response: [
          { expect: '^SSH-2\\.0-(\\S+)', send: 'hello $1' },
          { expect: '^echo hello OpenSSH' },
        ],
      },
    },
    // The server answers once, then closes: the second expect meets the end of the stream.
    tcp_banner_wrong: {
      prober: 'tcp',
      timeout: TIMEOUT,
      tcp: { query_response: [{ expect: '^SSH', send: 'x' }, { expect: '^nomatch' }] },
    },
    // The server never sends a matching line and keeps the connection open: the probe times out.
    tcp_banner_timeout: { prober: 'tcp', timeout: TIMEOUT, tcp: { query_response: [{ expect: '^220 ' }] } },
    dns_any: { prober: 'dns', timeout: TIMEOUT, dns: { query_name: 'ok.vigil.test' } },
    dns_a: {
      prober: 'dns',
      timeout: TIMEOUT,
      dns: {
        query_name: 'ok.vigil.test',
        query_type: 'A',
        validate_answer_rrs: {
          fail_if_not_matches_regexp: ['ok\\.vigil\\.test\\.\\t60\\tIN\\tA\\t10\\.0\\.0\\.7'],
        },
      },
    },
    dns_wrong_answer: {
      prober: 'dns',
      timeout: TIMEOUT,
      dns: {
        query_name: 'db.vigil.test',
        query_type: 'A',
        validate_answer_rrs: { fail_if_matches_regexp: ['10\\.0\\.0\\.8'] },
      },
    },
    dns_nxdomain: {
      prober: 'dns',
      timeout: TIMEOUT,
      dns: { query_name: 'nope.vigil.test', query_type: 'A' },
    },
    dns_nxdomain_ok: {
      prober: 'dns',
      timeout: TIMEOUT,
      dns: { query_name: 'nope.vigil.test', query_type: 'A', valid_rcodes: ['NXDOMAIN'] },
    },
  },
};

interface Case {
  name: string;
  module: string;
  target: string;
}

let targets: Awaited<ReturnType<typeof startTargets>>;
let blackbox: RunningProcess;
let blackboxUrl: string;
let oursUrl: string;
let silentDns: ReturnType<typeof createSocket>;
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  targets = await startTargets();
  cleanups.push(() => targets.close());
  silentDns = createSocket('udp4');
  await new Promise<void>((resolve) => silentDns.bind(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => silentDns.close(() => resolve())));

  const dir = tempDir('vigil-parity-');
  cleanups.push(dir.cleanup);
  const file = join(dir.dir, 'blackbox.yml');
  writeFileSync(file, yaml.dump(BLACKBOX_YML));

  const port = await freePort();
  blackboxUrl = `http://127.0.0.1:${port}`;
  blackbox = await startProcess(
    blackboxExporterBinary(),
    [`--config.file=${file}`, `--web.listen-address=127.0.0.1:${port}`],
    { name: 'blackbox_exporter', ready: `${blackboxUrl}/-/healthy` },
  );
  cleanups.push(() => blackbox.stop());

  // The same blackbox.yml's modules, pasted as they are under probe.blackbox_modules.
  const { modules } = yaml.load(readFileSync(file, 'utf8')) as { modules: unknown };
  const config = parseConfig({
    probe: { allowed_targets: ['127.0.0.1', 'localhost'], blackbox_modules: modules },
  });
  const { app, exporter } = await exporterApp(config);
  cleanups.push(() => exporter.stop());
  const ours = await listenLocal(app.listen(0, '127.0.0.1'));
  cleanups.push(ours.close);
  oursUrl = `http://127.0.0.1:${ours.port}`;
}, 60_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function cases(): Case[] {
  const { http, https, httpsPort, h2Port, silent, closed, dns, banner } = targets;
  const silentDnsTarget = `127.0.0.1:${silentDns.address().port}`;
  return [
    { name: '200, no scheme', module: 'http_2xx', target: `${http}/ok` },
    { name: '200, chunked', module: 'http_2xx', target: `http://${http}/chunked` },
    { name: 'redirect 301 → 200', module: 'http_2xx', target: `http://${http}/redirect` },
    { name: 'two redirects', module: 'http_2xx', target: `http://${http}/redirect-twice` },
    { name: 'redirect with a cookie', module: 'http_2xx', target: `http://${http}/login` },
    { name: 'redirect not followed', module: 'http_noredir', target: `http://${http}/redirect` },
    { name: 'credentials in the target URL', module: 'http_2xx', target: `http://user:secret@${http}/basic` },
    { name: 'headers over 16 KiB', module: 'http_2xx', target: `http://${http}/big-headers` },
    { name: '404', module: 'http_2xx', target: `http://${http}/404` },
    { name: '500', module: 'http_2xx', target: `http://${http}/500` },
    { name: 'slow beyond the timeout', module: 'http_2xx', target: `http://${http}/slow` },
    { name: 'closed port', module: 'http_2xx', target: `http://${closed}/` },
    { name: 'silent port', module: 'http_2xx', target: `http://${silent}/` },
    { name: 'self-signed TLS, verified', module: 'http_2xx', target: `https://${https}/ok` },
    {
      name: 'self-signed TLS, not verified',
      module: 'http_insecure',
      target: `https://localhost:${httpsPort}/ok`,
    },
    { name: 'body cut short by the timeout', module: 'http_2xx', target: `http://${http}/stall-body` },
    {
      name: 'TLS body cut short by the timeout',
      module: 'http_insecure',
      target: `https://${https}/stall-body`,
    },
    {
      name: 'HTTP/2 body cut short',
      module: 'http_insecure',
      target: `https://localhost:${h2Port}/stall-body`,
    },
    { name: 'HTTP/2 over TLS', module: 'http_insecure', target: `https://localhost:${h2Port}/ok` },
    { name: 'HTTP/2 redirect', module: 'http_insecure', target: `https://localhost:${h2Port}/redirect` },
    { name: 'HTTP/2 chunked', module: 'http_insecure', target: `https://localhost:${h2Port}/chunked` },
    {
      name: 'HTTP/2 server, enable_http2 false',
      module: 'http_insecure_http1',
      target: `https://localhost:${h2Port}/ok`,
    },
    { name: 'body regex fails', module: 'http_body_regex', target: `http://${http}/ok` },
    {
      name: 'status, version, header and body rules pass',
      module: 'http_checks',
      target: `http://${http}/ok`,
    },
    { name: 'header rule on a missing header', module: 'http_header_missing', target: `http://${http}/ok` },
    { name: 'POST', module: 'http_post', target: `http://${http}/ok` },
    { name: 'tcp open', module: 'tcp_connect', target: http },
    { name: 'tcp closed', module: 'tcp_connect', target: closed },
    { name: 'tcp silent', module: 'tcp_connect', target: silent },
    { name: 'tls over tcp', module: 'tls_connect', target: https },
    { name: 'tcp query_response', module: 'tcp_banner', target: banner },
    { name: 'tcp query_response fails', module: 'tcp_banner_wrong', target: banner },
    { name: 'tcp query_response times out', module: 'tcp_banner_timeout', target: banner },
    { name: 'dns ANY (no query_type)', module: 'dns_any', target: dns },
    { name: 'dns A with answer rule', module: 'dns_a', target: dns },
    { name: 'dns answer rule fails', module: 'dns_wrong_answer', target: dns },
    { name: 'dns NXDOMAIN', module: 'dns_nxdomain', target: dns },
    { name: 'dns NXDOMAIN accepted', module: 'dns_nxdomain_ok', target: dns },
    { name: 'dns server silent', module: 'dns_a', target: silentDnsTarget },
    { name: 'dns server closed', module: 'dns_a', target: closed },
  ];
}

async function probe(base: string, c: Case): Promise<Map<string, Sample>> {
  const url = `${base}/probe?module=${c.module}&target=${encodeURIComponent(c.target)}`;
  const res = await fetch(url);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${text}`);
  return parseExposition(text);
}

/** Every difference between the two answers: a series only one has, or a value too far apart. */
export function differences(theirs: Map<string, Sample>, ours: Map<string, Sample>): string[] {
  const out: string[] = [];
  for (const [key, t] of theirs) {
    const o = ours.get(key);
    if (!o) out.push(`missing in ours: ${key} ${t.value}`);
    else if (isDuration(t.name) ? Math.abs(t.value - o.value) > DURATION_TOLERANCE_S : t.value !== o.value)
      out.push(`${key}: blackbox ${t.value}, ours ${o.value}`);
  }
  for (const [key, o] of ours) if (!theirs.has(key)) out.push(`only in ours: ${key} ${o.value}`);
  return out;
}

describe("side by side with Debian's blackbox_exporter", () => {
  it('gives the same series and values for every target', async () => {
    const report: Record<string, string[]> = {};
    const seen: Record<string, Record<string, number>> = {};
    for (const c of cases()) {
      const [theirs, ours] = await Promise.all([probe(blackboxUrl, c), probe(oursUrl, c)]);
      const diff = differences(theirs, ours);
      if (diff.length > 0) report[`${c.name} (${c.module} ${c.target})`] = diff;
      seen[c.name] = Object.fromEntries([...ours].map(([key, s]) => [key, s.value]));
    }
    if (process.env.PARITY_DUMP) process.stdout.write(`${JSON.stringify(seen, null, 1)}\n`);
    expect(report).toEqual({});
    // The comparison compared something: the outcomes the targets were made for.
    const value = (name: string, key: string) => seen[name]?.[key];
    expect(value('200, no scheme', 'probe_success{}')).toBe(1);
    expect(value('200, no scheme', 'probe_http_status_code{}')).toBe(200);
    expect(value('redirect 301 → 200', 'probe_http_redirects{}')).toBe(1);
    expect(value('two redirects', 'probe_http_redirects{}')).toBe(2);
    expect(value('redirect with a cookie', 'probe_http_status_code{}')).toBe(200);
    expect(value('credentials in the target URL', 'probe_http_status_code{}')).toBe(200);
    expect(value('headers over 16 KiB', 'probe_success{}')).toBe(1);
    expect(value('redirect not followed', 'probe_http_status_code{}')).toBe(301);
    expect(value('slow beyond the timeout', 'probe_http_status_code{}')).toBe(0);
    expect(value('self-signed TLS, not verified', 'probe_http_ssl{}')).toBe(1);
    expect(value('HTTP/2 over TLS', 'probe_http_version{}')).toBe(2);
    expect(value('TLS body cut short by the timeout', 'probe_http_ssl{}')).toBe(1);
    expect(value('HTTP/2 body cut short', 'probe_tls_version_info{version="TLS 1.3"}')).toBe(1);
    expect(value('HTTP/2 server, enable_http2 false', 'probe_http_version{}')).toBe(1.1);
    expect(value('body regex fails', 'probe_failed_due_to_regex{}')).toBe(1);
    expect(value('tls over tcp', 'probe_tls_version_info{version="TLS 1.3"}')).toBe(1);
    expect(value('dns A with answer rule', 'probe_dns_answer_rrs{}')).toBe(1);
    expect(value('tcp query_response', 'probe_success{}')).toBe(1);
    expect(value('tcp query_response fails', 'probe_failed_due_to_regex{}')).toBe(1);
    expect(value('dns server silent', 'probe_dns_query_succeeded{}')).toBe(0);
    expect(Object.keys(seen)).toHaveLength(cases().length);
  }, 120_000);
});
