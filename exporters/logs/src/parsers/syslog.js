"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.syslogParser = void 0;
exports.parseSyslog = parseSyslog;
exports.messageOf = messageOf;
const zod_1 = require("zod");
const kind_1 = require("./kind");
const SEVERITIES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];
const FACILITIES = [
    ...['kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp'],
    ...['ntp', 'security', 'console', 'solaris-cron', 'local0', 'local1', 'local2', 'local3', 'local4'],
    ...['local5', 'local6', 'local7'],
];
/** RFC 5424: <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]. */
const RFC5424 = /^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (-|(?:\[(?:[^\]"\\]|\\.|"(?:[^"\\]|\\.)*")*\])+)(?: (?:\uFEFF)?([\s\S]*))?$/;
/**
 * RFC 3164 as sent (<PRI> first) and as written to files by rsyslog/syslog-ng (no PRI, classic
 * "Mmm dd hh:mm:ss" or high-precision ISO timestamps): TIMESTAMP HOSTNAME TAG[PID]: MSG.
 */
const RFC3164 = /^(?:<(\d{1,3})>)?([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)) (\S+) ([^\s:[\]]+)(?:\[(\d+)\])?: ?([\s\S]*)$/;
function priorityFields(pri, into) {
    if (pri === undefined)
        return true;
    const n = Number(pri);
    if (n > 191)
        return false;
    into.facility = FACILITIES[n >> 3];
    into.severity = SEVERITIES[n & 7];
    into.level = into.severity;
    return true;
}
/**
 * Fields of a syslog line: timestamp, hostname, program, pid, message, and with a PRI facility, severity
 * and level (RFC 5424 adds msgid). Undefined for a line without a syslog header.
 */
function parseSyslog(line) {
    let m = RFC5424.exec(line);
    if (m) {
        const fields = { timestamp: m[2], message: m[8] ?? '' };
        if (!priorityFields(m[1], fields))
            return new kind_1.ParseError('bad_priority');
        const nil = (v) => v === undefined || v === '-';
        if (!nil(m[3]))
            fields.hostname = m[3];
        if (!nil(m[4]))
            fields.program = m[4];
        if (!nil(m[5]))
            fields.pid = m[5];
        if (!nil(m[6]))
            fields.msgid = m[6];
        return fields;
    }
    m = RFC3164.exec(line);
    if (m) {
        const fields = {
            timestamp: m[2],
            hostname: m[3],
            program: m[4],
            message: m[6],
        };
        if (m[5] !== undefined)
            fields.pid = m[5];
        if (!priorityFields(m[1], fields))
            return new kind_1.ParseError('bad_priority');
        return fields;
    }
    return line.startsWith('<') ? new kind_1.ParseError('bad_syslog_header') : undefined;
}
exports.syslogParser = {
    kind: 'syslog',
    settings: zod_1.z.strictObject({}),
    create: () => parseSyslog,
};
/**
 * The message of a line from one of `programs`: after its syslog header, or the whole line when it has
 * none (journalctl -o cat, or a program logging to its own file). Undefined for other programs' lines.
 */
function messageOf(line, programs) {
    const parsed = parseSyslog(line);
    if (parsed instanceof kind_1.ParseError)
        return undefined;
    if (parsed === undefined)
        return { header: {}, message: line };
    if (!programs.has(parsed.program ?? ''))
        return undefined;
    return { header: parsed, message: parsed.message };
}
//# sourceMappingURL=syslog.js.map