import { css } from '@emotion/css';
import { useSearchParams } from 'react-router-dom-v5-compat';
import type { GrafanaTheme2, TimeRange } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { useState } from 'react';
import {
  Alert,
  Field,
  Input,
  LinkButton,
  LoadingPlaceholder,
  TimeRangePicker,
  useStyles2,
  useTheme2,
} from '@grafana/ui';
import { apiUrl, DOWNLOAD, vigil } from '../../api/client';
import { useApi } from '../../api/useApi';
import { ROUTES } from '../../constants';
import { formatPercent, formatSeconds, plural } from '../../format';
import { testIds } from '../../testIds';
import type { SlaReport } from '../../types';
import { Bars } from './Bars';
import { readRange, shiftRange, writeRange } from './timeRange';

/** The incident list of every status, filtered as given: where a bar drills down to. */
function incidentsOf(filter: { service?: string; severity?: string; team: string }): string {
  const query = new URLSearchParams({ status: 'all' });
  for (const [key, value] of Object.entries(filter)) if (value) query.set(key, value);
  return `${ROUTES.incidents}?${query}`;
}

/** A change beside the previous period: "+5", "−1m 30s", "" when either period had nothing. */
function change(delta: number | null, format: (value: number) => string): string {
  if (delta === null) return '';
  return `${delta < 0 ? '−' : '+'}${format(Math.abs(delta))} vs previous period`;
}

const points = (ratio: number) => `${(ratio * 100).toFixed(1)} pts`;

/**
 * MTTA, MTTR, SLA attainment, SLO error budget consumed and the noisiest alerts over the time picker's range
 * (GET /api/v1/reports/sla), each beside the previous period; bars drill down into the incident list.
 */
