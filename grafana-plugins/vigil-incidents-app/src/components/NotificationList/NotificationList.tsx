import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Badge, LoadingPlaceholder, useStyles2 } from '@grafana/ui';
import { vigil } from '../../api/client';
import { useApi, useAutoReload } from '../../api/useApi';
import { formatTime } from '../../format';
import { testIds } from '../../testIds';
import type { Notification } from '../../types';

const STATUS_COLOR = { sent: 'green', pending: 'blue', held: 'orange', failed: 'red' } as const;

/** What noise control held a notification for (alert-webhook README, Noise control). */
function heldBy({ hold_reason: reason, hold_ref: ref }: Notification): string {
  if (reason === 'maintenance') return `by maintenance window ${ref}`;
  if (reason === 'storm') return `by alert storm ${ref}`;
  return 'while the incident flaps';
}

/**
 * What alert-webhook sent about the incident (email, Slack, webhooks), each with its delivery attempts.
 * Loaded again when the incident changes and every `refreshMs`: deliveries and their retries change the
 * notifications alone, not the incident.
 */
export function NotificationList({
  incidentId,
  refreshKey,
  refreshMs,
}: {
  incidentId: number;
  refreshKey: string;
  refreshMs: number;
}) {
  const s = useStyles2(getStyles);
  const { data, error, reload } = useApi(`${incidentId}:${refreshKey}`, () =>
    vigil<{ items: Notification[] }>(`/incidents/${incidentId}/notifications`),
  );
  useAutoReload(reload, refreshMs);
  if (error) return <Alert title="Could not load the notifications">{error.message}</Alert>;
  if (!data) return <LoadingPlaceholder text="Loading notifications…" />;
  if (data.items.length === 0) return <p>No notifications sent.</p>;
  return (
    <div className={s.scroll}>
      <table className={s.table} data-testid={testIds.incident.notifications}>
        <thead>
          <tr>
            <th>Event</th>
            <th>Channel</th>
            <th>Status</th>
            <th>Deliveries</th>
          </tr>
        </thead>
        <tbody>
          {data.items.map((n) => (
            <tr key={n.id}>
              <td>
                {n.event}
                <div className={s.weak}>{formatTime(n.created_at)}</div>
              </td>
              <td>
                {n.channel}
                {n.recipient && <div className={s.weak}>{n.recipient}</div>}
              </td>
              <td>
                <Badge text={n.status} color={STATUS_COLOR[n.status]} />
                {n.status === 'held' && <div className={s.weak}>{heldBy(n)}</div>}
                {n.last_error && <div className={s.error}>{n.last_error}</div>}
              </td>
              <td>
                <ul className={s.deliveries}>
                  {n.deliveries.map((d) => (
                    <li key={d.attempt}>
                      #{d.attempt} {d.ok ? 'delivered' : 'failed'}
                      {d.status_code !== null ? ` (${d.status_code})` : ''} to {d.target} at{' '}
                      {formatTime(d.at)}
                      {d.error && <span className={s.error}> {d.error}</span>}
                    </li>
                  ))}
                </ul>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  scroll: css({ overflowX: 'auto', maxWidth: '100%' }),
  table: css({
    width: '100%',
    borderCollapse: 'collapse',
    'th, td': {
      textAlign: 'left',
      verticalAlign: 'top',
      padding: theme.spacing(0.5, 1),
      borderBottom: `1px solid ${theme.colors.border.weak}`,
    },
  }),
  weak: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  error: css({ color: theme.colors.error.text, overflowWrap: 'anywhere' }),
  deliveries: css({ listStyle: 'none', margin: 0, padding: 0, overflowWrap: 'anywhere' }),
});
