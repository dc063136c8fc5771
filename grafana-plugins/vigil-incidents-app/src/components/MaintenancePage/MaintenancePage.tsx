import { css } from '@emotion/css';
import { useState } from 'react';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, Badge, ConfirmButton, LoadingPlaceholder, useStyles2, type BadgeColor } from '@grafana/ui';
import { toApiError, vigil } from '../../api/client';
import { endWindow, listWindows, type MaintenanceWindow } from '../../api/maintenance';
import { useApi, useCaller } from '../../api/useApi';
import { coveredBy } from '../../coverage';
import { formatTime } from '../../format';
import { whyReadOnly } from '../../permissions';
import { testIds } from '../../testIds';
import type { IncidentDetail, IncidentPage } from '../../types';
import { CoveredIncidents } from '../CoveredIncidents/CoveredIncidents';
import { MaintenanceForm } from '../MaintenanceForm/MaintenanceForm';

/** How many open incidents are checked against the windows (the newest first). */
export const OPEN_LIMIT = 100;

const STATE_COLOR: Record<MaintenanceWindow['state'], BadgeColor> = {
  active: 'orange',
  upcoming: 'blue',
  ended: 'darkgrey',
};

/** Open incidents with their alerts, whose labels decide which windows cover them. */
async function openIncidents(): Promise<IncidentDetail[]> {
  const page = await vigil<IncidentPage>('/incidents', {
    params: { status: 'triggered,acknowledged', limit: OPEN_LIMIT },
  });
  // Ten at a time rather than a hundred at once; an incident that fails to load (gone meanwhile) leaves
  // the others' coverage shown, unless none loads.
  const settled: PromiseSettledResult<IncidentDetail>[] = [];
  for (let i = 0; i < page.items.length; i += 10) {
    const chunk = page.items.slice(i, i + 10);
    settled.push(
      ...(await Promise.allSettled(chunk.map((it) => vigil<IncidentDetail>(`/incidents/${it.id}`)))),
    );
  }
  const loaded = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed && loaded.length === 0) throw failed.reason;
  return loaded;
}

interface WindowProps {
  window: MaintenanceWindow;
  open?: IncidentDetail[];
  canEnd: boolean;
  onEnded: () => void;
}

function WindowCard({ window: w, open, canEnd, onEnded }: WindowProps) {
  const s = useStyles2(getStyles);
  const [error, setError] = useState<string>();
  const title = w.name ?? `Window #${w.id}`;
  const silence = w.alertmanager_silence;

  async function end() {
    setError(undefined);
    try {
      await endWindow(w.id);
      onEnded();
    } catch (err) {
      setError(toApiError(err).message);
    }
  }

  return (
    <section
      className={s.card}
      aria-label={`Maintenance window ${title}`}
      data-testid={testIds.maintenance.window}
      data-state={w.state}
    >
      <header className={s.header}>
        <Badge text={w.state} color={STATE_COLOR[w.state]} />
        <h3 className={s.name}>{title}</h3>
        {w.source === 'api' && canEnd && (
          <ConfirmButton confirmText="End window" confirmVariant="destructive" onConfirm={end}>
            End now
          </ConfirmButton>
        )}
      </header>
      <ul className={s.matchers} aria-label="Matchers">
        {w.matchers.map((m) => (
          <li key={m}>
            <code>{m}</code>
          </li>
        ))}
      </ul>
      <div>
        {formatTime(w.starts_at)} – {formatTime(w.ends_at)}
      </div>
      <div className={s.weak}>
        {w.source === 'config' ? 'From the configuration file (end it there)' : `Made by ${w.created_by}`}
        {w.comment && `: ${w.comment}`}
      </div>
      {silence && 'error' in silence && (
        <div className={s.weak}>No Alertmanager silence: {silence.error}</div>
      )}
      {error && (
        <Alert severity="error" title="The window was not ended">
          {error}
        </Alert>
      )}
      {open && (
        <CoveredIncidents
          label={w.state === 'active' ? 'Covers' : 'Would cover'}
          incidents={coveredBy(w.matchers, open)}
        />
      )}
    </section>
  );
}

/**
 * Maintenance windows (alert-webhook's /api/v1/maintenance): those not yet over, with the open incidents each
 * covers; responders create them and end them early.
 */
export function MaintenancePage() {
  const s = useStyles2(getStyles);
  const caller = useCaller();
  const [generation, setGeneration] = useState(0);
  const windows = useApi(`windows ${generation}`, listWindows);
  const open = useApi(`open ${generation}`, openIncidents);
  const readOnly = caller.data && whyReadOnly(caller.data);
  const allowed = caller.data !== undefined && readOnly === undefined;
  const reload = () => setGeneration((g) => g + 1);

  const items = windows.data?.items ?? [];
  return (
    <PluginPage>
      <div className={s.page} data-testid={testIds.maintenance.page}>
        <p className={s.weak}>
          While a window is active, the incidents whose firing alerts all match its matchers are recorded but
          not notified; when it ends, those still open are notified.
        </p>
        {caller.error && (
          <Alert severity="warning" title="Creating and ending windows unavailable">
            Could not check the API token&apos;s role: {caller.error.message}
          </Alert>
        )}
        {readOnly && (
          <Alert severity="info" title="Read-only">
            Creating and ending windows {readOnly}.
          </Alert>
        )}
        {windows.error && (
          <Alert title="Could not load the maintenance windows">{windows.error.message}</Alert>
        )}
        {open.error && <Alert title="Could not load the open incidents">{open.error.message}</Alert>}
        {!windows.data && !windows.error && <LoadingPlaceholder text="Loading maintenance windows…" />}
        {windows.data && items.length === 0 && <p>No maintenance window is active or upcoming.</p>}
        <div className={s.grid}>
          {items.map((w) => (
            <WindowCard key={w.id} window={w} open={open.data} canEnd={allowed} onEnded={reload} />
          ))}
        </div>
        {allowed && <MaintenanceForm openIncidents={open.data} onCreated={reload} />}
      </div>
    </PluginPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ display: 'grid', gap: theme.spacing(2), minWidth: 0 }),
  grid: css({
    display: 'grid',
    gap: theme.spacing(2),
    gridTemplateColumns: 'repeat(auto-fill, minmax(min(100%, 24rem), 1fr))',
  }),
  card: css({
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(2),
    display: 'grid',
    gap: theme.spacing(1),
    alignContent: 'start',
    minWidth: 0,
    overflowWrap: 'anywhere',
  }),
  header: css({ display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: theme.spacing(1) }),
  name: css({ margin: 0, flex: '1 1 auto' }),
  matchers: css({
    listStyle: 'none',
    margin: 0,
    padding: 0,
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(0.5),
  }),
  weak: css({ margin: 0, color: theme.colors.text.secondary }),
});

export default MaintenancePage;
