import http, { type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import { isIP, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { z } from 'zod';
import { positiveDuration, regexSchema, httpUrl } from '@vigil/service-kit';
import { IDENTITY } from '../identity';
import { NO_SERIES, type SeriesSet } from '../series';
import { defineKind, describeError, type CheckContext, type ProbeResult } from './kind';
import { abortable, ipProtocolSettings, resolveTarget, type IpProtocol } from './resolve';
import { tlsOptions, tlsSeries, tlsSettings } from './tls';
import { promises as dns } from 'node:dns';

/** Enough for any health endpoint's regexes; the rest of a larger body is counted, not kept. */
const BODY_LIMIT_BYTES = 1024 * 1024;
/** As Go's http.Client (and so blackbox): the 11th redirect is not followed. */
const MAX_REDIRECTS = 10;
/** Response headers up to Go's default (Transport.MaxResponseHeaderBytes): Node's 16 KiB fails real sites. */
const MAX_HEADER_BYTES = 10 << 20;

const httpTlsSettings = tlsSettings.extend({
  /** The check fails when the earliest certificate in the chain expires sooner than this. */
  min_validity: positiveDuration.optional(),
});

const headerMatch = z.strictObject({
  header: z.string().min(1),
  regexp: regexSchema,
  allow_missing: z.boolean().default(false),
});

const settings = z.strictObject({
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).default('GET'),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string().optional(),
  /** Any 2xx when unset. */
  expected_status: z.array(z.number().int().min(100).max(599)).min(1).optional(),
  /** e.g. "HTTP/1.1"; any when empty. */
  valid_http_versions: z.array(z.string().min(1)).default([]),
  body_regex: regexSchema.optional(),
  fail_if_body_matches_regexp: z.array(regexSchema).default([]),
  fail_if_body_not_matches_regexp: z.array(regexSchema).default([]),
  fail_if_header_matches: z.array(headerMatch).default([]),
  fail_if_header_not_matches: z.array(headerMatch).default([]),
  fail_if_ssl: z.boolean().default(false),
  fail_if_not_ssl: z.boolean().default(false),
  /** Up to 10 redirects, each hop through the /probe allowlist. */
  follow_redirects: z.boolean().default(true),
  /** Offer HTTP/2 over TLS (ALPN), as blackbox does; HTTP/1.1 otherwise. */
  enable_http2: z.boolean().default(true),
  ...ipProtocolSettings,
  tls: httpTlsSettings.prefault({}),
});

type Settings = z.output<typeof settings>;

const target = z.strictObject({
  url: httpUrl,
});

const HELP = {
  phase: 'Duration of http request by phase, summed over all redirects',
  contentLength: 'Length of http content response',
  bodyLength: 'Length of uncompressed response body',
  redirects: 'The number of redirects',
  ssl: 'Indicates if SSL was used for the final redirect',
  status: 'Response HTTP status code',
  version: 'Returns the version of HTTP of the probe response',
  regex: 'Indicates if probe failed due to regex',
  lastModified: 'Returns the Last-Modified HTTP response header in unixtime',
};

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Sent unless the headers give one, as blackbox sends "Blackbox Exporter/<version>". */
const USER_AGENT = `Vigil health-check/${IDENTITY.version}`;

/** The times of one round trip, as blackbox's trace (milliseconds, performance.now()). */
interface Trace {
  start: number;
  dnsDone: number;
  gotConn?: number;
  responseStart?: number;
}

/** A response of either protocol, as the kind reads it. */
interface Response {
  statusCode: number;
  /** Lower-case names; a repeated header as its values joined, set-cookie as a list. */
  headers: IncomingHttpHeaders;
  /** Every value of each header apart (as Go's http.Header). */
  headersDistinct: Record<string, string[]>;
  /** "1.1", "1.0", "2.0". */
  httpVersion: string;
  socket: Socket;
  body: Readable;
  /** Lets the connection go (an HTTP/2 session is closed; HTTP/1.1 closes by itself). */
  close(): void;
}

function fromHttp1(res: IncomingMessage): Response {
  return {
    statusCode: res.statusCode ?? 0,
    headers: res.headers,
    headersDistinct: res.headersDistinct as Record<string, string[]>,
    httpVersion: res.httpVersion,
    socket: res.socket,
    body: res,
    close: () => undefined,
  };
}

interface Hop {
  res: Response;
  trace: Trace;
}

/**
 * The cookies a probe's responses set, sent on its later requests (its redirects), as blackbox's cookie
 * jar: host-only (a Domain attribute is not widened to subdomains), Path and expiry ignored but Max-Age=0.
 */
class CookieJar {
  private readonly byHost = new Map<string, Map<string, string>>();

  keep(url: URL, setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      let cookies = this.byHost.get(url.hostname);
      if (!cookies) this.byHost.set(url.hostname, (cookies = new Map()));
      if (attributes.some((a) => /^\s*max-age\s*=\s*(0|-\d+)\s*$/i.test(a))) cookies.delete(name);
      else cookies.set(name, pair.slice(eq + 1).trim());
    }
  }

  /** The headers with this host's cookies added to any Cookie header given. */
  with(url: URL, headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
    const cookies = this.byHost.get(url.hostname);
    if (!cookies || cookies.size === 0) return headers;
    const given = Object.entries(headers).find(([k]) => k.toLowerCase() === 'cookie');
    const jar = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const rest = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'cookie'));
    return { ...rest, Cookie: given ? `${String(given[1])}; ${jar}` : jar };
  }
}

