/**
 * blackbox_exporter's module configuration (`modules: {http_2xx: {prober: http, http: {...}}}`), for
 * `probe.blackbox_modules` (a blackbox.yml's `modules:`, pasted as it is): the keys of its http, tcp and dns probers
 * that the health-check kinds can honour, each translated to that kind's own setting. Keys it has and we
 * do not are refused by name (see the README's table), never silently ignored.
 */
import { timerDuration, regexProblem, secret, type ConfigProblem } from '@vigil/service-kit';
import { z } from 'zod';
import { RCODES, RECORD_TYPES } from './checks/dns-wire';

/**
 * A blackbox.yml pattern (Go's RE2) in JavaScript's syntax where the two spell the same thing differently:
 * `(?P<name>` is `(?<name>`, and a repeated anchor (Debian's stock pop3s_banner `^+OK`), which JavaScript
 * calls "Nothing to repeat", is the anchor itself, or nothing when it may repeat zero times.
 */
export function fromRe2(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\') {
      out += pattern.slice(i, i + 2);
      i += 1;
    } else if (inClass) {
      inClass = c !== ']';
      out += c;
    } else if (c === '[') {
      // A `]` (or `^]`) first in a class is a member, not its end.
      const start = /^\[\^?\]?/.exec(pattern.slice(i))?.[0] ?? c;
      inClass = true;
      out += start;
      i += start.length - 1;
    } else if (pattern.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
    } else if ((c === '^' || c === '$') && /[*+?]/.test(pattern[i + 1] ?? '')) {
      const quantifier = /^[*+?]+/.exec(pattern.slice(i + 1))?.[0] as string;
      if (quantifier.startsWith('+')) out += c;
      i += quantifier.length;
    } else out += c;
  }
  return out;
}

