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
 * sudo's "N incorrect password attempts" summary is not counted: pam_unix already logged each of those
 * attempts as an authentication failure, and counting both would double them.
 */
export function classify(fields: Fields): Finding[] {
  const ssh = fields.ssh_event;
  if (ssh !== undefined) {
    const clientIp = fields.client_ip ?? '';
    const count = Number(fields.repeat ?? '1');
    const method = fields.method ?? '';
    if (ssh === 'failed_login') return [{ kind: 'ssh_failed_login', clientIp, method, count }];
    if (ssh === 'invalid_user') return [{ kind: 'ssh_invalid_user', clientIp, count }];
    if (ssh === 'accepted_login') return [{ kind: 'ssh_accepted_login', clientIp, method, count }];
    return [];
  }
  const sudo = fields.sudo_event;
  if (sudo !== undefined) {
    if (!SUDO_FAILURES.has(sudo)) return [];
    const reason = sudo as 'auth_failure' | 'not_in_sudoers' | 'command_not_allowed';
    return [{ kind: 'sudo_auth_failure', user: fields.user ?? '', reason }];
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
