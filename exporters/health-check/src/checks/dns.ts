import { createSocket } from 'node:dgram';
import { getServers } from 'node:dns';
import { randomInt } from 'node:crypto';
import { connect as netConnect } from 'node:net';
import { regexSchema } from '@vigil/service-kit';
import { z } from 'zod';
import {
  decodeMessage,
  encodeQuery,
  RCODE_NAMES,
  RCODES,
  RECORD_TYPES,
  type DnsRecord,
  type Message,
} from './dns-wire';
import { defineKind, describeError, type CheckContext } from './kind';
import { ipProtocolSettings, resolveTarget } from './resolve';
import { normalizeHost, splitHostPort } from './target';

const TYPE_NAMES = Object.keys(RECORD_TYPES) as [keyof typeof RECORD_TYPES, ...(keyof typeof RECORD_TYPES)[]];
const RCODE_LIST = Object.keys(RCODES) as [keyof typeof RCODES, ...(keyof typeof RCODES)[]];

const hostPort = z.string().refine((s) => {
  try {
    splitHostPort(s, true);
    return true;
  } catch {
    return false;
  }
}, 'must be host:port (or host, for port 53)');

/** blackbox's validate_answer_rrs (and _authority_, _additional_): regexes on each record's text. */
const rrValidator = z.strictObject({
  fail_if_matches_regexp: z.array(regexSchema).default([]),
  fail_if_all_match_regexp: z.array(regexSchema).default([]),
  fail_if_not_matches_regexp: z.array(regexSchema).default([]),
  fail_if_none_matches_regexp: z.array(regexSchema).default([]),
});
type RrValidator = z.output<typeof rrValidator>;

const settings = z.strictObject({
  record_type: z.enum(TYPE_NAMES).default('A'),
  /** host:port of the server to ask; the system's first resolver when unset. */
  server: hostPort.optional(),
  transport_protocol: z.enum(['udp', 'tcp']).default('udp'),
  recursion_desired: z.boolean().default(true),
  valid_rcodes: z.array(z.enum(RCODE_LIST)).min(1).default(['NOERROR']),
  /** Every value listed must be among the answers (MX as "<priority> <exchange>", TXT chunks joined). */
  expected_answers: z.array(z.string().min(1)).default([]),
  /** Fail when the answer section is empty. */
  require_answers: z.boolean().default(true),
  validate_answer_rrs: rrValidator.prefault({}),
  validate_authority_rrs: rrValidator.prefault({}),
  validate_additional_rrs: rrValidator.prefault({}),
  ...ipProtocolSettings,
});

const target = z.strictObject({ hostname: z.string().min(1) });

const HELP = {
  phase: 'Duration of DNS request by phase',
  answer: 'Returns number of entries in the answer resource record list',
  authority: 'Returns number of entries in the authority resource record list',
  additional: 'Returns number of entries in the additional resource record list',
  succeeded: 'Displays whether or not the query was executed successfully',
  serial: 'Returns the serial number of the zone',
};

/** An answer's data in the form expected_answers uses: MX as "<priority> <exchange>", TXT chunks joined. */
function answerText(record: DnsRecord): string {
  const data = record.data;
  if (
    record.type === RECORD_TYPES.MX ||
    record.type === RECORD_TYPES.CNAME ||
    record.type === RECORD_TYPES.NS
  ) {
    return data.replace(/\.$/, '');
  }
  if (record.type === RECORD_TYPES.TXT) {
    return [...data.matchAll(/"((?:[^"\\]|\\.)*)"/g)]
      .map((m) => (m[1] as string).replace(/\\(.)/g, '$1'))
      .join('');
  }
  return data;
}

