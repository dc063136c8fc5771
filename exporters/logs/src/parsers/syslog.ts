import { z } from 'zod';
import { ParseError, type Fields, type ParserKind } from './kind';

const SEVERITIES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];
const FACILITIES = [
  ...['kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp'],
  ...['ntp', 'security', 'console', 'solaris-cron', 'local0', 'local1', 'local2', 'local3', 'local4'],
  ...['local5', 'local6', 'local7'],
];

/** RFC 5424: <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]. */
const RFC5424 =
  /^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (-|(?:\[(?:[^\]"\\]|\\.|"(?:[^"\\]|\\.)*")*\])+)(?: (?:\uFEFF)?([\s\S]*))?$/;
/**
 * RFC 3164 as sent (<PRI> first) and as written to files by rsyslog/syslog-ng (no PRI): TIMESTAMP HOSTNAME
 * TAG[PID]: MSG. The timestamp: classic "Mmm dd hh:mm:ss", with a fraction as journalctl -o short-precise
 * writes it; ISO with a zone (rsyslog high precision, journalctl -o short-iso); or "yyyy-mm-dd hh:mm:ss",
 * after a weekday and before a zone as journalctl -o short-full writes it ("Fri 2024-01-05 10:00:00 CET").
 */
const TIMESTAMP = [
  /[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?/,
  /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)/,
  /(?:[A-Z][a-z]{2} )?\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?: [A-Z][A-Za-z]{1,4}| [+-]\d\d(?::?\d\d)?)?/,
]
  .map((re) => re.source)
  .join('|');
const RFC3164 = new RegExp(
  String.raw`^(?:<(\d{1,3})>)?(${TIMESTAMP}) (\S+) ([^\s:[\]]+)(?:\[(\d+)\])?: ?([\s\S]*)$`,
);

function priorityFields(pri: string | undefined, into: Fields): boolean {
  if (pri === undefined) return true;
  const n = Number(pri);
  if (n > 191) return false;
  into.facility = FACILITIES[n >> 3] as string;
  into.severity = SEVERITIES[n & 7] as string;
  into.level = into.severity;
  return true;
}

/**
 * Fields of a syslog line: timestamp, hostname, program, pid, message, and with a PRI facility, severity
 * and level (RFC 5424 adds msgid). Undefined for a line without a syslog header.
 */
export function parseSyslog(line: string): Fields | undefined | ParseError {
  let m = RFC5424.exec(line);
  if (m) {
    const fields: Fields = { timestamp: m[2] as string, message: m[8] ?? '' };
    if (!priorityFields(m[1], fields)) return new ParseError('bad_priority');
    const nil = (v: string | undefined) => v === undefined || v === '-';
    if (!nil(m[3])) fields.hostname = m[3] as string;
    if (!nil(m[4])) fields.program = m[4] as string;
    if (!nil(m[5])) fields.pid = m[5] as string;
    if (!nil(m[6])) fields.msgid = m[6] as string;
    return fields;
  }
  m = RFC3164.exec(line);
  if (m) {
    const fields: Fields = {
      timestamp: m[2] as string,
      hostname: m[3] as string,
      program: m[4] as string,
      message: m[6] as string,
    };
    if (m[5] !== undefined) fields.pid = m[5];
    if (!priorityFields(m[1], fields)) return new ParseError('bad_priority');
    return fields;
  }
  return line.startsWith('<') ? new ParseError('bad_syslog_header') : undefined;
}

export const syslogParser: ParserKind = {
  kind: 'syslog',
  settings: z.strictObject({}),
  create: () => parseSyslog,
};

/**
 * The message of a line from one of `programs`: after its syslog header, or the whole line when it has
 * none (journalctl -o cat, or a program logging to its own file). Undefined for other programs' lines.
 */
export function messageOf(
  line: string,
  programs: Set<string>,
): { header: Fields; message: string } | undefined {
  const parsed = parseSyslog(line);
  if (parsed instanceof ParseError) return undefined;
  if (parsed === undefined) return { header: {}, message: line };
  if (!programs.has(parsed.program ?? '')) return undefined;
  return { header: parsed, message: parsed.message as string };
}