/** A regular expression kept as text (the kind's schema compiles it), refused here as it would be there. */
const regexText = z
  .string()
  .transform(fromRe2)
  .superRefine((text, ctx) => {
    const problem = regexProblem(text);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const ipProtocol = {
  preferred_ip_protocol: z.enum(['ip4', 'ip6']).optional(),
  ip_protocol_fallback: z.boolean().optional(),
};

const tlsConfig = z.strictObject({
  insecure_skip_verify: z.boolean().optional(),
  ca_file: z.string().min(1).optional(),
  server_name: z.string().min(1).optional(),
});

const headerMatch = z.strictObject({
  header: z.string().min(1),
  regexp: regexText,
  allow_missing: z.boolean().optional(),
});

const httpProbe = z.strictObject({
  valid_status_codes: z.array(z.number().int().min(100).max(599)).optional(),
  valid_http_versions: z.array(z.string().min(1)).optional(),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.string().optional(),
  follow_redirects: z.boolean().optional(),
  // blackbox_exporter before 0.22 spelled follow_redirects so (inverted); old blackbox.yml files still do.
  no_follow_redirects: z.boolean().optional(),
  fail_if_ssl: z.boolean().optional(),
  fail_if_not_ssl: z.boolean().optional(),
  fail_if_body_matches_regexp: z.array(regexText).optional(),
  fail_if_body_not_matches_regexp: z.array(regexText).optional(),
  fail_if_header_matches: z.array(headerMatch).optional(),
  fail_if_header_not_matches: z.array(headerMatch).optional(),
  tls_config: tlsConfig.optional(),
  // Secrets as everywhere in Vigil: {env: NAME} or {file: PATH}, read at load and at each reload.
  basic_auth: z.strictObject({ username: z.string(), password: secret.optional() }).optional(),
  bearer_token: secret.optional(),
  enable_http2: z.boolean().optional(),
  ...ipProtocol,
});

const tcpProbe = z.strictObject({
  ...ipProtocol,
  tls: z.boolean().optional(),
  tls_config: tlsConfig.optional(),
  query_response: z
    .array(
      z.strictObject({
        expect: regexText.optional(),
        send: z.string().optional(),
        starttls: z.boolean().optional(),
      }),
    )
    .optional(),
});

const rrValidator = z.strictObject({
  fail_if_matches_regexp: z.array(regexText).optional(),
  fail_if_all_match_regexp: z.array(regexText).optional(),
  fail_if_not_matches_regexp: z.array(regexText).optional(),
  fail_if_none_matches_regexp: z.array(regexText).optional(),
});

const dnsProbe = z.strictObject({
  query_name: z.string().min(1),
  query_type: z.enum(Object.keys(RECORD_TYPES) as [keyof typeof RECORD_TYPES]).optional(),
  transport_protocol: z.enum(['udp', 'tcp']).optional(),
  recursion_desired: z.boolean().optional(),
  valid_rcodes: z.array(z.enum(Object.keys(RCODES) as [keyof typeof RCODES])).optional(),
  validate_answer_rrs: rrValidator.optional(),
  validate_authority_rrs: rrValidator.optional(),
  validate_additional_rrs: rrValidator.optional(),
  ...ipProtocol,
});

const timeout = timerDuration.optional();

/** One module as blackbox.yml writes it, by its prober. */
export const blackboxModuleSchema = z.discriminatedUnion('prober', [
  z.strictObject({ prober: z.literal('http'), timeout, http: httpProbe.prefault({}) }),
  z.strictObject({ prober: z.literal('tcp'), timeout, tcp: tcpProbe.prefault({}) }),
  z.strictObject({ prober: z.literal('dns'), timeout, dns: dnsProbe }),
]);
export type BlackboxModule = z.output<typeof blackboxModuleSchema>;

/** A module translated to a check kind and that kind's settings (as a document for its schema). */
export interface Translated {
  kind: string;
  timeoutMs?: number;
  settings: Record<string, unknown>;
}

const defined = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

function tls(config: z.output<typeof tlsConfig> | undefined) {
  return config ? defined({ ...config }) : undefined;
}

/** blackbox's module → the kind's settings (secrets already read by the schema). */
export function translateModule(module: BlackboxModule): Translated {
  switch (module.prober) {
    case 'http': {
      const h = module.http;
      const headers = { ...h.headers };
      if (h.basic_auth) {
        const password = h.basic_auth.password ?? '';
        headers.Authorization = `Basic ${Buffer.from(`${h.basic_auth.username}:${password}`).toString('base64')}`;
      }
      if (h.bearer_token !== undefined) headers.Authorization = `Bearer ${h.bearer_token}`;
      return {
        kind: 'http',
        timeoutMs: module.timeout,
        settings: defined({
          method: h.method,
          headers,
          body: h.body,
          expected_status: h.valid_status_codes?.length ? h.valid_status_codes : undefined,
          valid_http_versions: h.valid_http_versions,
          fail_if_ssl: h.fail_if_ssl,
          fail_if_not_ssl: h.fail_if_not_ssl,
          fail_if_body_matches_regexp: h.fail_if_body_matches_regexp,
          fail_if_body_not_matches_regexp: h.fail_if_body_not_matches_regexp,
          fail_if_header_matches: h.fail_if_header_matches,
          fail_if_header_not_matches: h.fail_if_header_not_matches,
          follow_redirects:
            h.follow_redirects ?? (h.no_follow_redirects === undefined ? undefined : !h.no_follow_redirects),
          enable_http2: h.enable_http2,
          preferred_ip_protocol: h.preferred_ip_protocol,
          ip_protocol_fallback: h.ip_protocol_fallback,
          tls: tls(h.tls_config),
        }),
      };
    }
    case 'tcp': {
      const t = module.tcp;
      const starttls = t.query_response?.some((q) => q.starttls) ?? false;
      const tlsOn = t.tls || starttls;
      return {
        kind: 'tcp',
        timeoutMs: module.timeout,
        settings: defined({
          preferred_ip_protocol: t.preferred_ip_protocol,
          ip_protocol_fallback: t.ip_protocol_fallback,
          tls: tlsOn ? { ...tls(t.tls_config), mode: t.tls ? 'implicit' : 'starttls' } : undefined,
          query_response: t.query_response,
        }),
      };
    }
    case 'dns': {
      const d = module.dns;
      return {
        kind: 'dns',
        timeoutMs: module.timeout,
        settings: defined({
          query_name: d.query_name,
          // blackbox asks for ANY when no type is given, and succeeds on an empty answer.
          record_type: d.query_type ?? 'ANY',
          require_answers: false,
          transport_protocol: d.transport_protocol,
          recursion_desired: d.recursion_desired,
          valid_rcodes: d.valid_rcodes,
          validate_answer_rrs: d.validate_answer_rrs,
          validate_authority_rrs: d.validate_authority_rrs,
          validate_additional_rrs: d.validate_additional_rrs,
          preferred_ip_protocol: d.preferred_ip_protocol,
          ip_protocol_fallback: d.ip_protocol_fallback,
        }),
      };
    }
  }
}

/**
 * blackbox_exporter keys the kinds cannot honour, with why; a blackbox.yml that uses one is refused with
 * that reason rather than "unknown field".
 */
export const UNSUPPORTED: Record<string, string> = {
  icmp: 'the icmp prober is not supported (it needs raw sockets)',
  grpc: 'the grpc prober is not supported',
  compression: 'compressed bodies are not supported',
  body_size_limit:
    'body_size_limit is not supported (the first 1 MiB is kept for the regexes, the rest counted)',
  proxy_url: 'proxies are not supported',
  no_proxy: 'proxies are not supported',
  proxy_from_environment: 'proxies are not supported',
  proxy_connect_header: 'proxies are not supported',
  skip_resolve_phase_with_proxy: 'proxies are not supported',
  oauth2: 'OAuth 2.0 is not supported; give bearer_token',
  authorization: 'give bearer_token, or the header in headers',
  bearer_token_file: 'write bearer_token: {file: PATH} (secrets are {env: NAME} or {file: PATH})',
  password_file: 'write password: {file: PATH} (secrets are {env: NAME} or {file: PATH})',
  cert_file: 'client certificates are not supported',
  key_file: 'client certificates are not supported',
  min_version: 'min_version is not supported',
  max_version: 'max_version is not supported',
  source_ip_address: 'source_ip_address is not supported',
  dns_over_tls: 'DNS over TLS is not supported',
  query_class: 'only class IN is supported',
  enable_http3: 'HTTP/3 is not supported',
  body_file: 'body_file is not supported; give body',
};

/** The probers of UNSUPPORTED: a `prober:` naming one is refused with its reason. */
const UNSUPPORTED_PROBERS = new Set(['icmp', 'grpc']);

const reasonFor = (key: string) => (Object.hasOwn(UNSUPPORTED, key) ? UNSUPPORTED[key] : undefined);

/**
 * Problems for keys listed in UNSUPPORTED (and unsupported prober values) in each module of `modules`
 * (blackbox_modules), with their paths. Module names are the user's, never keys of blackbox's.
 */
export function unsupportedBlackboxKeys(modules: unknown, path: (string | number)[] = []): ConfigProblem[] {
  if (typeof modules !== 'object' || modules === null || Array.isArray(modules)) return [];
  return Object.entries(modules).flatMap(([name, module]) => unsupportedKeys(module, [...path, name]));
}

function unsupportedKeys(node: unknown, path: (string | number)[]): ConfigProblem[] {
  if (Array.isArray(node)) return node.flatMap((item, i) => unsupportedKeys(item, [...path, i]));
  if (typeof node !== 'object' || node === null) return [];
  // Under `headers`, keys are header names.
  if (path[path.length - 1] === 'headers') return [];
  return Object.entries(node).flatMap(([key, value]) => {
    const here = [...path, key];
    const prober =
      key === 'prober' && typeof value === 'string' && UNSUPPORTED_PROBERS.has(value)
        ? reasonFor(value)
        : undefined;
    const reason = prober ?? reasonFor(key);
    return reason ? [{ path: here, message: reason }] : unsupportedKeys(value, here);
  });
}

/** Keys whose name in a kind differs from blackbox's, by kind: a problem found there is placed at blackbox's. */
const BLACKBOX_KEYS: Record<string, Record<string, string>> = {
  http: { expected_status: 'valid_status_codes', tls: 'tls_config' },
  tcp: { tls: 'tls_config' },
  dns: { record_type: 'query_type' },
};

/** Where in a blackbox module a problem with its translation's `key` (the kind's name for it) lies. */
export function blackboxPath(module: BlackboxModule, kindPath: PropertyKey[]): PropertyKey[] {
  const [key, ...rest] = kindPath;
  const named = typeof key === 'string' ? (BLACKBOX_KEYS[module.prober]?.[key] ?? key) : key;
  return key === undefined ? [module.prober] : [module.prober, named as PropertyKey, ...rest];
}
