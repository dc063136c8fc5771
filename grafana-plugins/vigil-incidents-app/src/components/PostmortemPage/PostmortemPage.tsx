import { css } from '@emotion/css';
import { useParams } from 'react-router-dom-v5-compat';
import { locationUtil, type GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, LinkButton, LoadingPlaceholder, useStyles2 } from '@grafana/ui';
import { whyReadOnly } from '../../permissions';
import { DOWNLOAD, vigil } from '../../api/client';
import { getPostmortem, listUsers, postmortemMarkdownUrl } from '../../api/postmortems';
import { useApi, useCaller } from '../../api/useApi';
import { ROUTES } from '../../constants';
import { formatTime } from '../../format';
import { testIds } from '../../testIds';
import type { IncidentDetail } from '../../types';
import { PostmortemForm } from './PostmortemForm';
import { PostmortemView } from './PostmortemView';

/**
 * An incident's postmortem: responders write it (summary, impact, root cause, a timeline excerpt, action
 * items), everyone reads it and downloads it as Markdown.
 */
export function PostmortemPage() {
  const s = useStyles2(getStyles);
  const { id = '' } = useParams();
  const incident = useApi(`incident:${id}`, () =>
    vigil<IncidentDetail>(`/incidents/${encodeURIComponent(id)}`),
  );
  const postmortem = useApi(`postmortem:${id}`, () => getPostmortem(id));
  const caller = useCaller();
  const users = useApi('users', listUsers);
  const data = incident.data;
  const pm = postmortem.data;
  const readOnly = caller.data && whyReadOnly(caller.data);
  const canWrite = caller.data !== undefined && readOnly === undefined;
  const error = incident.error ?? postmortem.error;

  return (
    <PluginPage pageNav={{ text: data ? `Postmortem #${data.id} ${data.title}` : `Postmortem ${id}` }}>
      <div className={s.page} data-testid={testIds.postmortem.page}>
        <div className={s.bar}>
          <LinkButton
            href={locationUtil.assureBaseUrl(ROUTES.incident(id))}
            variant="secondary"
            fill="text"
            icon="arrow-left"
            size="sm"
          >
            Incident {id}
          </LinkButton>
          {data && pm && (
            <LinkButton
              href={postmortemMarkdownUrl(data.id)}
              {...DOWNLOAD}
              icon="download-alt"
              variant="secondary"
              size="sm"
              data-testid={testIds.postmortem.markdown}
            >
              Download Markdown
            </LinkButton>
          )}
        </div>
        {error && <Alert title={`Could not load the postmortem of incident ${id}`}>{error.message}</Alert>}
        {(!data || pm === undefined || !(caller.data || caller.error)) && !error && (
          <LoadingPlaceholder text="Loading postmortem…" />
        )}
        {data && pm !== undefined && (caller.data || caller.error) && (
          <>
            <h2 className={s.title}>
              #{data.id} {data.title}
            </h2>
            {pm && (
              <p className={s.meta}>
                Written by {pm.created_by} ({formatTime(pm.created_at)}), last updated by {pm.updated_by} (
                {formatTime(pm.updated_at)})
              </p>
            )}
            {readOnly && !pm && (
              <Alert severity="info" title="No postmortem yet">
                Writing one {readOnly}.
              </Alert>
            )}
            {canWrite ? (
              <PostmortemForm
                key={data.id}
                incident={data}
                postmortem={pm}
                users={users.data?.items.map((u) => u.name) ?? []}
                onSaved={postmortem.setData}
              />
            ) : (
              pm && <PostmortemView postmortem={pm} />
            )}
          </>
        )}
      </div>
    </PluginPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ display: 'grid', gap: theme.spacing(2), minWidth: 0 }),
  bar: css({ display: 'flex', flexWrap: 'wrap', justifyContent: 'space-between', gap: theme.spacing(1) }),
  title: css({ margin: 0, overflowWrap: 'anywhere' }),
  meta: css({ margin: 0, color: theme.colors.text.secondary }),
});

export default PostmortemPage;
