import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import type { Postmortem } from '../../api/postmortems';
import { testIds } from '../../testIds';
import { Timeline } from '../Timeline/Timeline';

const TEXTS = [
  ['summary', 'Summary'],
  ['impact', 'Impact'],
  ['root_cause', 'Root cause'],
] as const;

/** The postmortem, read-only (viewers): the texts as written, the timeline excerpt and the action items. */
export function PostmortemView({ postmortem: pm }: { postmortem: Postmortem }) {
  const s = useStyles2(getStyles);
  return (
    <div className={s.view} data-testid={testIds.postmortem.view}>
      {TEXTS.map(([field, title]) => (
        <section key={field} aria-label={title}>
          <h3>{title}</h3>
          <p className={s.text}>{pm[field] || 'Not written yet.'}</p>
        </section>
      ))}
      <section aria-label="Timeline excerpt">
        <h3>Timeline</h3>
        {pm.timeline.length ? <Timeline entries={pm.timeline} /> : <p>No entries selected.</p>}
      </section>
      <section aria-label="Action items">
        <h3>Action items</h3>
        {pm.action_items.length === 0 && <p>None.</p>}
        <ul className={s.items}>
          {pm.action_items.map((item, i) => (
            <li key={i} data-testid={testIds.postmortem.actionItem}>
              <span className={s.status}>{item.status === 'done' ? '✓ done' : 'open'}</span>{' '}
              <strong>{item.title}</strong> — {item.owner ?? 'no owner'}
              {item.due_date && `, due ${item.due_date}`}
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  view: css({ display: 'grid', gap: theme.spacing(1), minWidth: 0 }),
  // The texts are shown as written (line breaks kept), never as HTML.
  text: css({ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', margin: 0 }),
  items: css({ paddingLeft: theme.spacing(2), overflowWrap: 'anywhere' }),
  status: css({ color: theme.colors.text.secondary }),
});
