import { z } from 'zod';
import { RecentMap } from '../limiter';
import type { Fields, ParserKind } from './kind';
import { parseProgramLine } from './program';

/** OpenSSH 9.8 moved per-connection logging to sshd-session. */
const PROGRAMS = new Set(['sshd', 'sshd-session']);
/**
 * The address is taken from the end of the line, so a user name containing " from 1.2.3.4 port 1" (a
 * known log-injection trick) cannot put a forged address in its place.
 */
const TAIL = 'from (?<ip>\\S+)(?: port (?<port>\\d+))?(?: ssh\\d)?(?:: .*)?(?: \\[preauth\\])?$';
/**
 * `ends`: the end of a connection that did not log in. On a key-only server a bot that tries passwords
 * leaves only such a line (sshd does not log methods it has turned off), so it counts as a failed login
 * with method "none", unless the connection already logged a failure (Failed, Invalid user), which
 * would count it twice.
 */
const EVENTS: { event: string; re: RegExp; ends?: true }[] = [
  {
    event: 'failed_login',
    re: new RegExp(`^Failed (?<method>\\S+) for (?<invalid>invalid user )?(?<user>.*) ${TAIL}`),
  },
  { event: 'invalid_user', re: new RegExp(`^Invalid user (?<user>.*) ${TAIL}`) },
  { event: 'accepted_login', re: new RegExp(`^Accepted (?<method>\\S+) for (?<user>.*) ${TAIL}`) },
  {
    event: 'failed_login',
    ends: true,
    re: new RegExp(
      `^(?:error: )?maximum authentication attempts exceeded for (?<invalid>invalid user )?(?<user>.*) ${TAIL}`,
    ),
  },
  {
    event: 'failed_login',
    ends: true,
    // No "from" here; the address is still the end of the line.
    re: /^(?:Connection (?:closed|reset) by|Disconnected from) (?:authenticating|(?<invalid>invalid)) user (?<user>.*) (?<ip>\S+) port (?<port>\d+)(?: \[preauth\])?$/,
  },
];
/** sshd drops a connection not logged in after LoginGraceTime (2 minutes by default). */
const CONNECTION_IDLE_MS = 10 * 60_000;
const MAX_CONNECTIONS = 10_000;

function eventFields(event: string, g: Record<string, string | undefined>): Fields {
  const fields: Fields = { ssh_event: event, user: g.user as string, client_ip: g.ip as string };
  if (event !== 'invalid_user') fields.method = g.method ?? 'none';
  if (event === 'failed_login') fields.invalid_user = g.invalid ? 'true' : 'false';
  return fields;
}

/**
 * OpenSSH server lines (auth.log, secure, or sshd's syslog messages): `ssh_event` is failed_login,
 * invalid_user or accepted_login with user, client_ip and method; `repeat` is how many lines this one
 * stands for. Other sshd lines parse with the syslog fields only; other programs' lines do not match.
 */
export const sshdParser: ParserKind = {
  kind: 'sshd',
  settings: z.strictObject({}),
  create: () => {
    // Connections (host, address, port) that have had an event counted.
    const seen = new RecentMap<true>(MAX_CONNECTIONS, CONNECTION_IDLE_MS, Date.now);
    return (line) =>
      parseProgramLine(line, PROGRAMS, (message, header) => {
        for (const { event, re, ends } of EVENTS) {
          const g = re.exec(message)?.groups;
          if (!g) continue;
          const connection = `${header.hostname ?? ''} ${g.ip} ${g.port ?? ''}`;
          const counted = seen.get(connection);
          seen.set(connection, true);
          return ends && counted ? undefined : eventFields(event, g);
        }
        return undefined;
      });
  },
};