/** blackbox's validRRs: which rule a section's records break, if any. */
function checkRecords(records: DnsRecord[], v: RrValidator, ctx: CheckContext): string | undefined {
  if (records.length === 0 && v.fail_if_not_matches_regexp.length > 0)
    return 'fail_if_not_matches_regexp specified but no RRs returned';
  if (records.length === 0 && v.fail_if_none_matches_regexp.length > 0)
    return 'fail_if_none_matches_regexp specified but no RRs returned';
  let allMatch = true;
  let anyMatch = false;
  for (const record of records) {
    ctx.log('Validating RR', { rr: record.text });
    for (const re of v.fail_if_matches_regexp)
      if (re.test(record.text)) return `at least one RR matched ${re}`;
    for (const re of v.fail_if_all_match_regexp) if (!re.test(record.text)) allMatch = false;
    for (const re of v.fail_if_not_matches_regexp)
      if (!re.test(record.text)) return `at least one RR did not match ${re}`;
    for (const re of v.fail_if_none_matches_regexp) if (re.test(record.text)) anyMatch = true;
  }
  if (v.fail_if_all_match_regexp.length > 0 && !allMatch) return 'not all RRs matched';
  if (v.fail_if_none_matches_regexp.length > 0 && !anyMatch) return 'none of the RRs matched';
  return undefined;
}

/** One exchange over UDP or TCP: resolves with the response and the request's round trip (seconds). */
function exchange(
  address: string,
  family: 4 | 6,
  port: number,
  query: Buffer,
  transport: 'udp' | 'tcp',
  ctx: CheckContext,
): Promise<Message> {
  const { series, signal } = ctx;
  const id = query.readUInt16BE(0);
  const started = performance.now();
  let requestStart = started;
  const connected = () => {
    requestStart = performance.now();
    series.set('probe_dns_duration_seconds', HELP.phase, (requestStart - started) / 1000, {
      phase: 'connect',
    });
  };
  // As miekg/dns's rtt: the request phase runs until the answer, or the timeout, whichever comes first.
  const requestDone = () =>
    series.set('probe_dns_duration_seconds', HELP.phase, (performance.now() - requestStart) / 1000, {
      phase: 'request',
    });
  return new Promise<Message>((resolve, reject) => {
    const finish = (err: Error | undefined, message?: Message) => {
      signal.removeEventListener('abort', onAbort);
      requestDone();
      close();
      if (err) reject(err);
      else resolve(message as Message);
    };
    const onAbort = () => finish(new Error('timeout'));
    signal.addEventListener('abort', onAbort, { once: true });
    let close: () => void;
    if (transport === 'udp') {
      const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
      close = () => socket.close();
      socket.on('error', (err) => finish(err));
      socket.on('message', (msg) => {
        if (msg.length < 2 || msg.readUInt16BE(0) !== id) return;
        try {
          finish(undefined, decodeMessage(msg));
        } catch (err) {
          finish(err as Error);
        }
      });
      socket.connect(port, address, () => {
        connected();
        socket.send(query);
      });
    } else {
      const socket = netConnect({ host: address, port });
      close = () => socket.destroy();
      let buffer = Buffer.alloc(0);
      socket.on('error', (err) => finish(err));
      socket.on('connect', () => {
        connected();
        const length = Buffer.alloc(2);
        length.writeUInt16BE(query.length);
        socket.write(Buffer.concat([length, query]));
      });
      socket.on('data', (chunk: Buffer) => {
        buffer = Buffer.concat([buffer, chunk]);
        if (buffer.length < 2 || buffer.length < 2 + buffer.readUInt16BE(0)) return;
        try {
          finish(undefined, decodeMessage(buffer.subarray(2, 2 + buffer.readUInt16BE(0))));
        } catch (err) {
          finish(err as Error);
        }
      });
      socket.on('end', () => finish(new Error('connection closed before the answer')));
    }
  });
}

/** The system's first resolver as host:port (what an unset `server` asks). */
function systemServer(): { host: string; port: number } {
  const first = getServers()[0];
  if (!first) throw new Error('no system resolver configured');
  const match = /^\[(.*)\]:(\d+)$/.exec(first);
  if (match) return { host: match[1] as string, port: Number(match[2]) };
  if (first.includes(':') && !first.includes('.')) return { host: first, port: 53 };
  const [host, port] = first.split(':') as [string, string?];
  return { host, port: port ? Number(port) : 53 };
}