/** The target as blackbox takes it: http:// is assumed when there is no scheme. */
export function withScheme(text: string): string {
  return /^https?:\/\//i.test(text) ? text : `http://${text}`;
}

/** Go's resp.ContentLength: the header's value, -1 when unknown (chunked, or read to the close), 0 when bodiless. */
function contentLength(res: Response): number {
  const status = res.statusCode;
  if (status === 204 || status === 304 || (status >= 100 && status < 200)) return 0;
  if (/chunked/i.test(String(res.headers['transfer-encoding'] ?? ''))) return -1;
  const header = res.headers['content-length'];
  if (header !== undefined && /^\d+$/.test(header)) return Number(header);
  return -1;
}

/** Header values by name, each occurrence apart (as Go's http.Header). */
function headerValues(res: Response, name: string): string[] {
  return res.headersDistinct[name.toLowerCase()] ?? [];
}

function headersMatch(res: Response, spec: Settings, ctx: CheckContext): string | undefined {
  for (const m of spec.fail_if_header_matches) {
    const values = headerValues(res, m.header);
    if (values.length === 0) {
      if (m.allow_missing) continue;
      ctx.log('Missing required header', { header: m.header }, 'error');
      return `missing header ${m.header}`;
    }
    if (values.some((v) => m.regexp.test(v))) {
      ctx.log('Header matched regular expression', { header: m.header, regexp: m.regexp.source }, 'error');
      return `header ${m.header} matches ${m.regexp}`;
    }
  }
  for (const m of spec.fail_if_header_not_matches) {
    const values = headerValues(res, m.header);
    if (values.length === 0) {
      if (m.allow_missing) continue;
      ctx.log('Missing required header', { header: m.header }, 'error');
      return `missing header ${m.header}`;
    }
    if (!values.some((v) => m.regexp.test(v))) {
      ctx.log(
        'Header did not match regular expression',
        { header: m.header, regexp: m.regexp.source },
        'error',
      );
      return `header ${m.header} does not match ${m.regexp}`;
    }
  }
  return undefined;
}

function bodyMatches(body: string, spec: Settings, ctx: CheckContext): string | undefined {
  for (const re of spec.fail_if_body_matches_regexp) {
    if (re.test(body)) {
      ctx.log('Body matched regular expression', { regexp: re.source }, 'error');
      return `body matches ${re}`;
    }
  }
  const mustMatch = spec.body_regex
    ? [spec.body_regex, ...spec.fail_if_body_not_matches_regexp]
    : spec.fail_if_body_not_matches_regexp;
  for (const re of mustMatch) {
    if (!re.test(body)) {
      ctx.log('Body did not match regular expression', { regexp: re.source }, 'error');
      return `body does not match ${re}`;
    }
  }
  return undefined;
}