export function ReportsPage() {
  const s = useStyles2(getStyles);
  const theme = useTheme2();
  const [params, setParams] = useSearchParams();
  const range = readRange(params);
  const team = params.get('team') ?? '';
  const [teamText, setTeamText] = useState(team);
  // Keyed by the range as written ("now-30d"): resolved, a relative range changes at every render.
  const written = writeRange(range);
  const report = useApi(`sla:${written.from}:${written.to}:${team}`, () =>
    vigil<SlaReport>('/reports/sla', {
      params: { from: range.from.toISOString(), to: range.to.toISOString(), team },
    }),
  );
  const r = report.data;
  const show = (change: { range?: TimeRange; team?: string }) => {
    const next = { team, ...change };
    const query: Record<string, string> = writeRange(change.range ?? range);
    if (next.team.trim()) query.team = next.team.trim();
    setParams(query, { replace: true });
  };
  const budgetColor = (consumed: number | null) =>
    theme.visualization.getColorByName(
      consumed === null ? 'gray' : consumed >= 1 ? 'red' : consumed >= 0.75 ? 'orange' : 'green',
    );

  return (
    <PluginPage>
      <div className={s.page} data-testid={testIds.reports.page}>
        <form
          className={s.controls}
          onSubmit={(e) => {
            e.preventDefault();
            show({ team: teamText });
          }}
        >
          <Field label="Period">
            <TimeRangePicker
              value={range}
              onChange={(next) => show({ range: next })}
              onChangeTimeZone={() => undefined}
              onMoveBackward={() => show({ range: shiftRange(range, 'back') })}
              onMoveForward={() => show({ range: shiftRange(range, 'forward') })}
              onZoom={() => show({ range: shiftRange(range, 'zoom') })}
            />
          </Field>
          <Field label="Team" description="Enter to apply; empty for all teams">
            <Input
              id="vigil-reports-team"
              value={teamText}
              placeholder="all"
              width={20}
              onChange={(e) => setTeamText(e.currentTarget.value)}
              onBlur={() => show({ team: teamText })}
            />
          </Field>
        </form>
        {r && (
          <div>
            {/* The period the report shown covers, so the file holds the same figures. */}
            <LinkButton
              href={apiUrl('/reports/sla.csv', { from: r.from, to: r.to, team })}
              {...DOWNLOAD}
              icon="download-alt"
              variant="secondary"
              size="sm"
              data-testid={testIds.reports.csv}
            >
              Export CSV
            </LinkButton>
          </div>
        )}
        {report.error && <Alert title="Could not load the report">{report.error.message}</Alert>}
        {!r && !report.error && <LoadingPlaceholder text="Loading report…" />}
        {r && (
          <>
            <div className={s.stats}>
              <Stat
                label="Incidents"
                value={String(r.incidents.total)}
                change={change(r.comparison.incidents.delta, String)}
              />
              <Stat
                label="MTTA (mean time to acknowledge)"
                value={formatSeconds(r.mtta_seconds)}
                change={change(r.comparison.mtta_seconds.delta, formatSeconds)}
              />
              <Stat
                label="MTTR (mean time to resolve)"
                value={formatSeconds(r.mttr_seconds)}
                change={change(r.comparison.mttr_seconds.delta, formatSeconds)}
              />
            </div>

            <section aria-label="SLO error budget consumed">
              <h3>SLO error budget consumed</h3>
              {r.slo.status === 'unavailable' && (
                <Alert severity="warning" title="Prometheus could not be queried">
                  {r.slo.error}
                </Alert>
              )}
              {r.slo.status === 'not_configured' && (
                <p>No Prometheus is configured for SLOs (alert-webhook&apos;s reports.prometheus).</p>
              )}
              {r.slo.status === 'ok' && r.slo.objectives.length === 0 && (
                <p>Prometheus has no SLO recording rules (generated by rules/).</p>
              )}
              {r.slo.objectives.length > 0 && (
                <Bars
                  label="Error budget consumed by SLO"
                  max={Math.max(1, ...r.slo.objectives.map((o) => o.budget_consumed ?? 0))}
                  bars={r.slo.objectives.map((o) => {
                    const before = r.comparison.slo.find((c) => c.service === o.service && c.slo === o.slo);
                    return {
                      label: `${o.service} ${o.slo}`,
                      value: o.budget_consumed,
                      text: formatPercent(o.budget_consumed),
                      detail: [
                        `objective ${+(o.objective * 100).toFixed(3)}%`,
                        before && change(before.budget_consumed.delta, points),
                      ]
                        .filter(Boolean)
                        .join(', '),
                      color: budgetColor(o.budget_consumed),
                      href: incidentsOf({ service: o.service, team }),
                    };
                  })}
                />
              )}
            </section>

            <section aria-label="SLA attainment">
              <h3>SLA attainment</h3>
              {r.sla.length === 0 ? (
                <p>No acknowledgement targets are configured.</p>
              ) : (
                <Bars
                  label="SLA attainment by severity"
                  max={1}
                  bars={r.sla.map((row) => {
                    const before = r.comparison.sla.find((c) => c.severity === row.severity);
                    return {
                      label: `${row.severity} (ack within ${formatSeconds(row.ack_within_seconds)})`,
                      value: row.attainment,
                      text: `${formatPercent(row.attainment)} (${row.met}/${row.incidents})`,
                      detail: before && change(before.attainment.delta, points),
                      href: incidentsOf({ severity: row.severity, team }),
                    };
                  })}
                />
              )}
            </section>

            <section aria-label="Per day" className={s.charts}>
              {(
                [
                  ['Incidents opened per day', (d) => d.opened, String, theme.colors.primary.main],
                  ['MTTA per day', (d) => d.mtta_seconds, formatSeconds, theme.colors.warning.main],
                  ['MTTR per day', (d) => d.mttr_seconds, formatSeconds, theme.colors.success.main],
                ] as Array<
                  [string, (d: SlaReport['by_day'][number]) => number | null, (n: number) => string, string]
                >
              ).map(([title, pick, format, color]) => (
                <figure key={title} className={s.figure}>
                  <figcaption>{title}</figcaption>
                  <Bars
                    label={title}
                    orientation="vertical"
                    bars={r.by_day.map((d) => {
                      const value = pick(d);
                      return { label: d.date, value, text: value === null ? 'none' : format(value), color };
                    })}
                  />
                </figure>
              ))}
            </section>

            <section aria-label="Noisiest alerts">
              <h3>Noisiest alerts</h3>
              {r.noisiest_alerts.length === 0 ? (
                <p>No alerts in this period.</p>
              ) : (
                <Bars
                  label="Noisiest alerts by occurrences"
                  bars={r.noisiest_alerts.map((a) => ({
                    label: `${a.alertname} · ${a.service}`,
                    value: a.occurrences,
                    text: `${plural(a.occurrences, 'occurrence')}, ${plural(a.incidents, 'incident')}`,
                    href: incidentsOf({ service: a.service, team }),
                  }))}
                />
              )}
            </section>

            <section aria-label="Incidents by severity and service" className={s.split}>
              <div>
                <h3>By severity</h3>
                <Bars
                  label="Incidents by severity"
                  bars={counts(r.incidents.by_severity, (severity) => incidentsOf({ severity, team }))}
                />
              </div>
              <div>
                <h3>By service</h3>
                <Bars
                  label="Incidents by service"
                  // "none" counts the incidents without a service, which the list cannot select.
                  bars={counts(r.incidents.by_service, (service) =>
                    service === 'none' ? undefined : incidentsOf({ service, team }),
                  )}
                />
              </div>
            </section>
          </>
        )}
      </div>
    </PluginPage>
  );
}

const counts = (byKey: Record<string, number>, href: (key: string) => string | undefined) =>
  Object.entries(byKey)
    .sort(([, a], [, b]) => b - a)
    .map(([label, value]) => ({ label, value, text: String(value), href: href(label) }));

function Stat({ label, value, change }: { label: string; value: string; change: string }) {
  const s = useStyles2(getStyles);
  return (
    <div className={s.stat} role="group" aria-label={label}>
      <div className={s.statLabel}>{label}</div>
      <div className={s.statValue}>{value}</div>
      {change && <div className={s.statLabel}>{change}</div>}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ display: 'grid', gap: theme.spacing(3), minWidth: 0 }),
  controls: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(0, 2) }),
  stats: css({
    display: 'grid',
    gap: theme.spacing(2),
    gridTemplateColumns: 'repeat(auto-fit, minmax(min(100%, 12rem), 1fr))',
  }),
  stat: css({
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(2),
  }),
  statLabel: css({ color: theme.colors.text.secondary }),
  statValue: css({ fontSize: theme.typography.h2.fontSize }),
  charts: css({
    display: 'grid',
    gap: theme.spacing(2),
    gridTemplateColumns: 'repeat(auto-fit, minmax(min(100%, 18rem), 1fr))',
  }),
  figure: css({ margin: 0, minWidth: 0 }),
  split: css({
    display: 'grid',
    gap: theme.spacing(2),
    gridTemplateColumns: 'repeat(auto-fit, minmax(min(100%, 18rem), 1fr))',
  }),
});

export default ReportsPage;
