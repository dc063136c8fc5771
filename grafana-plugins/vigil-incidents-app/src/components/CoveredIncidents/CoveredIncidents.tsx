import { css } from '@emotion/css';
import { Link } from 'react-router-dom-v5-compat';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import { ROUTES } from '../../constants';
import { testIds } from '../../testIds';
import type { IncidentDetail } from '../../types';
import { StatusBadge } from '../IncidentBadges/IncidentBadges';

/** Links to the open incidents a window covers (or would cover), or a line saying there are none. */
export function CoveredIncidents({ incidents, label }: { incidents: IncidentDetail[]; label: string }) {
  const s = useStyles2(getStyles);
  if (incidents.length === 0) return <p className={s.none}>{label}: no open incident.</p>;
  return (
    <div data-testid={testIds.maintenance.covered}>
      <div className={s.label}>{label}:</div>
      <ul className={s.list} aria-label={label}>
        {incidents.map((i) => (
          <li key={i.id} className={s.item}>
            <span className={s.badge}>
              <StatusBadge status={i.status} />
            </span>
            <Link to={ROUTES.incident(i.id)}>
              #{i.id} {i.title}
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  none: css({ margin: 0, color: theme.colors.text.secondary }),
  label: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  list: css({ listStyle: 'none', margin: 0, padding: 0, display: 'grid', gap: theme.spacing(0.5) }),
  item: css({
    display: 'flex',
    alignItems: 'baseline',
    gap: theme.spacing(1),
    a: { color: theme.colors.text.link, overflowWrap: 'anywhere', minWidth: 0 },
  }),
  // The badge keeps its word whole however narrow the card.
  badge: css({ flex: 'none', whiteSpace: 'nowrap', overflowWrap: 'normal' }),
});