/** Reads the body, counting every byte and keeping the first BODY_LIMIT_BYTES (for the regexes). */
/** The body, up to BODY_LIMIT_BYTES of its text; `progress` hears the byte count as chunks arrive. */
function readBody(
  res: Readable,
  progress: (bytes: number) => void,
): Promise<{ text: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    let bytes = 0;
    res.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      progress(bytes);
      if (kept >= BODY_LIMIT_BYTES) return;
      chunks.push(chunk);
      kept += chunk.length;
    });
    res.on('end', () =>
      resolve({ text: Buffer.concat(chunks).subarray(0, BODY_LIMIT_BYTES).toString('utf8'), bytes }),
    );
    res.on('error', reject);
    res.on('aborted', () => reject(new Error('response aborted')));
  });
}

/** The address of a redirect's host: its lookup time counts as the "resolve" phase, as in blackbox. */
async function lookupHop(host: string, proto: IpProtocol, signal: AbortSignal): Promise<string> {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (isIP(bare)) return bare;
  const preferred = proto.preferred_ip_protocol === 'ip4' ? 4 : 6;
  const all = await abortable(dns.lookup(bare, { all: true, verbatim: true }), signal);
  const pick = all.find((a) => a.family === preferred) ?? (proto.ip_protocol_fallback ? all[0] : undefined);
  if (!pick) throw new Error(`no address for ${bare}`);
  return pick.address;
}

/** The phases of a connection, timed into the series as they happen (connect, then tls). */
function timeConnection(socket: Socket, tlsOn: boolean, trace: Trace, series: SeriesSet) {
  let connectDone = trace.dnsDone;
  const phase = (name: string, ms: number) =>
    series.add('probe_http_duration_seconds', HELP.phase, ms / 1000, { phase: name });
  socket.once('connect', () => {
    connectDone = performance.now();
    if (!tlsOn) {
      trace.gotConn = connectDone;
      phase('connect', connectDone - trace.dnsDone);
    }
  });
  if (tlsOn) {
    socket.once('secureConnect', () => {
      trace.gotConn = performance.now();
      phase('connect', connectDone - trace.dnsDone);
      phase('tls', trace.gotConn - connectDone);
    });
  }
}

/**
 * One request to `address`, with the URL's host in Host (and SNI), timing its phases into `series` as they
 * happen (so a run cut short by its timeout still reports the phases it got through): connect (and tls),
 * then processing once the response starts. Over TLS, HTTP/2 is offered (ALPN) unless enable_http2 is
 * false, and used when the server picks it.
 */
