import { css } from '@emotion/css';
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom-v5-compat';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import {
  Alert,
  Button,
  Field,
  Input,
  LinkButton,
  LoadingPlaceholder,
  RadioButtonGroup,
  useStyles2,
} from '@grafana/ui';
import { apiUrl, DOWNLOAD, vigil } from '../../api/client';
import { useApi, useAutoReload } from '../../api/useApi';
import { ROUTES } from '../../constants';
import { formatTime, timeAgo } from '../../format';
import { testIds } from '../../testIds';
import type { IncidentPage as Page } from '../../types';
import { SeverityBadge, StatusBadge } from '../IncidentBadges/IncidentBadges';
import {
  RANGE_OPTIONS,
  REFRESH_OPTIONS,
  severityOptions,
  STATUS_OPTIONS,
  readFilters,
  toFilterQuery,
  toQuery,
  writeFilters,
  type IncidentFilters,
} from './filters';

const PAGE = 50;
const MAX = 500; // alert-webhook's largest page
const TYPING_DELAY_MS = 400;

/** Incidents, newest first, filtered by status, severity, service, team and time; reloads itself. */
export function IncidentsPage() {
  const s = useStyles2(getStyles);
  const [params, setParams] = useSearchParams();
  const filters = readFilters(params);
  const [limit, setLimit] = useState(PAGE);
  const [text, setText] = useState({ service: filters.service, team: filters.team });
  // The URL decides: a link, the nav item or Back that changes service or team puts them in the boxes, or
  // the typing effect below would write the boxes' old text back into the URL.
  const [shown, setShown] = useState({ service: filters.service, team: filters.team });
  if (shown.service !== filters.service || shown.team !== filters.team) {
    const fromUrl = { service: filters.service, team: filters.team };
    setShown(fromUrl);
    setText(fromUrl);
  }
  const key = `${writeFilters({ ...filters, refresh: 0 })}&limit=${limit}`;
  const list = useApi(key, () => vigil<Page>('/incidents', { params: toQuery(filters, limit, Date.now()) }));

  const update = (change: Partial<IncidentFilters>) => {
    setParams(writeFilters({ ...filters, ...change }), { replace: true });
    setLimit(PAGE);
  };

  // Typing in service or team applies once the typing pauses (or at once with Enter).
  useEffect(() => {
    if (text.service === filters.service && text.team === filters.team) return;
    const timer = setTimeout(() => update(text), TYPING_DELAY_MS);
    return () => clearTimeout(timer);
  });

  useAutoReload(list.reload, filters.refresh * 1000);

  const items = list.data?.items ?? [];
  return (
    <PluginPage>
      <div className={s.page} data-testid={testIds.incidents.page}>
        <form
          className={s.filters}
          aria-label="Filters"
          onSubmit={(e) => {
            e.preventDefault();
            update(text);
          }}
        >
          <Field label="Status" className={s.field}>
            <RadioButtonGroup
              aria-label="Status"
              size="sm"
              options={STATUS_OPTIONS}
              value={filters.status}
              onChange={(status) => update({ status })}
            />
          </Field>
          <Field label="Severity" className={s.field}>
            <RadioButtonGroup
              aria-label="Severity"
              size="sm"
              options={severityOptions(filters.severity)}
              value={filters.severity}
              onChange={(severity) => update({ severity })}
            />
          </Field>
          <Field label="Opened within" className={s.field}>
            <RadioButtonGroup
              aria-label="Opened within"
              size="sm"
              options={RANGE_OPTIONS}
              value={filters.range}
              onChange={(range) => update({ range })}
            />
          </Field>
          <Field label="Service" className={s.field}>
            <Input
              id="vigil-filter-service"
              data-testid={testIds.incidents.service}
              value={text.service}
              placeholder="any"
              width={20}
              onChange={(e) => setText({ ...text, service: e.currentTarget.value })}
            />
          </Field>
          <Field label="Team" className={s.field}>
            <Input
              id="vigil-filter-team"
              data-testid={testIds.incidents.team}
              value={text.team}
              placeholder="any"
              width={20}
              onChange={(e) => setText({ ...text, team: e.currentTarget.value })}
            />
          </Field>
          <Field label="Auto-refresh" className={s.field}>
            <RadioButtonGroup
              aria-label="Auto-refresh"
              size="sm"
              options={REFRESH_OPTIONS}
              value={filters.refresh}
              onChange={(refresh) => update({ refresh })}
            />
          </Field>
        </form>
        <div>
          <LinkButton
            href={apiUrl('/incidents.csv', toFilterQuery(filters, Date.now()))}
            {...DOWNLOAD}
            icon="download-alt"
            variant="secondary"
            size="sm"
            data-testid={testIds.incidents.csv}
            tooltip="The incidents these filters select, newest first (at most 10 000)"
          >
            Export CSV
          </LinkButton>
        </div>

        {list.error && <Alert title="Could not load incidents">{list.error.message}</Alert>}
        {!list.data && !list.error && <LoadingPlaceholder text="Loading incidents…" />}
        {list.data && items.length === 0 && <p>No incidents match these filters.</p>}
        {items.length > 0 && (
          <div className={s.scroll}>
            <table className={s.table} data-testid={testIds.incidents.table}>
              <thead>
                <tr>
                  <th>Incident</th>
                  <th>Status</th>
                  <th className={s.wide}>Service</th>
                  <th className={s.wide}>Team</th>
                  <th className={s.wide}>Assignee</th>
                  <th>Opened</th>
                </tr>
              </thead>
              <tbody>
                {items.map((i) => (
                  <tr key={i.id} data-testid={testIds.incidents.row}>
                    <td className={s.title}>
                      <Link to={ROUTES.incident(i.id)}>
                        #{i.id} {i.title}
                      </Link>
                    </td>
                    <td>
                      <span className={s.badges}>
                        <StatusBadge status={i.status} />
                        <SeverityBadge severity={i.severity} />
                      </span>
                    </td>
                    <td className={s.wide}>{i.service ?? '—'}</td>
                    <td className={s.wide}>{i.team ?? '—'}</td>
                    <td className={s.wide}>{i.assignee ?? '—'}</td>
                    <td className={s.nowrap} title={formatTime(i.opened_at)}>
                      {timeAgo(i.opened_at)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {list.data?.next_cursor &&
          (limit < MAX ? (
            <Button
              variant="secondary"
              data-testid={testIds.incidents.more}
              onClick={() => setLimit(Math.min(limit + PAGE, MAX))}
            >
              Show more
            </Button>
          ) : (
            <p>Showing the newest {MAX}; narrow the filters to see others.</p>
          ))}
      </div>
    </PluginPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ display: 'grid', gap: theme.spacing(2), minWidth: 0 }),
  filters: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(0, 2) }),
  field: css({ marginBottom: theme.spacing(1), maxWidth: '100%', overflowX: 'auto' }),
  scroll: css({ overflowX: 'auto', maxWidth: '100%' }),
  table: css({
    width: '100%',
    borderCollapse: 'collapse',
    'th, td': {
      textAlign: 'left',
      padding: theme.spacing(0.75, 1),
      borderBottom: `1px solid ${theme.colors.border.weak}`,
    },
    'tbody tr:hover': { background: theme.colors.action.hover },
  }),
  title: css({ minWidth: '7rem', overflowWrap: 'anywhere', a: { color: theme.colors.text.link } }),
  nowrap: css({ whiteSpace: 'nowrap' }),
  badges: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(0.5) }),
  // Columns left out on a phone; the incident page shows them.
  wide: css({ [theme.breakpoints.down('md')]: { display: 'none' } }),
});

export default IncidentsPage;
