import { css } from '@emotion/css';
import { useState } from 'react';
import type { GrafanaTheme2 } from '@grafana/data';
import {
  Alert,
  Button,
  Checkbox,
  Combobox,
  Field,
  Input,
  RadioButtonGroup,
  TextArea,
  useStyles2,
} from '@grafana/ui';
import { POSTMORTEM_LIMITS, type ActionItem } from '@vigil/api-contract';
import { toApiError } from '../../api/client';
import { putPostmortem, type Postmortem } from '../../api/postmortems';
import { formatTime } from '../../format';
import { testIds } from '../../testIds';
import type { IncidentDetail } from '../../types';

interface Props {
  incident: IncidentDetail;
  /** The postmortem as stored, or null while none is written. */
  postmortem: Postmortem | null;
  /** The configured users, who may own action items. */
  users: string[];
  onSaved: (postmortem: Postmortem) => void;
}

const TEXTS = [
  ['summary', 'Summary', 'What happened, in a few sentences'],
  ['impact', 'Impact', 'Who and what was affected, for how long'],
  ['root_cause', 'Root cause', 'Why it happened'],
] as const;

const STATUS_OPTIONS = [
  { label: 'Open', value: 'open' as const },
  { label: 'Done', value: 'done' as const },
];

const emptyItem = (): ActionItem => ({ title: '', owner: null, status: 'open', due_date: null });

/**
 * The postmortem's edit form (responders): written whole on Save, as PUT takes it. Refusals are shown as
 * alert-webhook words them, naming the field (`action_items.0.owner`).
 */
export function PostmortemForm({ incident, postmortem, users, onSaved }: Props) {
  const s = useStyles2(getStyles);
  const [texts, setTexts] = useState({
    summary: postmortem?.summary ?? '',
    impact: postmortem?.impact ?? '',
    root_cause: postmortem?.root_cause ?? '',
  });
  const [selected, setSelected] = useState(new Set(postmortem?.timeline.map((e) => e.id) ?? []));
  const [items, setItems] = useState<ActionItem[]>(postmortem?.action_items ?? []);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [saved, setSaved] = useState(false);

  const setItem = (index: number, change: Partial<ActionItem>) =>
    setItems(items.map((item, i) => (i === index ? { ...item, ...change } : item)));
  const toggle = (id: number) => {
    const next = new Set(selected);
    if (!next.delete(id)) next.add(id);
    setSelected(next);
  };
  const owners = users.map((name) => ({ label: name, value: name }));

  async function save() {
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      const answer = await putPostmortem(incident.id, {
        ...texts,
        // In timeline order, whatever order they were ticked in.
        timeline_entry_ids: incident.timeline.filter((e) => selected.has(e.id)).map((e) => e.id),
        action_items: items,
      });
      setSaved(true);
      onSaved(answer);
    } catch (err) {
      setError(toApiError(err).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      className={s.form}
      data-testid={testIds.postmortem.form}
      aria-label="Postmortem"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      {TEXTS.map(([field, label, description]) => (
        <Field key={field} label={label} description={description}>
          <TextArea
            id={`vigil-postmortem-${field}`}
            rows={4}
            maxLength={POSTMORTEM_LIMITS.text}
            value={texts[field]}
            onChange={(e) => setTexts({ ...texts, [field]: e.currentTarget.value })}
          />
        </Field>
      ))}

      <fieldset className={s.fieldset}>
        <legend>Timeline excerpt</legend>
        <p className={s.hint}>The entries that tell the story, shown with the postmortem.</p>
        {incident.timeline.map((e) => (
          <Checkbox
            key={e.id}
            value={selected.has(e.id)}
            onChange={() => toggle(e.id)}
            label={`${formatTime(e.at)} ${e.kind} (${e.actor}): ${e.message}`}
            className={s.entry}
          />
        ))}
      </fieldset>

      <fieldset className={s.fieldset}>
        <legend>Action items</legend>
        {items.map((item, i) => (
          <div
            key={i}
            className={s.item}
            role="group"
            aria-label={`Action item ${i + 1}`}
            data-testid={testIds.postmortem.actionItem}
          >
            <Field label="Title" className={s.wide}>
              <Input
                value={item.title}
                maxLength={POSTMORTEM_LIMITS.title}
                onChange={(e) => setItem(i, { title: e.currentTarget.value })}
              />
            </Field>
            <Field label="Owner">
              <Combobox
                aria-label={`Owner of action item ${i + 1}`}
                options={owners}
                value={item.owner}
                isClearable
                placeholder="nobody yet"
                width={20}
                onChange={(option) => setItem(i, { owner: option?.value ?? null })}
              />
            </Field>
            <Field label="Due">
              <Input
                type="date"
                aria-label={`Due date of action item ${i + 1}`}
                value={item.due_date ?? ''}
                onChange={(e) => setItem(i, { due_date: e.currentTarget.value || null })}
              />
            </Field>
            <Field label="Status">
              <RadioButtonGroup
                aria-label={`Status of action item ${i + 1}`}
                size="sm"
                options={STATUS_OPTIONS}
                value={item.status}
                onChange={(status) => setItem(i, { status })}
              />
            </Field>
            <Button
              variant="secondary"
              fill="text"
              icon="trash-alt"
              size="sm"
              aria-label={`Remove action item ${i + 1}`}
              onClick={() => setItems(items.filter((_, j) => j !== i))}
            />
          </div>
        ))}
        {items.length < POSTMORTEM_LIMITS.actionItems && (
          <div>
            <Button
              variant="secondary"
              icon="plus"
              size="sm"
              onClick={() => setItems([...items, emptyItem()])}
            >
              Add action item
            </Button>
          </div>
        )}
      </fieldset>

      {error && (
        <Alert severity="error" title="The postmortem was not saved" data-testid={testIds.postmortem.error}>
          {error}
        </Alert>
      )}
      {saved && !error && (
        <p className={s.hint} data-testid={testIds.postmortem.saved} role="status">
          Saved.
        </p>
      )}
      <div>
        <Button type="submit" disabled={busy} icon={busy ? 'spinner' : 'save'}>
          {postmortem ? 'Save postmortem' : 'Create postmortem'}
        </Button>
      </div>
    </form>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  form: css({ display: 'grid', gap: theme.spacing(1), minWidth: 0, maxWidth: '60rem' }),
  fieldset: css({ display: 'grid', gap: theme.spacing(1), minWidth: 0, border: 0, padding: 0, margin: 0 }),
  hint: css({ margin: 0, color: theme.colors.text.secondary }),
  entry: css({ justifySelf: 'start', textAlign: 'left', overflowWrap: 'anywhere' }),
  item: css({
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'flex-end',
    gap: theme.spacing(0, 1),
    padding: theme.spacing(1),
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
  }),
  wide: css({ flex: '1 1 16rem', minWidth: 0 }),
});