function roundTrip(
  url: URL,
  address: string,
  first: boolean,
  request: { method: string; headers: OutgoingHttpHeaders; body?: string },
  spec: Settings,
  ctx: CheckContext,
  trace: Trace,
): Promise<Response> {
  const { series, signal } = ctx;
  // Configured checks keep no series: their runs skip the phase timing (1,000 checks every few seconds).
  const timed = series !== NO_SERIES;
  const tlsOn = url.protocol === 'https:';
  const port = url.port ? Number(url.port) : tlsOn ? 443 : 80;
  // An address is checked against the certificate, not sent as SNI (tlsOptions).
  const serverName = (first ? spec.tls.server_name : undefined) ?? url.hostname.replace(/^\[(.*)\]$/, '$1');
  const headers: OutgoingHttpHeaders = {
    Host: url.host,
    'User-Agent': USER_AGENT,
    ...userInfoAuth(url, request.headers),
    ...request.headers,
  };
  const path = `${url.pathname}${url.search}`;
  const responded = () => {
    if (!timed) return;
    trace.responseStart = performance.now();
    const processing = trace.responseStart - (trace.gotConn ?? trace.responseStart);
    series.add('probe_http_duration_seconds', HELP.phase, processing / 1000, { phase: 'processing' });
  };
  if (!tlsOn) {
    return new Promise<Response>((resolve, reject) => {
      const req = http.request({
        host: address,
        port,
        path,
        method: request.method,
        headers,
        signal,
        agent: false,
        maxHeaderSize: MAX_HEADER_BYTES,
      });
      if (timed) req.on('socket', (socket) => timeConnection(socket, false, trace, series));
      req.on('response', (res) => {
        responded();
        resolve(fromHttp1(res));
      });
      req.on('error', reject);
      req.end(request.body);
    });
  }
  return new Promise<Response>((resolve, reject) => {
    // A fresh connection per run, so every run sees the certificate actually served.
    const socket = tlsConnect({
      host: address,
      port,
      ...tlsOptions(spec.tls, serverName),
      ALPNProtocols: spec.enable_http2 ? ['h2', 'http/1.1'] : ['http/1.1'],
    });
    let session: http2.ClientHttp2Session | undefined;
    const abort = () => {
      session?.destroy();
      socket.destroy(new Error('timeout'));
    };
    signal.addEventListener('abort', abort, { once: true });
    const fail = (err: Error) => {
      signal.removeEventListener('abort', abort);
      session?.destroy();
      socket.destroy();
      reject(err);
    };
    if (timed) timeConnection(socket, true, trace, series);
    socket.once('error', fail);
    socket.once('secureConnect', () => {
      if (socket.alpnProtocol !== 'h2') {
        const req = https.request({
          host: address,
          port,
          path,
          method: request.method,
          headers,
          maxHeaderSize: MAX_HEADER_BYTES,
          // No agent: the request takes the connection made here (an agent would make its own).
          createConnection: () => socket,
        });
        req.on('response', (res) => {
          responded();
          resolve({ ...fromHttp1(res), socket, close: () => signal.removeEventListener('abort', abort) });
        });
        req.on('error', fail);
        req.end(request.body);
        return;
      }
      const h2 = http2.connect(url.origin, {
        createConnection: () => socket,
        maxHeaderListPairs: 10_000,
        settings: { maxHeaderListSize: MAX_HEADER_BYTES },
      });
      session = h2;
      h2.on('error', fail);
      const h2Headers: http2.OutgoingHttpHeaders = {
        ':method': request.method,
        ':path': path,
        ':authority': String(headers.Host ?? headers.host ?? url.host),
      };
      for (const [name, value] of Object.entries(headers)) {
        const lower = name.toLowerCase();
        if (lower !== 'host' && lower !== 'connection' && value !== undefined) h2Headers[lower] = value;
      }
      const stream = h2.request(h2Headers, { endStream: request.body === undefined });
      stream.on('error', fail);
      stream.on('response', (h) => {
        responded();
        const plain: IncomingHttpHeaders = {};
        const distinct: Record<string, string[]> = {};
        for (const [name, value] of Object.entries(h)) {
          if (name.startsWith(':') || value === undefined) continue;
          const values = Array.isArray(value) ? value.map(String) : [String(value)];
          distinct[name] = values;
          (plain as Record<string, unknown>)[name] = name === 'set-cookie' ? values : values.join(', ');
        }
        resolve({
          statusCode: Number(h[':status']),
          headers: plain,
          headersDistinct: distinct,
          httpVersion: '2.0',
          socket,
          body: stream,
          close: () => {
            signal.removeEventListener('abort', abort);
            h2.close();
          },
        });
      });
      if (request.body !== undefined) stream.end(request.body);
    });
  });
}

