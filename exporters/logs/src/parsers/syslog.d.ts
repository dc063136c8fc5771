import { ParseError, type Fields, type ParserKind } from './kind';
/**
 * Fields of a syslog line: timestamp, hostname, program, pid, message, and with a PRI facility, severity
 * and level (RFC 5424 adds msgid). Undefined for a line without a syslog header.
 */
export declare function parseSyslog(line: string): Fields | undefined | ParseError;
export declare const syslogParser: ParserKind;
/**
 * The message of a line from one of `programs`: after its syslog header, or the whole line when it has
 * none (journalctl -o cat, or a program logging to its own file). Undefined for other programs' lines.
 */
export declare function messageOf(line: string, programs: Set<string>): {
    header: Fields;
    message: string;
} | undefined;
