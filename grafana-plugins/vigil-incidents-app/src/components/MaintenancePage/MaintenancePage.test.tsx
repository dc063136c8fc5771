import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeMaintenance, window } from '../../test-support/fakeMaintenance';
import { fakeVigil, incident } from '../../test-support/fakeVigil';
import { renderApp } from '../../test-support/renderApp';
import { testIds } from '../../testIds';
import type { Role } from '../../types';

const PATH = '/a/vigil-incidents-app/maintenance';

/** checkout (#1, firing), payments (#2, firing), checkout resolved (#3): two open incidents. */
function setup(role: Role = 'responder') {
  const vigil = fakeVigil({
    caller: { name: 'alice', role },
    incidents: [
      incident({ id: 1 }),
      incident({
        id: 2,
        service: 'payments',
        title: 'Latency payments',
        alerts: [{ ...incident().alerts[0]!, labels: { alertname: 'Latency', service: 'payments' } }],
      }),
      incident({ id: 3, status: 'resolved' }),
    ],
  });
  const maintenance = fakeMaintenance(vigil.requests, {
    role,
    windows: [
      window({ id: 1, matchers: ['service="checkout"'], comment: 'database upgrade' }),
      window({
        id: 2,
        name: 'weekly-backup',
        source: 'config',
        created_by: 'config',
        matchers: ['service=~"pay.*"', 'alertname="Latency"'],
        state: 'upcoming',
        starts_at: '2026-12-06T02:00:00.000Z',
        ends_at: '2026-12-06T04:00:00.000Z',
      }),
    ],
  });
  return { vigil, maintenance };
}

const card = (name: string) => screen.findByRole('region', { name: `Maintenance window ${name}` });

describe('Maintenance page', () => {
  it('lists the windows with the open incidents each covers', async () => {
    const { vigil } = setup();
    renderApp(PATH);
    const api = await card('Window #1');
    expect(within(api).getByText('active')).toBeInTheDocument();
    expect(within(api).getByText('service="checkout"')).toBeInTheDocument();
    expect(within(api).getByText(/Made by alice: database upgrade/)).toBeInTheDocument();
    const covered = await within(api).findByRole('list', { name: 'Covers' });
    // #3 matches too, but it is resolved.
    expect(
      within(covered)
        .getAllByRole('link')
        .map((a) => a.textContent),
    ).toEqual(['#1 HighErrorRate checkout 1']);
    expect(within(covered).getByRole('link')).toHaveAttribute('href', '/a/vigil-incidents-app/incidents/1');

    const config = await card('weekly-backup');
    expect(within(config).getByText('upcoming')).toBeInTheDocument();
    expect(within(config).getByText(/From the configuration file/)).toBeInTheDocument();
    const wouldCover = within(config).getByRole('list', { name: 'Would cover' });
    expect(within(wouldCover).getByRole('link', { name: '#2 Latency payments' })).toBeInTheDocument();
    // Only windows made through the API can be ended here.
    expect(within(api).getByRole('button', { name: 'End now' })).toBeInTheDocument();
    expect(within(config).queryByRole('button', { name: 'End now' })).toBeNull();
    expect(vigil.calls()).toEqual(
      expect.arrayContaining([
        'GET /maintenance',
        'GET /incidents',
        'GET /incidents/1',
        'GET /incidents/2',
        'GET /whoami',
      ]),
    );
    expect(vigil.requests.find((r) => r.path === '/incidents')?.params).toMatchObject({
      status: 'triggered,acknowledged',
    });
  });

  it('says when a window covers no open incident, and when there is no window', async () => {
    fakeMaintenance(fakeVigil().requests, { windows: [window({ matchers: ['service="db"'] })] });
    renderApp(PATH);
    const only = await card('Window #1');
    expect(await within(only).findByText('Covers: no open incident.')).toBeInTheDocument();

    fakeMaintenance(fakeVigil().requests);
    renderApp(PATH);
    expect(await screen.findByText('No maintenance window is active or upcoming.')).toBeInTheDocument();
  });

  it('ends a window after confirmation, then lists what is left', async () => {
    const { vigil } = setup();
    renderApp(PATH);
    const api = await card('Window #1');
    await userEvent.click(within(api).getByRole('button', { name: 'End now' }));
    await userEvent.click(within(api).getByRole('button', { name: 'End window' }));
    await waitFor(() =>
      expect(screen.queryByRole('region', { name: 'Maintenance window Window #1' })).toBeNull(),
    );
    expect(vigil.calls()).toContain('DELETE /maintenance/1');
    expect(screen.getByRole('region', { name: 'Maintenance window weekly-backup' })).toBeInTheDocument();
  });

  it('shows why a window could not be ended', async () => {
    const { maintenance } = setup();
    renderApp(PATH);
    const api = await card('Window #1');
    maintenance.windows.splice(0, 1); // ended meanwhile, elsewhere
    await userEvent.click(within(api).getByRole('button', { name: 'End now' }));
    await userEvent.click(within(api).getByRole('button', { name: 'End window' }));
    expect(await within(api).findByText('maintenance window 1 does not exist')).toBeInTheDocument();
  });

  it('is read-only for a viewer token: no form, no End', async () => {
    setup('viewer');
    renderApp(PATH);
    expect(
      await screen.findByText(/needs the responder role; the configured API token "alice" is a viewer/),
    ).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'End now' })).toBeNull();
    expect(screen.queryByTestId(testIds.maintenance.form)).toBeNull();
  });

  it("shows the other incidents' coverage when one of them fails to load", async () => {
    const { vigil } = setup();
    vigil.refuse('GET /incidents/2', 404, 'not_found', 'incident 2 not found');
    renderApp(PATH);
    const covered = await within(await card('Window #1')).findByRole('list', { name: 'Covers' });
    expect(within(covered).getByRole('link', { name: /#1 HighErrorRate/ })).toBeInTheDocument();
    expect(screen.queryByText(/incident 2 not found/)).toBeNull();
  });

  it('shows load errors', async () => {
    const vigil = fakeVigil();
    vigil.refuse('GET /whoami', 401, 'unauthorized', 'a valid API token is required');
    vigil.refuse('GET /incidents', 500, 'internal', 'database unavailable');
    fakeMaintenance(vigil.requests);
    renderApp(PATH);
    expect(await screen.findByText('database unavailable')).toBeInTheDocument();
    expect(
      screen.getByText(/Could not check the API token's role: a valid API token is required/),
    ).toBeInTheDocument();
  });
});
