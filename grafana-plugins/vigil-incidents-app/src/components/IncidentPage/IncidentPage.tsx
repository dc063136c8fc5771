import { css } from '@emotion/css';
import { useParams } from 'react-router-dom-v5-compat';
import { locationUtil, type GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, LinkButton, LoadingPlaceholder, TextLink, useStyles2 } from '@grafana/ui';
import { vigil } from '../../api/client';
import { useApi, useAutoReload, useCaller } from '../../api/useApi';
import { ROUTES } from '../../constants';
import { formatTime, safeHttpUrl } from '../../format';
import { testIds } from '../../testIds';
import type { IncidentDetail, Ticket } from '../../types';
import { AlertList } from '../AlertList/AlertList';
import { Correlations } from '../Correlations/Correlations';
import { IncidentActions } from '../IncidentActions/IncidentActions';
import { SeverityBadge, StatusBadge } from '../IncidentBadges/IncidentBadges';
import { NotificationList } from '../NotificationList/NotificationList';
import { Timeline } from '../Timeline/Timeline';

const REFRESH_MS = 30_000;

/** One incident: its state and people, the actions, its alerts, timeline and the notifications sent. */
export function IncidentPage() {
  const s = useStyles2(getStyles);
  const { id = '' } = useParams();
  const incident = useApi(`incident:${id}`, () =>
    vigil<IncidentDetail>(`/incidents/${encodeURIComponent(id)}`),
  );
  const caller = useCaller();
  // Others act on the incident too (and alerts keep arriving): keep the page current.
  useAutoReload(incident.reload, REFRESH_MS);
  const data = incident.data;
  const alertmanagerUrl = safeHttpUrl(data?.external_url);

  return (
    <PluginPage pageNav={{ text: data ? `#${data.id} ${data.title}` : `Incident ${id}` }}>
      <div className={s.page} data-testid={testIds.incident.page}>
        <LinkButton
          href={locationUtil.assureBaseUrl(ROUTES.incidents)}
          variant="secondary"
          fill="text"
          icon="arrow-left"
          size="sm"
        >
          All incidents
        </LinkButton>
        {incident.error && <Alert title={`Could not load incident ${id}`}>{incident.error.message}</Alert>}
        {!data && !incident.error && <LoadingPlaceholder text="Loading incident…" />}
        {data && (
          <>
            <header className={s.header}>
              <h2 className={s.title}>
                #{data.id} {data.title}
              </h2>
              <div className={s.facts}>
                <span data-testid={testIds.incident.status}>
                  <StatusBadge status={data.status} />
                </span>
                <SeverityBadge severity={data.severity} />
                {data.service && <span>service {data.service}</span>}
                {data.team && <span>team {data.team}</span>}
                <span>assignee {data.assignee ?? 'nobody'}</span>
                {data.likely_cause && (
                  <strong data-testid={testIds.incident.likelyCause}>likely cause {data.likely_cause}</strong>
                )}
              </div>
              <dl className={s.times}>
                <dt>Opened</dt>
                <dd>{formatTime(data.opened_at)}</dd>
                <dt>Acknowledged</dt>
                <dd>
                  {formatTime(data.acknowledged_at)}
                  {data.acknowledged_by && ` by ${data.acknowledged_by}`}
                </dd>
                <dt>Resolved</dt>
                <dd>
                  {formatTime(data.resolved_at)}
                  {data.resolved_by && ` by ${data.resolved_by}`}
                </dd>
              </dl>
              {alertmanagerUrl && (
                <TextLink href={alertmanagerUrl} external>
                  Open in Alertmanager
                </TextLink>
              )}
              <Tickets tickets={data.tickets} />
              <div>
                <LinkButton
                  href={locationUtil.assureBaseUrl(ROUTES.postmortem(data.id))}
                  variant="secondary"
                  size="sm"
                  icon="file-alt"
                  data-testid={testIds.incident.postmortemLink}
                >
                  Postmortem
                </LinkButton>
              </div>
            </header>
            <IncidentActions
              key={data.id}
              incident={data}
              caller={caller.data}
              callerError={caller.error}
              onUpdated={incident.setData}
            />
            <section aria-label="Alerts">
              <h3>Alerts ({data.alerts.length})</h3>
              <AlertList alerts={data.alerts} />
            </section>
            <Correlations correlations={data.correlations} />
            <section aria-label="Timeline">
              <h3>Timeline</h3>
              <Timeline entries={data.timeline} />
            </section>
            <section aria-label="Notifications">
              <h3>Notifications sent</h3>
              <NotificationList incidentId={data.id} refreshKey={data.updated_at} refreshMs={REFRESH_MS} />
            </section>
          </>
        )}
      </div>
    </PluginPage>
  );
}

/** The tickets made for the incident (Jira): each key links to its issue when the link is http(s). */
function Tickets({ tickets }: { tickets: Ticket[] }) {
  const s = useStyles2(getStyles);
  if (tickets.length === 0) return null;
  return (
    <div className={s.facts} data-testid={testIds.incident.tickets}>
      <span>{tickets.length === 1 ? 'Ticket' : 'Tickets'}</span>
      {tickets.map((t) => {
        const url = safeHttpUrl(t.url);
        return url ? (
          <TextLink key={t.channel} href={url} external>
            {t.key}
          </TextLink>
        ) : (
          <span key={t.channel}>{t.key}</span>
        );
      })}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ display: 'grid', gap: theme.spacing(2), minWidth: 0 }),
  header: css({ display: 'grid', gap: theme.spacing(1) }),
  title: css({ margin: 0, overflowWrap: 'anywhere' }),
  facts: css({ display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: theme.spacing(1) }),
  times: css({
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    gap: theme.spacing(0.25, 1),
    margin: 0,
    dt: { color: theme.colors.text.secondary },
    dd: { margin: 0 },
  }),
});

export default IncidentPage;
