import { Counter, type Registry } from 'prom-client';
import { CappedMetric } from '../capped';
import type { Config } from '../config';
import { RecentMap } from '../limiter';
import type { Fields } from '../parsers/kind';
import { classify } from './classify';

/** A login from an address after this many failed logins in a row from it is counted apart. */
const LOGIN_AFTER_FAILURES = 20;
/** A run of failed logins from an address is forgotten this long after its last failure. */
const FAILURE_RUN_IDLE_MS = 30 * 60_000;
/** Addresses whose runs are kept (2.5 MB with IPv6 addresses); the least recently failing make room first. */
const MAX_FAILURE_RUNS = 10_000;

/**
 * The security pack's counters. Label values from logs (client_ip, user, method) are capped per metric;
 * source and the other labels come from the config or fixed sets.
 */
function createCounters(config: Config['security'], overflow: Counter<string>) {
  const ip = { name: 'client_ip', max: config.max_client_ips };
  const source = { name: 'source', max: Infinity };
  const fixed = (name: string) => ({ name, max: Infinity });
  const counter = (name: string, help: string, labels: { name: string; max: number }[]) =>
    new CappedMetric(
      new Counter({ name, help, labelNames: labels.map((l) => l.name), registers: [] }),
      name,
      labels,
      overflow,
    );
  const sshFailed = counter(
    'security_ssh_failed_logins_total',
    'Failed sshd authentications ("Failed <method> for [invalid user] <user> from <client_ip>").',
    [source, ip, { name: 'method', max: 10 }],
  );
  const sshInvalid = counter(
    'security_ssh_invalid_users_total',
    'sshd connections naming a user that does not exist ("Invalid user <user> from <client_ip>").',
    [source, ip],
  );
  const sshAccepted = counter(
    'security_ssh_accepted_logins_total',
    'Successful sshd logins ("Accepted <method> for <user> from <client_ip>").',
    [source, ip, { name: 'method', max: 10 }],
  );
  const sshAfterFailures = counter(
    'security_ssh_logins_after_failures_total',
    `Successful sshd logins ending a run of at least ${LOGIN_AFTER_FAILURES} failed logins from the same address (each within ${FAILURE_RUN_IDLE_MS / 60_000} minutes of the previous): a brute force that may have worked.`,
    [source, ip, { name: 'method', max: 10 }],
  );
  const sudoFailures = counter(
    'security_sudo_auth_failures_total',
    'sudo failures: wrong password (pam_unix auth failure), user not in sudoers, command not allowed.',
    [source, { name: 'user', max: config.max_users }, fixed('reason')],
  );
  const httpDenied = counter(
    'security_http_auth_denied_total',
    'Access-log requests answered 401 or 403; bursts per client_ip suggest credential or path guessing.',
    [source, ip, fixed('status')],
  );
  const httpAttacks = counter(
    'security_http_attacks_total',
    'Access-log requests matching a known attack pattern, once per attack family (path_traversal, sql_injection, scanner) per request.',
    [source, ip, fixed('attack')],
  );
  const httpPatterns = counter(
    'security_http_attack_patterns_total',
    'Access-log requests matching each known attack pattern (one request can match several).',
    [source, fixed('pattern')],
  );

  return {
    sshFailed,
    sshInvalid,
    sshAccepted,
    sshAfterFailures,
    sudoFailures,
    httpDenied,
    httpAttacks,
    httpPatterns,
  };
}

type SecurityCounters = ReturnType<typeof createCounters>;

/**
 * The security pack over the configured sources. `previous` is the pack before a reload: its counters, and
 * their values, are carried on unless a label cap (max_client_ips, max_users) changed; its runs of failed
 * logins always are. `now` is a monotonic clock in milliseconds (tests move their own).
 *
 * The runs are how a login after a brute force is found whatever the labels: the failures of an address
 * past the client_ip cap are counted under "other", so no query could join them with its login.
 */
export function createSecurityPack(
  config: Config['security'],
  registry: Registry,
  overflow: Counter<string>,
  previous?: { caps: string; counters: SecurityCounters; failureRuns: RecentMap<number> },
  now: () => number = () => performance.now(),
) {
  const caps = JSON.stringify([config.max_client_ips, config.max_users]);
  const counters = previous && previous.caps === caps ? previous.counters : createCounters(config, overflow);
  for (const c of Object.values(counters)) registry.registerMetric(c.metric);
  // Failed logins in a row per source and address.
  const failureRuns =
    previous?.failureRuns ?? new RecentMap<number>(MAX_FAILURE_RUNS, FAILURE_RUN_IDLE_MS, now);
  const sources = new Set(config.sources);
  return {
    caps,
    counters,
    failureRuns,
    /** Whether the pack reads this source's lines. */
    reads: (name: string) => config.enabled && (sources.size === 0 || sources.has(name)),
    observe(sourceName: string, fields: Fields) {
      const families = new Set<string>();
      for (const f of classify(fields)) {
        switch (f.kind) {
          case 'ssh_failed_login': {
            counters.sshFailed.child([sourceName, f.clientIp, f.method]).inc(f.count);
            const run = `${sourceName}\u0000${f.clientIp}`;
            failureRuns.set(run, (failureRuns.get(run) ?? 0) + f.count);
            break;
          }
          case 'ssh_invalid_user':
            counters.sshInvalid.child([sourceName, f.clientIp]).inc(f.count);
            break;
          case 'ssh_accepted_login': {
            counters.sshAccepted.child([sourceName, f.clientIp, f.method]).inc(f.count);
            // The login ends the run: later logins from the address count only after new failures.
            const run = `${sourceName}\u0000${f.clientIp}`;
            if ((failureRuns.get(run) ?? 0) >= LOGIN_AFTER_FAILURES)
              counters.sshAfterFailures.child([sourceName, f.clientIp, f.method]).inc();
            failureRuns.delete(run);
            break;
          }
          case 'sudo_auth_failure':
            counters.sudoFailures.child([sourceName, f.user, f.reason]).inc(f.count);
            break;
          case 'http_auth_denied':
            counters.httpDenied.child([sourceName, f.clientIp, f.status]).inc();
            break;
          case 'http_attack':
            counters.httpPatterns.child([sourceName, f.pattern]).inc();
            if (!families.has(f.attack)) counters.httpAttacks.child([sourceName, f.clientIp, f.attack]).inc();
            families.add(f.attack);
            break;
        }
      }
    },
  };
}

export type SecurityPack = ReturnType<typeof createSecurityPack>;
