import { css } from '@emotion/css';
import { useSearchParams } from 'react-router-dom-v5-compat';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { useState } from 'react';
import {
  Alert,
  Field,
  Input,
  LinkButton,
  LoadingPlaceholder,
  RadioButtonGroup,
  useStyles2,
  useTheme2,
} from '@grafana/ui';
import { apiUrl, vigil } from '../../api/client';
import { useApi } from '../../api/useApi';
import { formatPercent, formatSeconds, plural } from '../../format';
import { testIds } from '../../testIds';
import type { SlaReport } from '../../types';
import { ColumnChart } from '../ColumnChart/ColumnChart';
import { HorizontalBars } from '../HorizontalBars/HorizontalBars';

const DAY = 86_400_000;
const RANGES = [
  { label: 'Last 7 days', value: '7' },
  { label: 'Last 30 days', value: '30' },
  { label: 'Last 90 days', value: '90' },
];
const DEFAULT_RANGE = '30';

/** MTTA, MTTR, SLA attainment per severity and the noisiest alerts over a period (GET /api/v1/reports/sla). */
export function ReportsPage() {
  const s = useStyles2(getStyles);
  const theme = useTheme2();
  const [params, setParams] = useSearchParams();
  const range = RANGES.find((r) => r.value === params.get('days'))?.value ?? DEFAULT_RANGE;
  const team = params.get('team') ?? '';
  const [teamText, setTeamText] = useState(team);
  const report = useApi(`sla:${range}:${team}`, () => {
    const to = Date.now();
    return vigil<SlaReport>('/reports/sla', {
      params: {
        from: new Date(to - Number(range) * DAY).toISOString(),
        to: new Date(to).toISOString(),
        team,
      },
    });
  });
  const r = report.data;
  const show = (change: { days?: string; team?: string }) => {
    const next = { days: range, team, ...change };
    const query: Record<string, string> = {};
    if (next.days !== DEFAULT_RANGE) query.days = next.days;
    if (next.team.trim()) query.team = next.team.trim();
    setParams(query, { replace: true });
  };

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
            <RadioButtonGroup
              aria-label="Period"
              options={RANGES}
              value={range}
              onChange={(days) => show({ days })}
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
              download
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
              <Stat label="Incidents" value={String(r.incidents.total)} />
              <Stat label="MTTA (mean time to acknowledge)" value={formatSeconds(r.mtta_seconds)} />
              <Stat label="MTTR (mean time to resolve)" value={formatSeconds(r.mttr_seconds)} />
            </div>

            <section aria-label="SLA attainment">
              <h3>SLA attainment</h3>
              {r.sla.length === 0 ? (
                <p>No acknowledgement targets are configured.</p>
              ) : (
                <HorizontalBars
                  label="SLA attainment by severity"
                  max={1}
                  bars={r.sla.map((row) => ({
                    label: `${row.severity} (ack within ${formatSeconds(row.ack_within_seconds)})`,
                    value: row.attainment ?? 0,
                    text: `${formatPercent(row.attainment)} (${row.met}/${row.incidents})`,
                  }))}
                />
              )}
            </section>

            <section aria-label="Per day" className={s.charts}>
              <ColumnChart
                title="Incidents opened per day"
                points={r.by_day.map((d) => ({ label: d.date, value: d.opened }))}
                format={(n) => String(n)}
              />
              <ColumnChart
                title="MTTA per day"
                points={r.by_day.map((d) => ({ label: d.date, value: d.mtta_seconds }))}
                format={formatSeconds}
                color={theme.colors.warning.main}
              />
              <ColumnChart
                title="MTTR per day"
                points={r.by_day.map((d) => ({ label: d.date, value: d.mttr_seconds }))}
                format={formatSeconds}
                color={theme.colors.success.main}
              />
            </section>

            <section aria-label="Noisiest alerts">
              <h3>Noisiest alerts</h3>
              {r.noisiest_alerts.length === 0 ? (
                <p>No alerts in this period.</p>
              ) : (
                <HorizontalBars
                  label="Noisiest alerts by occurrences"
                  bars={r.noisiest_alerts.map((a) => ({
                    label: `${a.alertname} · ${a.service}`,
                    value: a.occurrences,
                    text: `${plural(a.occurrences, 'occurrence')}, ${plural(a.incidents, 'incident')}`,
                  }))}
                />
              )}
            </section>

            <section aria-label="Incidents by severity and service" className={s.split}>
              <div>
                <h3>By severity</h3>
                <HorizontalBars label="Incidents by severity" bars={counts(r.incidents.by_severity)} />
              </div>
              <div>
                <h3>By service</h3>
                <HorizontalBars label="Incidents by service" bars={counts(r.incidents.by_service)} />
              </div>
            </section>
          </>
        )}
      </div>
    </PluginPage>
  );
}

const counts = (byKey: Record<string, number>) =>
  Object.entries(byKey)
    .sort(([, a], [, b]) => b - a)
    .map(([label, value]) => ({ label, value, text: String(value) }));

function Stat({ label, value }: { label: string; value: string }) {
  const s = useStyles2(getStyles);
  return (
    <div className={s.stat} role="group" aria-label={label}>
      <div className={s.statLabel}>{label}</div>
      <div className={s.statValue}>{value}</div>
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
  split: css({
    display: 'grid',
    gap: theme.spacing(2),
    gridTemplateColumns: 'repeat(auto-fit, minmax(min(100%, 18rem), 1fr))',
  }),
});

export default ReportsPage;
