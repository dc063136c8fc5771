import { readFileSync } from 'node:fs';
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { z } from 'zod';
import { ConfigError, ProblemList } from './problems';
import { keyPath, resolveSecret, secretRef, type SecretRef } from './secrets';

/** A URL something is fetched from or linked to: `host:port` alone would parse with "host" as its scheme. */
export const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

/**
 * A Prometheus server's base URL, to which each request adds /api/v1/…: a query or fragment there, or
 * /api/v1 itself, would pass a check of the URL and fail every request (405, 404).
 */
export const prometheusUrl = httpUrl
  .refine((url) => !/[?#]/.test(url), 'must have no query (?) or fragment (#): /api/v1/… is added to it')
  .refine((url) => !/\/api\/v1\/?$/.test(url), 'leave out /api/v1: it is added to each request');

/** RFC 9110 token: what a header name may be. */
const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'not a valid HTTP header name');

/** Prometheus's `tls_config`: how a client verifies the server, and its own certificate. */
export const tlsConfigSchema = z
  .strictObject({
    ca_file: z.string().min(1).optional(),
    cert_file: z.string().min(1).optional(),
    key_file: z.string().min(1).optional(),
    server_name: z.string().min(1).optional(),
    insecure_skip_verify: z.boolean().default(false),
  })
  .refine((t) => (t.cert_file === undefined) === (t.key_file === undefined), {
    message: 'cert_file and key_file go together',
  });

export type TlsConfigDocument = z.output<typeof tlsConfigSchema>;

/** node:tls client options of a `tls_config`, its files read. */
export type TlsClientOptions = {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized: boolean;
} & ReturnType<typeof tlsServerName>;

/**
 * How a service calls another over HTTP, in the shape of Prometheus's `http_config`: credentials from
 * secrets (never inline), extra headers, TLS and a proxy. The timeout is the owning section's own key.
 */
/** http_config's keys, before the check across them (an integration that has its own credential omits some). */
export const httpClientFields = z.strictObject({
  authorization: z
    .strictObject({ type: z.string().regex(/^\S+$/).default('Bearer'), credentials: secretRef })
    .optional(),
  basic_auth: z.strictObject({ username: z.string().min(1), password: secretRef }).optional(),
  http_headers: z
    .record(
      headerName,
      z.strictObject({ values: z.array(z.string()).default([]), secrets: z.array(secretRef).default([]) }),
    )
    .default({}),
  tls_config: tlsConfigSchema.prefault({}),
  proxy_url: z
    .url({ protocol: /^https?$/, error: 'must be an http:// URL' })
    // The client speaks plain HTTP to the proxy (open() below): TLS to the proxy itself is not made.
    .refine(
      (url) => !/^https:/i.test(url),
      'an https:// proxy is not supported: give the proxy as http://host:port; the connection to the target is still TLS through CONNECT',
    )
    .optional(),
});

export const httpClientSchema = httpClientFields.refine((c) => !(c.authorization && c.basic_auth), {
  message: 'set authorization or basic_auth, not both',
});

export type HttpClientDocument = z.output<typeof httpClientSchema>;

export interface HttpClientSettings {
  /** Authorization and custom headers, with their secrets read. */
  headers: Record<string, string>;
  tls: TlsClientOptions;
  proxyUrl?: string;
  timeoutMs: number;
}

function readFile(file: string, path: readonly PropertyKey[]): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ConfigError([{ path, message: `cannot read ${file}: ${(err as Error).message}` }]);
  }
}

/**
 * Reads the secrets and files an `http_config` names; every one that cannot be had is a problem of the
 * ConfigError thrown, naming its key (not only the first: `--check-config` lists all that are missing).
 * `where` is the http_config's key path: as an array when a key in it may hold a dot (a channel's name).
 */
