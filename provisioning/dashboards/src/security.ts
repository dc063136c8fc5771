import {
  UID,
  barGaugePanel,
  below,
  build,
  row,
  statPanel,
  tablePanel,
  timeseriesPanel,
  variable,
  vigilDashboard,
} from './common';

const S = 'source=~"$source"';
const SECURITY_ALERTS =
  'SSHBruteForce|SSHInvalidUserScan|SSHLoginAfterBruteForce|SudoAuthFailures|HTTPAuthFailureBurst|HTTPAttackScanning';

/** Top 10 client addresses by what they did over the range. */
const top = (metric: string, extra = '') =>
  `topk(10, sum by (client_ip) (increase(${metric}{${S}${extra}}[$__range])))`;

/**
 * The log exporter's security pack (exporters/logs README: Security pack): failed logins by source
 * address, brute-force and scanner detections (the alerts of rules/prometheus/logs.rules.yml), and
 * suspicious HTTP patterns.
 */
export function securityDashboard() {
  return build(
    vigilDashboard({
      uid: UID.security,
      title: 'Vigil / Security',
      description:
        "Failed logins by source, brute-force and scanner detections, suspicious HTTP patterns: the log exporter's security metrics.",
      range: '24h',
    })
      .withVariable(
        variable({
          name: 'source',
          label: 'Log source',
          query: 'label_values(logexporter_lines_read_total, source)',
          multi: true,
        }),
      )
      .withRow(row('Detections'))
      .withPanel(
        statPanel('Security alerts firing', {
          queries: [
            {
              expr: `count(ALERTS{alertstate="firing", alertname=~"${SECURITY_ALERTS}"}) or vector(0)`,
              instant: true,
            },
          ],
          thresholds: below(1),
          background: true,
          width: 6,
          height: 5,
        }),
      )
      .withPanel(
        tablePanel('Brute force and scanners now', {
          description:
            'Firing SSHBruteForce, SSHInvalidUserScan, HTTPAttackScanning and the other security alerts.',
          queries: [{ expr: `ALERTS{alertstate="firing", alertname=~"${SECURITY_ALERTS}"}` }],
          hide: ['alertstate', 'job'],
          width: 18,
          height: 5,
        }),
      )
      .withRow(row('Logins'))
      .withPanel(
        timeseriesPanel('Failed SSH logins', {
          queries: [
            {
              expr: `sum by (method) (rate(security_ssh_failed_logins_total{${S}}[$__rate_interval]))`,
              legend: 'failed {{method}}',
            },
            {
              expr: `sum(rate(security_ssh_invalid_users_total{${S}}[$__rate_interval]))`,
              legend: 'invalid user',
            },
            {
              expr: `sum(rate(security_ssh_accepted_logins_total{${S}}[$__rate_interval]))`,
              legend: 'accepted',
            },
          ],
          unit: 'ops',
          min: 0,
          width: 12,
        }),
      )
      .withPanel(
        barGaugePanel('Failed SSH logins by source address', {
          description: 'Over the time range; SSHBruteForce fires above 20 in 10 minutes.',
          queries: [
            { expr: top('security_ssh_failed_logins_total'), legend: '{{client_ip}}', instant: true },
          ],
          min: 0,
          width: 12,
        }),
      )
      .withPanel(
        timeseriesPanel('sudo failures', {
          queries: [
            {
              expr: `sum by (reason) (rate(security_sudo_auth_failures_total{${S}}[$__rate_interval]))`,
              legend: '{{reason}}',
            },
          ],
          unit: 'ops',
          min: 0,
          width: 12,
        }),
      )
      .withPanel(
        barGaugePanel('HTTP 401/403 by source address', {
          queries: [{ expr: top('security_http_auth_denied_total'), legend: '{{client_ip}}', instant: true }],
          min: 0,
          width: 12,
        }),
      )
      .withRow(row('HTTP attacks'))
      .withPanel(
        timeseriesPanel('Attacks by kind', {
          description: 'path traversal, SQL injection and scanner requests in access logs.',
          queries: [
            {
              expr: `sum by (attack) (rate(security_http_attacks_total{${S}}[$__rate_interval]))`,
              legend: '{{attack}}',
            },
          ],
          unit: 'reqps',
          min: 0,
          stack: true,
          width: 12,
        }),
      )
      .withPanel(
        barGaugePanel('Scanners by source address', {
          queries: [
            {
              expr: top('security_http_attacks_total', ', attack="scanner"'),
              legend: '{{client_ip}}',
              instant: true,
            },
          ],
          min: 0,
          width: 12,
        }),
      )
      .withPanel(
        barGaugePanel('Suspicious HTTP patterns', {
          description: 'Which patterns of src/security/http-patterns.ts matched, over the time range.',
          queries: [
            {
              expr: `topk(15, sum by (pattern) (increase(security_http_attack_patterns_total{${S}}[$__range])))`,
              legend: '{{pattern}}',
              instant: true,
            },
          ],
          min: 0,
          width: 24,
        }),
      ),
  );
}
