import type { Fields } from '../parsers/kind';
import { matchHttpPatterns, type HttpAttack } from './http-patterns';

/** A security event found in one parsed line. */
export type Finding =
  | { kind: 'ssh_failed_login'; clientIp: string; method: string; count: number }
  | { kind: 'ssh_invalid_user'; clientIp: string; count: number }
  | { kind: 'ssh_accepted_login'; clientIp: string; method: string; count: number }
  | {
      kind: 'sudo_auth_failure';
      user: string;
      reason: 'auth_failure' | 'not_in_sudoers' | 'command_not_allowed';
      count: number;
    }
  | { kind: 'http_auth_denied'; clientIp: string; status: string }
  | { kind: 'http_attack'; clientIp: string; attack: HttpAttack; pattern: string };

/** Accepted logins are counted (a login after a burst of failures matters) but are no threat by themselves. */
export function isThreat(finding: Finding): boolean {
  return finding.kind !== 'ssh_accepted_login';
}

/** A finding as the labelled corpus spells it: its kind, and for HTTP attacks `attack/pattern`. */
export function findingId(f: Finding): string {
  return f.kind === 'http_attack' ? `${f.attack}/${f.pattern}` : f.kind;
}

const SUDO_FAILURES = new Set(['auth_failure', 'not_in_sudoers', 'command_not_allowed']);

/**
 * The security events of a line, from the fields of the sshd, sudo and combined parsers (or any parser
 * giving `status` and `path`/`request`, with `client_ip` or `remote_addr`).
 *
 * sudo's "N incorrect password attempts" summary counts N−1 authentication failures: pam_unix logs only
 * the first failure of a PAM handle, and sudo asks again on the same handle (seen with sudo 1.9.13 and
 * Linux-PAM on Debian: three wrong passwords, one pam_unix line and "3 incorrect password attempts").
 */
export function classify(fields: Fields): Finding[] {
  // rsyslog's "message repeated N times: [ … ]" stands for N lines (the parsers cap N).
  const count = Number(fields.repeat ?? '1');
  const ssh = fields.ssh_event;
  if (ssh !== undefined) {
    const clientIp = fields.client_ip ?? '';
    const method = fields.method ?? '';
    if (ssh === 'failed_login') return [{ kind: 'ssh_failed_login', clientIp, method, count }];
    if (ssh === 'invalid_user') return [{ kind: 'ssh_invalid_user', clientIp, count }];
    if (ssh === 'accepted_login') return [{ kind: 'ssh_accepted_login', clientIp, method, count }];
    return [];
  }
  const sudo = fields.sudo_event;
  if (sudo !== undefined) {
    const user = fields.user ?? '';
    if (sudo === 'incorrect_password') {
      const more = (Number(fields.attempts ?? '1') - 1) * count;
      return more > 0 ? [{ kind: 'sudo_auth_failure', user, reason: 'auth_failure', count: more }] : [];
    }
    if (!SUDO_FAILURES.has(sudo)) return [];
    const reason = sudo as 'auth_failure' | 'not_in_sudoers' | 'command_not_allowed';
    return [{ kind: 'sudo_auth_failure', user, reason, count }];
  }
  const status = fields.status;
  const target = fields.path ?? fields.request;
  if (status === undefined || target === undefined) return [];
  const clientIp = fields.client_ip ?? fields.remote_addr ?? '';
  const findings: Finding[] = [];
  if (status === '401' || status === '403') findings.push({ kind: 'http_auth_denied', clientIp, status });
  for (const p of matchHttpPatterns(target, fields.user_agent ?? '')) {
    findings.push({ kind: 'http_attack', clientIp, attack: p.attack, pattern: p.name });
  }
  return findings;
}
