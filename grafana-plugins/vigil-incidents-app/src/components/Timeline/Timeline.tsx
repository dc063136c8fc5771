import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import { formatTime } from '../../format';
import { testIds } from '../../testIds';
import type { TimelineEntry } from '../../types';

/** The incident's timeline (its audit trail): what happened, who did it, notes as written (text, not HTML). */
export function Timeline({ entries }: { entries: TimelineEntry[] }) {
  const s = useStyles2(getStyles);
  if (entries.length === 0) return <p>Nothing recorded yet.</p>;
  return (
    <ol className={s.list} data-testid={testIds.incident.timeline}>
      {entries.map((e) => (
        <li key={e.id} className={s.entry}>
          <time dateTime={e.at} className={s.weak}>
            {formatTime(e.at)}
          </time>
          <span className={s.kind}>{e.kind}</span>
          <span className={s.weak}>{e.actor}</span>
          <span className={s.message}>{e.message}</span>
        </li>
      ))}
    </ol>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  list: css({ listStyle: 'none', margin: 0, padding: 0 }),
  entry: css({
    display: 'grid',
    gridTemplateColumns: 'max-content 8rem 8rem 1fr',
    gap: theme.spacing(1),
    padding: theme.spacing(0.5, 0),
    borderBottom: `1px solid ${theme.colors.border.weak}`,
    [theme.breakpoints.down('md')]: { gridTemplateColumns: 'max-content 1fr', rowGap: 0 },
  }),
  weak: css({ color: theme.colors.text.secondary }),
  kind: css({ fontWeight: theme.typography.fontWeightMedium }),
  message: css({
    whiteSpace: 'pre-wrap',
    overflowWrap: 'anywhere',
    [theme.breakpoints.down('md')]: { gridColumn: '1 / -1' },
  }),
});
