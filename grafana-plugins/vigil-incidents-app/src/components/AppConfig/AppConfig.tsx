import { css } from '@emotion/css';
import { useState, type FormEvent } from 'react';
import type { AppPluginMeta, GrafanaTheme2, PluginConfigPageProps } from '@grafana/data';
import { Alert, Button, Field, FieldSet, Input, SecretInput, useStyles2 } from '@grafana/ui';
import { request, toApiError, vigil } from '../../api/client';
import { ACT_ROLE, hasRole } from '@vigil/api-contract';
import { testIds } from '../../testIds';
import type { AppJsonData, AppSecureJsonData, Caller } from '../../types';

export type AppConfigProps = PluginConfigPageProps<AppPluginMeta<AppJsonData>>;

type Outcome = { ok: true; text: string } | { ok: false; text: string };

function urlProblem(url: string): string | undefined {
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:' ? undefined : 'must start with http:// or https://';
  } catch {
    return url ? 'is not a URL' : 'is required';
  }
}

/**
 * The app's settings: alert-webhook's URL (jsonData.url) and an API token (secureJsonData.apiToken), which
 * Grafana's server adds to every request through the plugin proxy; the token never reaches the browser again.
 */
export function AppConfig({ plugin }: AppConfigProps) {
  const s = useStyles2(getStyles);
  const { enabled, pinned, jsonData, secureJsonFields } = plugin.meta;
  const [url, setUrl] = useState(jsonData?.url ?? '');
  const [token, setToken] = useState('');
  const [tokenSet, setTokenSet] = useState(Boolean(secureJsonFields?.apiToken));
  const [saved, setSaved] = useState<Outcome>();
  const [tested, setTested] = useState<Outcome>();
  const [busy, setBusy] = useState(false);
  const problem = urlProblem(url.trim());

  async function save(e: FormEvent) {
    e.preventDefault();
    if (problem || (!tokenSet && !token)) return;
    setBusy(true);
    setSaved(undefined);
    // The token is sent only when typed: leaving it out keeps the stored one.
    const secureJsonData: AppSecureJsonData | undefined = token ? { apiToken: token } : undefined;
    try {
      await request({
        url: `/api/plugins/${plugin.meta.id}/settings`,
        method: 'POST',
        data: { enabled, pinned, jsonData: { ...jsonData, url: url.trim() }, secureJsonData },
      });
      setTokenSet(true);
      setToken('');
      setSaved({ ok: true, text: 'Settings saved.' });
    } catch (err) {
      setSaved({ ok: false, text: toApiError(err).message });
    } finally {
      setBusy(false);
    }
  }

  async function test() {
    setTested(undefined);
    try {
      const caller = await vigil<Caller>('/whoami');
      const can = hasRole(caller.role, ACT_ROLE) ? 'can act on incidents' : 'can only read';
      setTested({ ok: true, text: `Connected as "${caller.name}", role ${caller.role} (${can}).` });
    } catch (err) {
      setTested({ ok: false, text: toApiError(err).message });
    }
  }

  return (
    <form onSubmit={save} className={s.form}>
      <FieldSet label="alert-webhook connection">
        <Field
          label="URL"
          description="alert-webhook's address as Grafana's server reaches it, e.g. http://127.0.0.1:9096"
          invalid={Boolean(url) && Boolean(problem)}
          error={problem ? `URL ${problem}` : undefined}
        >
          <Input
            id="vigil-config-url"
            data-testid={testIds.appConfig.url}
            value={url}
            placeholder="http://127.0.0.1:9096"
            onChange={(e) => setUrl(e.currentTarget.value)}
          />
        </Field>
        <Field
          label="API token"
          description="One of alert-webhook's api.tokens; its role (viewer, responder, admin) decides what users can do here"
        >
          <SecretInput
            id="vigil-config-api-token"
            data-testid={testIds.appConfig.apiToken}
            value={token}
            isConfigured={tokenSet}
            placeholder="API token"
            onChange={(e) => setToken(e.currentTarget.value.trim())}
            onReset={() => {
              setTokenSet(false);
              setToken('');
            }}
          />
        </Field>
        {saved && (
          <Alert severity={saved.ok ? 'success' : 'error'} title={saved.ok ? 'Saved' : 'Could not save'}>
            {saved.text}
          </Alert>
        )}
        <div className={s.buttons}>
          <Button
            type="submit"
            data-testid={testIds.appConfig.save}
            disabled={busy || Boolean(problem) || (!tokenSet && !token)}
          >
            Save settings
          </Button>
          <Button type="button" variant="secondary" data-testid={testIds.appConfig.test} onClick={test}>
            Test connection
          </Button>
        </div>
        {tested && (
          <div data-testid={testIds.appConfig.result} className={s.result}>
            <Alert
              severity={tested.ok ? 'success' : 'error'}
              title={tested.ok ? 'Connection works' : 'Connection failed'}
            >
              {tested.text}
            </Alert>
          </div>
        )}
        <p className={s.hint}>Test connection uses the saved settings, as the pages do.</p>
      </FieldSet>
    </form>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  form: css({ maxWidth: theme.breakpoints.values.md }),
  buttons: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(1) }),
  result: css({ marginTop: theme.spacing(2) }),
  hint: css({ color: theme.colors.text.secondary, marginTop: theme.spacing(1) }),
});

export default AppConfig;