export function resolveHttpClient(
  doc: HttpClientDocument | undefined,
  where: readonly PropertyKey[] | string,
  timeoutMs: number,
  env: NodeJS.ProcessEnv = process.env,
): HttpClientSettings {
  const base = keyPath(where);
  const list = new ProblemList();
  const secret = (ref: SecretRef, ...key: PropertyKey[]) =>
    list.attempt(() => resolveSecret(ref, [...base, ...key], env));
  const headers: Record<string, string> = {};
  if (doc) {
    // A header's name may hold a dot (RFC 9110 allows it): its secrets' paths are arrays, never split.
    for (const [name, h] of Object.entries(doc.http_headers)) {
      const secrets = h.secrets.map((s, i) => secret(s, 'http_headers', name, 'secrets', i));
      headers[name.toLowerCase()] = [...h.values, ...secrets].join(', ');
    }
    if (doc.authorization) {
      const credentials = secret(doc.authorization.credentials, 'authorization', 'credentials');
      headers.authorization = `${doc.authorization.type} ${credentials}`;
    }
    if (doc.basic_auth) {
      const password = secret(doc.basic_auth.password, 'basic_auth', 'password');
      headers.authorization = `Basic ${Buffer.from(`${doc.basic_auth.username}:${password}`).toString('base64')}`;
    }
  }
  const tls = list.attempt(() => resolveTlsConfig(doc?.tls_config, [...base, 'tls_config']));
  list.throwIfAny();
  return {
    headers,
    tls: tls as TlsClientOptions,
    ...(doc?.proxy_url && { proxyUrl: doc.proxy_url }),
    timeoutMs,
  };
}

/**
 * Reads the files a `tls_config` names (at key path `where`); a ConfigError names each one that cannot be
 * read. None given: the system's CAs, and the certificate checked against the host connected to.
 */
export function resolveTlsConfig(
  doc: TlsConfigDocument | undefined,
  where: readonly PropertyKey[],
): TlsClientOptions {
  const list = new ProblemList();
  const file = (key: 'ca_file' | 'cert_file' | 'key_file') => {
    const path = doc?.[key];
    return path === undefined ? undefined : list.attempt(() => readFile(path, [...where, key]));
  };
  const [ca, cert, key] = [file('ca_file'), file('cert_file'), file('key_file')];
  list.throwIfAny();
  return {
    ...(ca && { ca }),
    ...(cert && { cert }),
    ...(key && { key }),
    ...tlsServerName(doc?.server_name),
    rejectUnauthorized: !(doc?.insecure_skip_verify ?? false),
  };
}

/**
 * node:tls options naming the server a certificate must be for (none: the host connected to). SNI carries
 * host names only (RFC 6066; node warns, DEP0123), so an address is checked against the certificate and
 * not sent, as Go's crypto/tls does for Prometheus and blackbox_exporter.
 */
export function tlsServerName(
  name: string | undefined,
): Pick<tls.ConnectionOptions, 'servername' | 'checkServerIdentity'> {
  if (name === undefined) return {};
  if (isIP(name) === 0) return { servername: name };
  // '' rather than none: https would send the request's host instead.
  return { servername: '', checkServerIdentity: (_host, cert) => tls.checkServerIdentity(name, cert) };
}

export interface HttpResponse {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  text: string;
  /** A response header's value (the first, when repeated), or null. */
  header(name: string): string | null;
}

/** A request that got no answer: `code` is the system's (ECONNREFUSED, a TLS code) or ETIMEDOUT. */
export class HttpRequestError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    // The name fetch gives a timeout, so callers that handled fetch's errors read these alike.
    this.name = code === 'ETIMEDOUT' ? 'TimeoutError' : 'HttpRequestError';
  }
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer | URLSearchParams;
  timeoutMs?: number;
  /** The largest answer read (default MAX_BODY_BYTES); past it the request fails with ETOOLARGE. */
  maxBytes?: number;
}

/**
 * The largest answer read by default. V8's strings end a little past 512 MiB: a larger answer would throw
 * outside any promise when turned into text, and end the process (a huge Prometheus query_range, say).
 */
export const MAX_BODY_BYTES = 256 * 1024 * 1024;

/**
 * How long a kept-alive connection may sit idle. Without a bound it stays open until the server drops it,
 * and a reload, which replaces every client, would leave the old ones' connections open that long; a few
 * seconds still carries a burst of notifications. (The agent's timeout destroys only free sockets.)
 */
const IDLE_SOCKET_MS = 4000;

/**
 * One outgoing HTTP client: keeps connections alive, adds the configured headers, speaks TLS with the
 * configured CA and client certificate, and goes through the proxy (CONNECT for https). Redirects are
 * not followed: a signed or authorised request must not be handed to wherever a redirect points.
 */
