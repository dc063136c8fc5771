import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import { formatTime } from '../../format';
import { testIds } from '../../testIds';
import type { Correlation } from '../../types';

const matched = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ');

/**
 * The groups of alerts that joined the incident under a correlation rule, each with its reason: the labels
 * it shared, the window and the route whose rule it was. Nothing when none joined.
 */
export function Correlations({ correlations }: { correlations: Correlation[] }) {
  const s = useStyles2(getStyles);
  if (correlations.length === 0) return null;
  return (
    <section aria-label="Correlated alerts">
      <h3>Correlated alerts ({correlations.length})</h3>
      <ol className={s.list} data-testid={testIds.incident.correlations}>
        {correlations.map((c) => (
          <li key={`${c.at}:${c.group_key}`} className={s.entry}>
            <span className={s.names}>{c.alertnames.join(', ')}</span>
            <span>
              joined: same {matched(c.labels)} within {c.rule.window}
            </span>
            <span className={s.weak}>
              rule of route <code>{c.rule.route}</code> (by {c.rule.by.join(', ')}),{' '}
              <time dateTime={c.at}>{formatTime(c.at)}</time>
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  list: css({ listStyle: 'none', margin: 0, padding: 0 }),
  entry: css({
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(0.5, 1),
    padding: theme.spacing(0.5, 0),
    borderBottom: `1px solid ${theme.colors.border.weak}`,
    overflowWrap: 'anywhere',
    minWidth: 0,
  }),
  names: css({ fontWeight: theme.typography.fontWeightMedium }),
  weak: css({ color: theme.colors.text.secondary }),
});
