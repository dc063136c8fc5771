import { useEffect, useState } from 'react';
import { BrowserRouter } from 'react-router-dom-v5-compat';
import type { AppPluginMeta, KeyValue } from '@grafana/data';
import { getBackendSrv } from '@grafana/runtime';
import { plugin } from '../../vigil-incidents-app/src/module';

export const APP_ID = 'vigil-incidents-app';
/** Where Grafana mounts an app's pages. */
export const APP_BASE = `/a/${APP_ID}`;

/**
 * The app's root page inside a router, under Grafana's path prefix, with the plugin meta Grafana loads
 * from /api/plugins/<id>/settings (here served by the harness server from the app's settings).
 */
export function AppPage() {
  const [meta, setMeta] = useState<AppPluginMeta<KeyValue>>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    getBackendSrv()
      .get<AppPluginMeta<KeyValue>>(`/api/plugins/${APP_ID}/settings`)
      .then(setMeta, (err: { status?: number; message?: string }) =>
        setError(err.message ?? `HTTP ${err.status}`),
      );
  }, []);
  if (error) return <pre role="alert">{error}</pre>;
  if (!meta || !plugin.root) return null;
  const Root = plugin.root;
  // Grafana's page frame pads app pages.
  return (
    <div style={{ padding: 16 }}>
      <BrowserRouter>
        <Root
          meta={meta}
          basename={APP_BASE}
          path={window.location.pathname}
          query={Object.fromEntries(new URLSearchParams(window.location.search))}
          onNavChanged={() => undefined}
        />
      </BrowserRouter>
    </div>
  );
}