export const httpCheck = defineKind({
  kind: 'http',
  settings,
  target,
  parseTarget(text) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text) && !/^https?:\/\//i.test(text)) {
      throw new Error(`target must be an http:// or https:// URL, got "${text}"`);
    }
    let url: URL;
    try {
      url = new URL(withScheme(text));
    } catch {
      throw new Error(`target must be a URL (http:// assumed without a scheme), got "${text}"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error(`target must be an http:// or https:// URL, got "${text}"`);
    }
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    return { fields: { url: url.href }, host: url.hostname, port };
  },
  async run(spec, ctx) {
    const { series, log, signal } = ctx;
    // Registered before anything can fail, as blackbox's are: a probe with no response says 0.
    series.set('probe_failed_due_to_regex', HELP.regex, 0);
    series.set('probe_http_content_length', HELP.contentLength, 0);
    series.set('probe_http_uncompressed_body_length', HELP.bodyLength, 0);
    series.set('probe_http_redirects', HELP.redirects, 0);
    series.set('probe_http_ssl', HELP.ssl, 0);
    series.set('probe_http_status_code', HELP.status, 0);
    series.set('probe_http_version', HELP.version, 0);

    let url = new URL(spec.url);
    let address: string;
    try {
      const resolved = await resolveTarget(url.hostname, spec, ctx);
      address = resolved.address;
      series.add('probe_http_duration_seconds', HELP.phase, resolved.lookupSeconds, { phase: 'resolve' });
    } catch (err) {
      series.add(
        'probe_http_duration_seconds',
        HELP.phase,
        series.get('probe_dns_lookup_time_seconds') ?? 0,
        {
          phase: 'resolve',
        },
      );
      return { success: false, httpStatusCode: 0, message: `resolve: ${describeError(err, signal)}` };
    }
    for (const phase of ['connect', 'tls', 'processing', 'transfer']) {
      series.add('probe_http_duration_seconds', HELP.phase, 0, { phase });
    }

    let method: string = spec.method;
    let body = spec.body;
    const headers: OutgoingHttpHeaders = { ...spec.headers };
    let redirects = 0;
    const jar = new CookieJar();
    let hop: Hop;
    let notFollowed = false;
    let refusal: string | undefined;
    try {
      for (let i = 0; ; i++) {
        const start = performance.now();
        if (i > 0) {
          address = await lookupHop(url.hostname, spec, signal);
          series.add('probe_http_duration_seconds', HELP.phase, (performance.now() - start) / 1000, {
            phase: 'resolve',
          });
        }
        const trace: Trace = { start, dnsDone: performance.now() };
        log('Making HTTP request', { url: url.href, host: url.host });
        const res = await roundTrip(
          url,
          address,
          i === 0,
          { method, headers: jar.with(url, headers), body },
          spec,
          ctx,
          trace,
        );
        hop = { res, trace };
        jar.keep(url, res.headersDistinct['set-cookie'] ?? []);
        const location = res.headers.location;
        if (!REDIRECT_STATUSES.has(res.statusCode) || location === undefined) break;
        log('Received redirect', { location });
        redirects = i + 1;
        const next = new URL(location, url);
        if (!spec.follow_redirects || redirects > MAX_REDIRECTS) {
          log('Not following redirect');
          notFollowed = true;
          break;
        }
        const nextPort = next.port ? Number(next.port) : next.protocol === 'https:' ? 443 : 80;
        if (next.protocol !== 'http:' && next.protocol !== 'https:') {
          refusal = `redirect to a non-HTTP URL (${next.protocol})`;
        } else if (!ctx.allowed(next.hostname, nextPort)) {
          refusal = `redirect to ${next.host} is not on probe.allowed_targets`;
        }
        if (refusal) {
          log('Not following redirect', { reason: refusal }, 'error');
          notFollowed = true;
          break;
        }
        res.body.resume();
        res.close();
        if (next.host !== url.host) {
          delete headers.authorization;
          delete headers.Authorization;
          delete headers.cookie;
          delete headers.Cookie;
        }
        const status = res.statusCode;
        if ((status === 301 || status === 302 || status === 303) && method !== 'GET' && method !== 'HEAD') {
          method = 'GET';
          body = undefined;
        }
        url = next;
      }
    } catch (err) {
      log('Error for HTTP request', { err: describeError(err, signal) }, 'error');
      series.set('probe_http_redirects', HELP.redirects, redirects);
      return { success: false, httpStatusCode: 0, message: describeError(err, signal) };
    }

    const { res, trace } = hop;
    const status = res.statusCode;
    log('Received HTTP response', { status_code: status });
    series.set('probe_http_status_code', HELP.status, status);
    series.set('probe_http_redirects', HELP.redirects, redirects);
    series.set('probe_http_content_length', HELP.contentLength, contentLength(res));
    const problems: string[] = [];
    if (refusal) problems.push(refusal);
    const statusOk = spec.expected_status
      ? spec.expected_status.includes(status)
      : status >= 200 && status < 300;
    if (!statusOk) {
      log(
        spec.expected_status
          ? 'Invalid HTTP response status code'
          : 'Invalid HTTP response status code, wanted 2xx',
        {
          status_code: status,
        },
      );
      problems.push(`unexpected status ${status}`);
    }
    const hasHeaderRules = spec.fail_if_header_matches.length + spec.fail_if_header_not_matches.length > 0;
    if (problems.length === 0 && hasHeaderRules) {
      const headerProblem = headersMatch(res, spec, ctx);
      series.set('probe_failed_due_to_regex', HELP.regex, headerProblem ? 1 : 0);
      if (headerProblem) problems.push(headerProblem);
    }
    // Known once the headers are in, and set before the body is read: a probe cut short while reading it
    // still reports its version and certificate, as blackbox's does (and the socket is still open).
    series.set('probe_http_version', HELP.version, Number(res.httpVersion) || 0);
    let certExpiry: number | undefined;
    if (url.protocol === 'https:') {
      series.set('probe_http_ssl', HELP.ssl, 1);
      certExpiry = tlsSeries(res.socket as TLSSocket, series);
    }
    // The transfer so far, kept current as the body arrives and when the timeout cuts it short: such a
    // probe reports what it had read and for how long, as blackbox's does.
    const transferBefore = series.get('probe_http_duration_seconds', { phase: 'transfer' }) ?? 0;
    let bytesSoFar = 0;
    const transferred = (bytes: number) => {
      bytesSoFar = bytes;
      series.set('probe_http_uncompressed_body_length', HELP.bodyLength, bytes);
      const seconds = (performance.now() - (trace.responseStart ?? performance.now())) / 1000;
      series.set('probe_http_duration_seconds', HELP.phase, transferBefore + seconds, { phase: 'transfer' });
    };
    const cutShort = () => transferred(bytesSoFar);
    signal.addEventListener('abort', cutShort, { once: true });
    if (notFollowed) {
      res.body.resume();
    } else {
      try {
        const read = await readBody(res.body, transferred);
        series.set('probe_http_uncompressed_body_length', HELP.bodyLength, read.bytes);
        const hasBodyRules =
          spec.body_regex !== undefined ||
          spec.fail_if_body_matches_regexp.length + spec.fail_if_body_not_matches_regexp.length > 0;
        if (problems.length === 0 && hasBodyRules) {
          const bodyProblem = bodyMatches(read.text, spec, ctx);
          series.set('probe_failed_due_to_regex', HELP.regex, bodyProblem ? 1 : 0);
          if (bodyProblem) problems.push(bodyProblem);
        }
      } catch (err) {
        log('Failed to read HTTP response body', { err: describeError(err, signal) });
        problems.push(`reading the body: ${describeError(err, signal)}`);
      }
    }
    signal.removeEventListener('abort', cutShort);
    const end = performance.now();
    series.set(
      'probe_http_duration_seconds',
      HELP.phase,
      transferBefore + (end - (trace.responseStart ?? end)) / 1000,
      { phase: 'transfer' },
    );

    res.close();
    const lastModified = res.headers['last-modified'];
    if (lastModified !== undefined && !Number.isNaN(Date.parse(lastModified))) {
      series.set(
        'probe_http_last_modified_timestamp_seconds',
        HELP.lastModified,
        Math.floor(Date.parse(lastModified) / 1000),
      );
    }
    if (
      spec.valid_http_versions.length > 0 &&
      !spec.valid_http_versions.includes(`HTTP/${res.httpVersion}`)
    ) {
      log('Invalid HTTP version number', { version: res.httpVersion }, 'error');
      problems.push(`HTTP version ${res.httpVersion} is not one of ${spec.valid_http_versions.join(', ')}`);
    }

    if (url.protocol === 'https:') {
      if (spec.fail_if_ssl) {
        log('Final request was over SSL', {}, 'error');
        problems.push('the final request was over TLS (fail_if_ssl)');
      }
      const minValidity = spec.tls.min_validity;
      if (
        certExpiry !== undefined &&
        minValidity !== undefined &&
        certExpiry * 1000 - Date.now() < minValidity
      ) {
        problems.push(`certificate expires ${new Date(certExpiry * 1000).toISOString()}`);
      }
    } else if (spec.fail_if_not_ssl) {
      log('Final request was not over SSL', {}, 'error');
      problems.push('the final request was not over TLS (fail_if_not_ssl)');
    }
    const result: ProbeResult = {
      success: problems.length === 0,
      httpStatusCode: status,
      sslEarliestCertExpiry: certExpiry,
    };
    if (problems.length > 0) result.message = problems.join('; ');
    return result;
  },
});

/**
 * Basic auth from the URL's user info (`http://user:pass@host/`), as Go's client sends it, unless an
 * Authorization header is configured (headers, basic_auth, bearer_token), which wins.
 */
function userInfoAuth(url: URL, configured: OutgoingHttpHeaders): OutgoingHttpHeaders {
  if (url.username === '' && url.password === '') return {};
  if (Object.keys(configured).some((name) => name.toLowerCase() === 'authorization')) return {};
  const pair = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return { Authorization: `Basic ${Buffer.from(pair).toString('base64')}` };
}
