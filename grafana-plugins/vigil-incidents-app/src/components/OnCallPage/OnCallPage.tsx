import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, Badge, LoadingPlaceholder, useStyles2 } from '@grafana/ui';
import { vigil } from '../../api/client';
import { useApi, useAutoReload } from '../../api/useApi';
import { formatTime } from '../../format';
import { testIds } from '../../testIds';
import type { OnCallResponse, Shift } from '../../types';

// Shifts change at hand-offs; a minute is fresh enough and costs alert-webhook nothing.
const REFRESH_MS = 60_000;

function ShiftLine({ shift, now }: { shift: Shift; now: boolean }) {
  const s = useStyles2(getStyles);
  return (
    <span className={s.shift}>
      <strong>{shift.user}</strong>
      {shift.override && <Badge text="override" color="purple" />}
      {shift.rotation && <span className={s.weak}>{shift.rotation}</span>}
      <span className={s.weak}>
        {now
          ? `until ${formatTime(shift.shift_end)}`
          : `${formatTime(shift.shift_start)} – ${formatTime(shift.shift_end)}`}
      </span>
    </span>
  );
}

/** Who is on call now and who is next, per schedule (alert-webhook's GET /api/v1/oncall). */
export function OnCallPage() {
  const s = useStyles2(getStyles);
  const oncall = useApi('oncall', () => vigil<OnCallResponse>('/oncall'));
  useAutoReload(oncall.reload, REFRESH_MS);

  const schedules = oncall.data?.schedules ?? [];
  return (
    <PluginPage>
      <div data-testid={testIds.oncall.page} className={s.page}>
        {oncall.error && <Alert title="Could not load the on-call schedules">{oncall.error.message}</Alert>}
        {!oncall.data && !oncall.error && <LoadingPlaceholder text="Loading on-call…" />}
        {oncall.data && schedules.length === 0 && (
          <p>No on-call schedules are configured in alert-webhook.</p>
        )}
        <div className={s.grid}>
          {schedules.map((schedule) => (
            <section
              key={schedule.name}
              className={s.card}
              aria-label={`Schedule ${schedule.name}`}
              data-testid={testIds.oncall.schedule}
            >
              <h3 className={s.name}>{schedule.name}</h3>
              <div className={s.label}>On call now</div>
              {schedule.on_call ? <ShiftLine shift={schedule.on_call} now /> : <span>Nobody</span>}
              <div className={s.label}>Next</div>
              {schedule.next.length === 0 ? (
                <span className={s.weak}>No shift ahead</span>
              ) : (
                <ol className={s.next}>
                  {schedule.next.map((shift) => (
                    <li key={shift.shift_start}>
                      <ShiftLine shift={shift} now={false} />
                    </li>
                  ))}
                </ol>
              )}
            </section>
          ))}
        </div>
        {oncall.data && <p className={s.weak}>As of {formatTime(oncall.data.at)}</p>}
      </div>
    </PluginPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ display: 'grid', gap: theme.spacing(2) }),
  grid: css({
    display: 'grid',
    gap: theme.spacing(2),
    gridTemplateColumns: 'repeat(auto-fill, minmax(min(100%, 20rem), 1fr))',
  }),
  card: css({
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(2),
    display: 'grid',
    gap: theme.spacing(0.5),
    alignContent: 'start',
  }),
  name: css({ margin: 0 }),
  label: css({
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    marginTop: theme.spacing(1),
  }),
  shift: css({ display: 'inline-flex', flexWrap: 'wrap', alignItems: 'center', gap: theme.spacing(1) }),
  next: css({ margin: 0, paddingLeft: theme.spacing(2.5) }),
  weak: css({ color: theme.colors.text.secondary }),
});

export default OnCallPage;
