import { css } from '@emotion/css';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, Field, IconButton, Input, RadioButtonGroup, useStyles2 } from '@grafana/ui';
import { toApiError } from '../../api/client';
import {
  checkMatchers,
  createWindow,
  type MaintenanceWindow,
  type MatcherVerdict,
} from '../../api/maintenance';
import { coveredBy } from '../../coverage';
import { testIds } from '../../testIds';
import type { IncidentDetail } from '../../types';
import { CoveredIncidents } from '../CoveredIncidents/CoveredIncidents';

const HOUR = 3600_000;
export const DURATIONS = [
  { label: '30m', value: HOUR / 2 },
  { label: '1h', value: HOUR },
  { label: '2h', value: 2 * HOUR },
  { label: '4h', value: 4 * HOUR },
  { label: '8h', value: 8 * HOUR },
  { label: '1d', value: 24 * HOUR },
];
/** Matchers are checked by alert-webhook once typing pauses this long. */
export const CHECK_DELAY_MS = 400;

/** Shown to API tokens that may create windows (responder or admin). */
interface Props {
  /** Open incidents with their alerts, to show which ones the new window would cover. */
  openIncidents?: IncidentDetail[];
  onCreated: (window: MaintenanceWindow) => void;
}

/** The matchers worth sending (non-blank), each with the index of its input. */
function filled(matchers: string[]) {
  return matchers.flatMap((text, input) => (text.trim() ? [{ text: text.trim(), input }] : []));
}

/**
 * A new maintenance window: matchers (each checked live by alert-webhook, which names a bad one), a start
 * (now unless given), a duration and a comment. Shows which open incidents it would cover.
 */
export function MaintenanceForm({ openIncidents, onCreated }: Props) {
  const s = useStyles2(getStyles);
  const [matchers, setMatchers] = useState(['']);
  const [start, setStart] = useState('');
  const [duration, setDuration] = useState(HOUR);
  const [comment, setComment] = useState('');
  const [checked, setChecked] = useState<{ key: string; verdict?: MatcherVerdict }>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const latest = useRef('');

  const entries = filled(matchers);
  const key = JSON.stringify(entries.map((e) => e.text));
  latest.current = key;

  useEffect(() => {
    if (entries.length === 0) return;
    const texts = entries.map((e) => e.text);
    const timer = setTimeout(() => {
      void checkMatchers(texts).then((verdict) => {
        if (latest.current === key) setChecked({ key, verdict });
      });
    }, CHECK_DELAY_MS);
    return () => clearTimeout(timer);
    // `key` stands for `entries`.
  }, [key]);

  const verdict = checked?.key === key ? checked.verdict : undefined;
  const problemOf = (input: number) => {
    const at = entries.findIndex((e) => e.input === input);
    return at >= 0 ? verdict?.byIndex[at] : undefined;
  };
  const bad =
    verdict !== undefined && (verdict.overall !== undefined || Object.keys(verdict.byIndex).length > 0);
  const good = verdict !== undefined && !bad;
  // A datetime-local input holds a valid local time or nothing.
  const startsAt = start ? new Date(start) : undefined;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    const from = startsAt ?? new Date();
    try {
      const created = await createWindow({
        matchers: entries.map((x) => x.text),
        starts_at: startsAt?.toISOString(),
        ends_at: new Date(from.getTime() + duration).toISOString(),
        comment: comment.trim() || undefined,
      });
      setMatchers(['']);
      setStart('');
      setComment('');
      onCreated(created);
    } catch (err) {
      setError(toApiError(err).message);
    } finally {
      setBusy(false);
    }
  }

  const setMatcher = (i: number, text: string) => setMatchers(matchers.map((m, j) => (j === i ? text : m)));
  return (
    <form
      className={s.form}
      aria-label="New maintenance window"
      data-testid={testIds.maintenance.form}
      onSubmit={submit}
    >
      <h3 className={s.title}>New window</h3>
      {matchers.map((text, i) => {
        const problem = problemOf(i);
        return (
          <div key={i} className={s.matcher}>
            <Field
              label={i === 0 ? 'Matchers' : undefined}
              description={
                i === 0 ? 'Alertmanager syntax, e.g. service="db" or instance=~"db-.*"' : undefined
              }
              invalid={problem !== undefined}
              error={problem}
              className={s.grow}
            >
              <Input
                aria-label={`Matcher ${i + 1}`}
                data-testid={testIds.maintenance.matcher}
                value={text}
                placeholder='service="db"'
                onChange={(e) => setMatcher(i, e.currentTarget.value)}
              />
            </Field>
            {matchers.length > 1 && (
              <IconButton
                name="trash-alt"
                tooltip={`Remove matcher ${i + 1}`}
                onClick={() => setMatchers(matchers.filter((_, j) => j !== i))}
              />
            )}
          </div>
        );
      })}
      <div className={s.row}>
        <Button
          type="button"
          variant="secondary"
          size="sm"
          icon="plus"
          onClick={() => setMatchers([...matchers, ''])}
        >
          Add matcher
        </Button>
        {good && <span className={s.ok}>Matchers accepted by alert-webhook</span>}
      </div>
      {verdict?.overall && (
        <Alert severity="warning" title="These matchers cannot make a window">
          {verdict.overall}
        </Alert>
      )}
      {good && openIncidents && (
        <CoveredIncidents
          label="Would cover"
          incidents={coveredBy(
            entries.map((x) => x.text),
            openIncidents,
          )}
        />
      )}
      <div className={s.row}>
        <Field label="Starts" description="Empty for now" className={s.field}>
          <Input
            id="vigil-maintenance-start"
            type="datetime-local"
            value={start}
            onChange={(e) => setStart(e.currentTarget.value)}
          />
        </Field>
        <Field label="Lasts" className={s.field}>
          <RadioButtonGroup
            aria-label="Lasts"
            size="sm"
            options={DURATIONS}
            value={duration}
            onChange={setDuration}
          />
        </Field>
      </div>
      <Field label="Comment" className={s.field}>
        <Input
          id="vigil-maintenance-comment"
          value={comment}
          placeholder="What is being done"
          onChange={(e) => setComment(e.currentTarget.value)}
        />
      </Field>
      {error && (
        <Alert severity="error" title="The window was refused" data-testid={testIds.maintenance.formError}>
          {error}
        </Alert>
      )}
      <div>
        <Button type="submit" icon="plus" disabled={busy || entries.length === 0 || bad}>
          Create window
        </Button>
      </div>
    </form>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  form: css({
    display: 'grid',
    gap: theme.spacing(1),
    maxWidth: theme.breakpoints.values.md,
    minWidth: 0,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(2),
  }),
  title: css({ margin: 0 }),
  field: css({ marginBottom: 0, maxWidth: '100%', minWidth: 0 }),
  matcher: css({ display: 'flex', alignItems: 'flex-end', gap: theme.spacing(1) }),
  grow: css({ flex: '1 1 auto', marginBottom: 0, minWidth: 0 }),
  row: css({ display: 'flex', flexWrap: 'wrap', alignItems: 'flex-end', gap: theme.spacing(1, 2) }),
  ok: css({ color: theme.colors.success.text, fontSize: theme.typography.bodySmall.fontSize }),
});
