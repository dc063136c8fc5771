import { css } from '@emotion/css';
import { useState } from 'react';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, Field, Input, TextArea, useStyles2 } from '@grafana/ui';
import { toApiError, vigil, type ApiError } from '../../api/client';
import { whyReadOnly } from '../../permissions';
import { testIds } from '../../testIds';
import type { Caller, IncidentDetail } from '../../types';

interface Props {
  incident: IncidentDetail;
  caller?: Caller;
  callerError?: ApiError;
  onUpdated: (incident: IncidentDetail) => void;
}

type Action = 'acknowledge' | 'resolve' | 'reopen' | 'notes' | 'assign';

/**
 * Acknowledge, resolve, reopen, add note, assign. Offered only when the API token's role allows them (and the
 * state permits the transition); whatever alert-webhook still refuses is shown as it says it.
 */
export function IncidentActions({ incident, caller, callerError, onUpdated }: Props) {
  const s = useStyles2(getStyles);
  const [busy, setBusy] = useState<Action>();
  const [error, setError] = useState<string>();
  const [note, setNote] = useState('');
  const [assignee, setAssignee] = useState(incident.assignee ?? '');
  const readOnly = caller && whyReadOnly(caller);
  const allowed = caller !== undefined && readOnly === undefined;
  const idle = allowed && busy === undefined;

  async function act(action: Action, data?: object): Promise<boolean> {
    setBusy(action);
    setError(undefined);
    try {
      onUpdated(await vigil<IncidentDetail>(`/incidents/${incident.id}/${action}`, { method: 'POST', data }));
      return true;
    } catch (err) {
      setError(toApiError(err).message);
      return false;
    } finally {
      setBusy(undefined);
    }
  }

  return (
    <section className={s.actions} aria-label="Actions">
      {callerError && (
        <Alert severity="warning" title="Actions unavailable">
          Could not check the API token&apos;s role: {callerError.message}
        </Alert>
      )}
      {readOnly && (
        <Alert severity="info" title="Read-only">
          Acting on incidents {readOnly}.
        </Alert>
      )}
      {error && (
        <Alert severity="error" title="The action was refused" data-testid={testIds.incident.actionError}>
          {error}
        </Alert>
      )}
      <div className={s.buttons}>
        <Button
          icon="check"
          disabled={!idle || incident.status !== 'triggered'}
          onClick={() => act('acknowledge')}
        >
          Acknowledge
        </Button>
        <Button
          icon="check-circle"
          variant="success"
          disabled={!idle || incident.status === 'resolved'}
          onClick={() => act('resolve')}
        >
          Resolve
        </Button>
        <Button
          icon="history"
          variant="secondary"
          disabled={!idle || incident.status !== 'resolved'}
          onClick={() => act('reopen')}
        >
          Reopen
        </Button>
      </div>
      <form
        className={s.row}
        onSubmit={(e) => {
          e.preventDefault();
          void act('assign', { assignee: assignee.trim() || null });
        }}
      >
        <Field label="Assignee" description="Empty to unassign" className={s.grow}>
          <Input
            id="vigil-assignee"
            data-testid={testIds.incident.assignee}
            value={assignee}
            disabled={!allowed}
            onChange={(e) => setAssignee(e.currentTarget.value)}
          />
        </Field>
        <Button type="submit" variant="secondary" disabled={!idle}>
          Assign
        </Button>
      </form>
      <form
        className={s.row}
        onSubmit={async (e) => {
          e.preventDefault();
          if (await act('notes', { text: note })) setNote('');
        }}
      >
        <Field label="Note" className={s.grow}>
          <TextArea
            id="vigil-note"
            data-testid={testIds.incident.note}
            rows={2}
            value={note}
            disabled={!allowed}
            onChange={(e) => setNote(e.currentTarget.value)}
          />
        </Field>
        <Button type="submit" variant="secondary" disabled={!idle || note.trim() === ''}>
          Add note
        </Button>
      </form>
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  actions: css({ display: 'grid', gap: theme.spacing(1), maxWidth: theme.breakpoints.values.md }),
  buttons: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(1) }),
  row: css({ display: 'flex', flexWrap: 'wrap', alignItems: 'flex-end', gap: theme.spacing(1) }),
  grow: css({ flex: '1 1 16rem', marginBottom: 0 }),
});
