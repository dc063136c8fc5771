import { createRoot } from 'react-dom/client';
import { createTheme, ThemeContext } from '@grafana/data';
import { config, setBackendSrv } from '@grafana/runtime';
import { GlobalStyles } from '@grafana/ui';
import { AppPage, APP_BASE } from './AppPage';
import { harnessBackendSrv } from './backendSrv';
import { BenchPage } from './BenchPage';
import { PanelPage } from './PanelPage';

/**
 * The browser harness: Vigil's plugins mounted as Grafana mounts them, with Grafana's dark theme, its
 * global styles and a backend service that talks to the harness server in Grafana's place.
 * Pages: /panel (the health-score panel on live Prometheus data), /bench (the panel benchmark),
 * /a/vigil-incidents-app/... (the incidents app).
 */
const theme = createTheme({ colors: { mode: 'dark' } });
config.theme2 = theme;
config.bootData.user.lightTheme = false;
setBackendSrv(harnessBackendSrv());

function Page() {
  const path = window.location.pathname;
  if (path.startsWith(APP_BASE)) return <AppPage />;
  if (path === '/bench') return <BenchPage />;
  return <PanelPage />;
}

createRoot(document.getElementById('root')!).render(
  <ThemeContext.Provider value={theme}>
    <GlobalStyles />
    <Page />
  </ThemeContext.Provider>,
);
