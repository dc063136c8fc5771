import { render } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom-v5-compat';
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

/** The app's root page as Grafana mounts it (from module.tsx's `plugin`), at an app URL. */
export function renderApp(path: string) {
  const Root = plugin.root!;
  const props = { meta: { jsonData: {} }, basename: '/a/vigil-incidents-app' } as AppRootProps<AppJsonData>;
  return render(
    <MemoryRouter initialEntries={[path]} future={ROUTER_FUTURE}>
      <Root {...props} />
    </MemoryRouter>,
  );
}