export class HttpClient {
  private readonly httpAgent = new http.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS });
  private readonly httpsAgent: https.Agent;
  /** Requests under way, which close ends: one through a proxy tunnel has no agent that would. */
  private readonly inFlight = new Set<http.ClientRequest>();

  constructor(readonly settings: HttpClientSettings) {
    this.httpsAgent = new https.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS, ...settings.tls });
  }

  request(url: string, options: RequestOptions = {}): Promise<HttpResponse> {
    const target = new URL(url);
    const { body: raw, method = raw === undefined ? 'GET' : 'POST' } = options;
    const headers: Record<string, string> = { ...this.settings.headers };
    for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = value;
    let body = raw;
    if (body instanceof URLSearchParams) {
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
      body = body.toString();
    }
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const timeoutMs = options.timeoutMs ?? this.settings.timeoutMs;
    return new Promise((resolve, reject) => {
      const req = this.open(target, method, headers);
      this.inFlight.add(req);
      req.on('close', () => this.inFlight.delete(req));
      const timer = setTimeout(() => {
        req.destroy(new HttpRequestError(`no answer from ${target.host} within ${timeoutMs}ms`, 'ETIMEDOUT'));
      }, timeoutMs);
      req.on('error', (err: Error & { code?: string }) => {
        clearTimeout(timer);
        reject(
          err instanceof HttpRequestError ? err : new HttpRequestError(err.message, err.code ?? 'EREQUEST'),
        );
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        const maxBytes = options.maxBytes ?? MAX_BODY_BYTES;
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes <= maxBytes) return void chunks.push(chunk);
          chunks.length = 0;
          req.destroy(
            new HttpRequestError(
              `the answer from ${target.host} is larger than ${maxBytes} bytes`,
              'ETOOLARGE',
            ),
          );
        });
        res.on('error', (err) => req.destroy(err));
        res.on('end', () => {
          clearTimeout(timer);
          const status = res.statusCode ?? 0;
          resolve({
            status,
            statusText: res.statusMessage ?? '',
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
            header: (name) => {
              const value = res.headers[name.toLowerCase()];
              return (Array.isArray(value) ? value[0] : value) ?? null;
            },
          });
        });
      });
      req.end(body);
    });
  }

  /** Ends the requests under way and closes kept-alive connections: the process may exit. */
  close(): void {
    for (const req of this.inFlight) req.destroy(new HttpRequestError('the client was closed', 'ECANCELED'));
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private open(target: URL, method: string, headers: Record<string, string>): http.ClientRequest {
    const path = `${target.pathname}${target.search}`;
    const secure = target.protocol === 'https:';
    const port = Number(target.port) || (secure ? 443 : 80);
    const proxy = this.settings.proxyUrl === undefined ? undefined : new URL(this.settings.proxyUrl);
    if (target.username || target.password) {
      headers.authorization ??= `Basic ${Buffer.from(`${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`).toString('base64')}`;
    }
    if (!proxy) {
      const agent = secure ? this.httpsAgent : this.httpAgent;
      return (secure ? https : http).request({ host: target.hostname, port, path, method, headers, agent });
    }
    const proxyAuth = proxyAuthorization(proxy);
    if (!secure) {
      // A plain request through a proxy names the whole URL (absolute form) and goes to the proxy.
      const href = `${target.protocol}//${target.hostname}:${port}${path}`;
      return http.request({
        host: proxy.hostname,
        port: Number(proxy.port) || 80,
        path: href,
        method,
        headers: { host: target.host, ...proxyAuth, ...headers },
        agent: this.httpAgent,
      });
    }
    // https through a proxy: a CONNECT tunnel, then TLS to the target inside it.
    const tlsOptions = this.settings.tls;
    return https.request({
      host: target.hostname,
      port,
      path,
      method,
      headers,
      // No agent: the connection is the tunnel made here, one per request.
      createConnection: (_opts: unknown, done: (err: Error | null, socket?: Duplex) => void) => {
        const connect = http.request({
          host: proxy.hostname,
          port: Number(proxy.port) || 80,
          method: 'CONNECT',
          path: `${target.hostname}:${port}`,
          headers: { host: `${target.hostname}:${port}`, ...proxyAuth },
        });
        connect.on('connect', (res, socket) => {
          if (res.statusCode !== 200) {
            socket.destroy();
            done(
              new HttpRequestError(`proxy ${proxy.host} refused CONNECT: HTTP ${res.statusCode}`, 'EPROXY'),
            );
            return;
          }
          // Checked against server_name, or else the target's host: not the socket's, which is the proxy.
          const named = tlsOptions.servername !== undefined;
          const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
          done(null, tls.connect({ socket, ...tlsOptions, ...(named ? {} : tlsServerName(host)) }));
        });
        connect.on('error', (err) => done(err));
        connect.end();
        return undefined;
      },
    } as https.RequestOptions);
  }
}

function proxyAuthorization(proxy: URL): Record<string, string> {
  if (!proxy.username && !proxy.password) return {};
  const user = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { 'proxy-authorization': `Basic ${Buffer.from(user).toString('base64')}` };
}
