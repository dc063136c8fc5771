import { render, type RenderResult } from '@testing-library/react';
import { MemoryRouter, useNavigate, type NavigateFunction } from 'react-router-dom-v5-compat';
import type { AppRootProps } from '@grafana/data';
import { ROUTER_FUTURE } from '../components/App/App';
import { plugin } from '../module';
import type { AppJsonData } from '../types';
// The pages' modules, loaded with the test file as a visited page's chunk would be: the app loads them
// lazily, and a first import inside a test would spend the time its findBy… queries wait.
import '../components/IncidentsPage/IncidentsPage';
import '../components/IncidentPage/IncidentPage';
import '../components/OnCallPage/OnCallPage';
import '../components/ReportsPage/ReportsPage';
import '../components/MaintenancePage/MaintenancePage';
import '../components/PostmortemPage/PostmortemPage';

/**
 * The app's root page as Grafana mounts it (from module.tsx's `plugin`), at an app URL; `navigate` goes
 * elsewhere as Grafana's own links (its nav, a dashboard link) would, with the page still mounted.
 */
export function renderApp(path: string): RenderResult & { navigate: (to: string) => void } {
  const Root = plugin.root!;
  const props = { meta: { jsonData: {} }, basename: '/a/vigil-incidents-app' } as AppRootProps<AppJsonData>;
  let navigate: NavigateFunction | undefined;
  const Navigator = () => {
    navigate = useNavigate();
    return null;
  };
  const rendered = render(
    <MemoryRouter initialEntries={[path]} future={ROUTER_FUTURE}>
      <Navigator />
      <Root {...props} />
    </MemoryRouter>,
  );
  return { ...rendered, navigate: (to: string) => navigate?.(to) };
}
