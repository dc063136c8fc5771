import { render, screen } from '@testing-library/react';
import type { AppRootProps } from '@grafana/data';
import { fakeVigil, incident } from '../../test-support/fakeVigil';
import { renderApp } from '../../test-support/renderApp';
import { testIds } from '../../testIds';
import type { AppJsonData } from '../../types';
import { App } from './App';

describe('App', () => {
  it('sends an unknown app path to the incidents list', async () => {
    fakeVigil({ incidents: [incident({ id: 1 })] });
    renderApp('/a/vigil-incidents-app/nowhere');
    expect(await screen.findByTestId(testIds.incidents.page)).toBeInTheDocument();
  });

  it.each([
    ['/a/vigil-incidents-app/incidents/1', testIds.incident.page],
    ['/a/vigil-incidents-app/oncall', testIds.oncall.page],
    ['/a/vigil-incidents-app/reports', testIds.reports.page],
    ['/a/vigil-incidents-app/maintenance', testIds.maintenance.page],
  ])('serves %s', async (path, page) => {
    fakeVigil({ incidents: [incident({ id: 1 })] });
    renderApp(path);
    expect(await screen.findByTestId(page)).toBeInTheDocument();
  });

  it('brings its own router when mounted outside one (the browser address decides the page)', async () => {
    fakeVigil({ incidents: [incident({ id: 3 })] });
    window.history.pushState({}, '', '/a/vigil-incidents-app/incidents/3');
    render(<App {...({ meta: { jsonData: {} } } as AppRootProps<AppJsonData>)} />);
    expect(await screen.findByRole('heading', { name: /#3 / })).toBeInTheDocument();
    window.history.pushState({}, '', '/');
  });
});