export const dnsCheck = defineKind({
  kind: 'dns',
  settings,
  // The name to resolve, making ?target= the server to ask (blackbox's dns prober).
  moduleSettings: z.strictObject({ query_name: z.string().min(1).optional() }),
  target,
  parseTarget(text, moduleSettings) {
    if (moduleSettings.query_name !== undefined) {
      // blackbox's dns prober: the target is the server (port 53 unless given), the name is the module's.
      const { host, port } = splitHostPort(text, true);
      const server = `${host}:${port ?? 53}`;
      return {
        fields: { hostname: moduleSettings.query_name },
        host,
        port: port ?? 53,
        settings: { server },
      };
    }
    if (!/^[a-zA-Z0-9._-]+$/.test(text)) throw new Error(`target must be a hostname, got "${text}"`);
    return { fields: { hostname: text }, host: normalizeHost(text) };
  },
  async run(spec, ctx) {
    const { series, log } = ctx;
    for (const phase of ['resolve', 'connect', 'request'])
      series.set('probe_dns_duration_seconds', HELP.phase, 0, { phase });
    series.set('probe_dns_answer_rrs', HELP.answer, 0);
    series.set('probe_dns_authority_rrs', HELP.authority, 0);
    series.set('probe_dns_additional_rrs', HELP.additional, 0);
    series.set('probe_dns_query_succeeded', HELP.succeeded, 0);
    const server = spec.server ? splitHostPort(spec.server, true) : systemServer();
    const resolved = await resolveTarget(server.host, spec, ctx);
    series.set('probe_dns_duration_seconds', HELP.phase, resolved.lookupSeconds, { phase: 'resolve' });
    const port = server.port ?? 53;
    const type = RECORD_TYPES[spec.record_type];
    const query = encodeQuery(randomInt(0, 0x10000), spec.hostname, type, spec.recursion_desired);
    log('Making DNS query', {
      target: `${resolved.family === 6 ? `[${resolved.address}]` : resolved.address}:${port}`,
      dial_protocol: `${spec.transport_protocol}${resolved.family}`,
      query: spec.hostname,
      type,
      class: 1,
    });
    let response: Message;
    try {
      response = await exchange(resolved.address, resolved.family, port, query, spec.transport_protocol, ctx);
    } catch (err) {
      log('Error while sending a DNS query', { err: describeError(err, ctx.signal) }, 'error');
      return { success: false, message: describeError(err, ctx.signal) };
    }
    series.set('probe_dns_query_succeeded', HELP.succeeded, 1);
    series.set('probe_dns_answer_rrs', HELP.answer, response.answers.length);
    series.set('probe_dns_authority_rrs', HELP.authority, response.authorities.length);
    series.set('probe_dns_additional_rrs', HELP.additional, response.additionals.length);
    const rcode = RCODE_NAMES.get(response.rcode) ?? String(response.rcode);
    log('Got response', { rcode, answers: response.answers.map((a) => a.text).join('\n') });
    if (spec.record_type === 'SOA') {
      series.set('probe_dns_serial', HELP.serial, 0);
      for (const a of response.answers)
        if (a.serial !== undefined) series.set('probe_dns_serial', HELP.serial, a.serial);
    }
    if (!(spec.valid_rcodes as string[]).includes(rcode)) {
      log('Rcode is not one of the valid rcodes', { rcode: response.rcode, string_rcode: rcode }, 'error');
      return { success: false, message: `rcode ${rcode}` };
    }
    log('Rcode is valid', { rcode: response.rcode, string_rcode: rcode });
    const sections: [string, DnsRecord[], RrValidator][] = [
      ['Answer', response.answers, spec.validate_answer_rrs],
      ['Authority', response.authorities, spec.validate_authority_rrs],
      ['Additional', response.additionals, spec.validate_additional_rrs],
    ];
    for (const [name, records, validator] of sections) {
      log(`Validating ${name} RRs`);
      const problem = checkRecords(records, validator, ctx);
      if (problem) {
        log(`${name} RRs validation failed`, { reason: problem }, 'error');
        return { success: false, message: `${name.toLowerCase()} records: ${problem}` };
      }
    }
    const answers = response.answers
      .filter((a) => a.type === type || spec.record_type === 'ANY')
      .map(answerText);
    if (spec.require_answers && answers.length === 0) return { success: false, message: 'no answers' };
    const missing = spec.expected_answers.filter((want) => !answers.includes(want));
    if (missing.length > 0) return { success: false, message: `missing answers: ${missing.join(', ')}` };
    return { success: true };
  },
});
