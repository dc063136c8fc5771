import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { locationUtil, OrgRole } from '@grafana/data';
import { config } from '@grafana/runtime';
import { fakeVigil, incident } from '../../test-support/fakeVigil';
import { renderApp } from '../../test-support/renderApp';
import { testIds } from '../../testIds';
import type { Notification } from '../../types';

const button = (name: string) => screen.getByRole('button', { name });

async function openIncident(id: number) {
  renderApp(`/a/vigil-incidents-app/incidents/${id}`);
  await screen.findByRole('heading', { name: new RegExp(`#${id} `) });
  // The role arrives separately (whoami): wait until it has been applied to the buttons.
  await waitFor(() => expect(screen.queryByText(/Loading/)).toBeNull());
}

describe('Incident page', () => {
  it('shows the alerts with labels and annotations, the timeline and the notifications sent', async () => {
    const vigil = fakeVigil({
      incidents: [incident({ id: 4 })],
      notifications: {
        4: [
          {
            id: 1,
            event: 'triggered',
            channel: 'team-email',
            recipient: 'team@vigil.localhost',
            status: 'sent',
            hold_reason: null,
            hold_ref: null,
            attempts: 2,
            last_error: null,
            created_at: '2026-12-01T11:00:01.000Z',
            updated_at: '2026-12-01T11:00:03.000Z',
            deliveries: [
              {
                attempt: 1,
                at: '2026-12-01T11:00:01.000Z',
                kind: 'email',
                target: 'smtp://mail.local:25',
                ok: false,
                status_code: 421,
                error: 'try again later',
                duration_ms: 12,
              },
              {
                attempt: 2,
                at: '2026-12-01T11:00:03.000Z',
                kind: 'email',
                target: 'smtp://mail.local:25',
                ok: true,
                status_code: 250,
                error: null,
                duration_ms: 9,
              },
            ],
          },
          {
            id: 2,
            event: 'triggered',
            channel: 'oncall-slack',
            recipient: null,
            status: 'held',
            hold_reason: 'maintenance',
            hold_ref: '3',
            attempts: 0,
            last_error: null,
            created_at: '2026-12-01T11:00:01.000Z',
            updated_at: '2026-12-01T11:00:01.000Z',
            deliveries: [],
          },
        ],
      },
    });
    await openIncident(4);
    const alert = screen.getByTestId(testIds.incident.alert);
    expect(within(alert).getByText('service=checkout')).toBeInTheDocument();
    expect(within(alert).getByText('Error ratio above 5%')).toBeInTheDocument();
    expect(within(alert).getByRole('link', { name: /runbooks\.local/ })).toHaveAttribute(
      'href',
      'https://runbooks.local/high-error-rate',
    );
    expect(
      within(screen.getByTestId(testIds.incident.timeline)).getByText('1 alert fired'),
    ).toBeInTheDocument();
    const sent = await screen.findByTestId(testIds.incident.notifications);
    expect(within(sent).getByText('team-email')).toBeInTheDocument();
    expect(within(sent).getByText(/#1 failed \(421\)/)).toBeInTheDocument();
    expect(within(sent).getByText(/#2 delivered \(250\)/)).toBeInTheDocument();
    expect(within(sent).getByText('by maintenance window 3')).toBeInTheDocument();
    expect(vigil.calls()).toEqual(
      expect.arrayContaining(['GET /incidents/4', 'GET /whoami', 'GET /incidents/4/notifications']),
    );
  });

  it("draws a storm's alerts fifty at a time, firing ones first, more on request", async () => {
    const [template] = incident().alerts;
    const alert = (n: number, status: 'firing' | 'resolved') => ({
      ...template!,
      id: n,
      fingerprint: `fp-${n}`,
      status,
      ends_at: status === 'resolved' ? '2026-12-01T11:30:00.000Z' : null,
      labels: { alertname: 'HighErrorRate', instance: `host-${n}` },
    });
    // The resolved ones first, as alert-webhook may list them (in the order they were stored).
    const alerts = [
      ...Array.from({ length: 60 }, (_, i) => alert(i + 1, 'resolved')),
      ...Array.from({ length: 60 }, (_, i) => alert(i + 61, 'firing')),
    ];
    fakeVigil({ incidents: [incident({ id: 8, alerts })] });
    await openIncident(8);
    expect(screen.getByRole('heading', { name: 'Alerts (120)' })).toBeInTheDocument();
    const drawn = () => screen.getAllByTestId(testIds.incident.alert);
    expect(drawn()).toHaveLength(50);
    expect(drawn().every((a) => within(a).queryByText('firing') !== null)).toBe(true);
    expect(within(drawn()[0]!).getByText('instance=host-61')).toBeInTheDocument();
    await userEvent.click(button('Show 50 more of 70'));
    expect(drawn()).toHaveLength(100);
    expect(within(drawn()[60]!).getByText('instance=host-1')).toBeInTheDocument();
    await userEvent.click(button('Show 20 more of 20'));
    expect(drawn()).toHaveLength(120);
    expect(screen.queryByRole('button', { name: /more of/ })).toBeNull();
  });

  it('links each ticket made for the incident (Jira key to its issue) and the postmortem', async () => {
    fakeVigil({
      incidents: [
        incident({
          id: 8,
          tickets: [
            { channel: 'jira', key: 'OPS-42', url: 'https://jira.example/browse/OPS-42' },
            { channel: 'jira-legacy', key: 'OLD-1', url: 'javascript:alert(1)' },
          ],
        }),
      ],
    });
    await openIncident(8);
    const tickets = screen.getByTestId(testIds.incident.tickets);
    expect(within(tickets).getByRole('link', { name: /OPS-42/ })).toHaveAttribute(
      'href',
      'https://jira.example/browse/OPS-42',
    );
    // A link that is not http(s) is shown as its key, not followed.
    expect(within(tickets).getByText('OLD-1').closest('a')).toBeNull();
    expect(screen.getByTestId(testIds.incident.postmortemLink)).toHaveAttribute(
      'href',
      '/a/vigil-incidents-app/incidents/8/postmortem',
    );
  });

  it('shows no ticket line when the incident has no ticket', async () => {
    fakeVigil({ incidents: [incident({ id: 9 })] });
    await openIncident(9);
    expect(screen.queryByTestId(testIds.incident.tickets)).toBeNull();
  });

  it('renders annotations and notes as text, never as HTML', async () => {
    const payload = '<img src=x onerror="window.__pwned=1">';
    const base = incident({ id: 5 });
    base.alerts[0]!.annotations = { description: payload };
    base.timeline.push({
      id: 2,
      incident_id: 5,
      at: base.opened_at,
      kind: 'note',
      actor: 'eve',
      message: `<b>${payload}</b>`,
      data: null,
    });
    fakeVigil({ incidents: [base] });
    const { container } = renderApp('/a/vigil-incidents-app/incidents/5');
    expect(await screen.findByText(payload)).toBeInTheDocument();
    expect(screen.getByText(`<b>${payload}</b>`)).toBeInTheDocument();
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('b')).toBeNull();
  });

  it('acknowledges, resolves, reopens, adds a note and assigns, updating the page from each answer', async () => {
    const user = userEvent.setup({ delay: null });
    const vigil = fakeVigil({ incidents: [incident({ id: 7 })] });
    await openIncident(7);
    const status = () => screen.getByTestId(testIds.incident.status);

    await waitFor(() => expect(button('Acknowledge')).toBeEnabled());
    expect(button('Reopen')).toBeDisabled();
    await user.click(button('Acknowledge'));
    await waitFor(() => expect(status()).toHaveTextContent('acknowledged'));
    expect(screen.getByText(/by alice/)).toBeInTheDocument();
    expect(button('Acknowledge')).toBeDisabled();

    await user.click(button('Resolve'));
    await waitFor(() => expect(status()).toHaveTextContent('resolved'));
    expect(button('Resolve')).toBeDisabled();
    await user.click(button('Reopen'));
    await waitFor(() => expect(status()).toHaveTextContent('triggered'));

    await user.type(screen.getByTestId(testIds.incident.note), 'rolled back the deploy');
    await user.click(button('Add note'));
    expect(await screen.findByText('rolled back the deploy')).toBeInTheDocument();
    expect(screen.getByTestId(testIds.incident.note)).toHaveValue('');

    await user.type(screen.getByTestId(testIds.incident.assignee), 'bob');
    await user.click(button('Assign'));
    expect(await screen.findByText('assignee bob')).toBeInTheDocument();

    const posts = vigil.requests.filter((r) => r.method === 'POST');
    expect(posts).toEqual([
      { method: 'POST', path: '/incidents/7/acknowledge', params: undefined, data: undefined },
      { method: 'POST', path: '/incidents/7/resolve', params: undefined, data: undefined },
      { method: 'POST', path: '/incidents/7/reopen', params: undefined, data: undefined },
      {
        method: 'POST',
        path: '/incidents/7/notes',
        params: undefined,
        data: { text: 'rolled back the deploy' },
      },
      { method: 'POST', path: '/incidents/7/assign', params: undefined, data: { assignee: 'bob' } },
    ]);
    expect(vigil.incidents[0]!.timeline.map((e) => e.kind)).toEqual([
      'opened',
      'acknowledged',
      'resolved',
      'reopened',
      'note',
      'assigned',
    ]);
  });

  it('offers no action to a viewer token and says why', async () => {
    const vigil = fakeVigil({ caller: { name: 'dash', role: 'viewer' }, incidents: [incident({ id: 8 })] });
    await openIncident(8);
    expect(
      await screen.findByText(/needs the responder role; the configured API token "dash" is a/),
    ).toBeVisible();
    for (const name of ['Acknowledge', 'Resolve', 'Reopen', 'Assign', 'Add note'])
      expect(button(name)).toBeDisabled();
    expect(screen.getByTestId(testIds.incident.note)).toBeDisabled();
    expect(vigil.calls().filter((c) => c.startsWith('POST'))).toEqual([]);
  });

  it("offers no action to a Grafana Viewer, whose writes Grafana's proxy refuses, and says why", async () => {
    const user = config.bootData.user;
    config.bootData.user = { ...user, orgRole: OrgRole.Viewer, isGrafanaAdmin: false };
    try {
      const vigil = fakeVigil({
        caller: { name: 'ops', role: 'responder' },
        incidents: [incident({ id: 10 })],
      });
      await openIncident(10);
      expect(
        await screen.findByText(
          "Acting on incidents needs Grafana's Editor role: Grafana forwards only reads for a Viewer.",
        ),
      ).toBeVisible();
      for (const name of ['Acknowledge', 'Resolve', 'Assign', 'Add note'])
        expect(button(name)).toBeDisabled();
      expect(vigil.calls().filter((c) => c.startsWith('POST'))).toEqual([]);
    } finally {
      config.bootData.user = user;
    }
  });

  it("links back to the list and on to the postmortem under Grafana's sub-path (root_url)", async () => {
    locationUtil.initialize({
      config: { appSubUrl: '/grafana' } as never,
      getTimeRangeForUrl: () => ({ from: 'now-6h', to: 'now' }),
      getVariablesUrlParams: () => ({}),
    });
    try {
      fakeVigil({ caller: { name: 'ops', role: 'responder' }, incidents: [incident({ id: 11 })] });
      await openIncident(11);
      const back = await screen.findByRole('link', { name: /All incidents/ });
      expect(back).toHaveAttribute('href', '/grafana/a/vigil-incidents-app/incidents');
      expect(screen.getByRole('link', { name: /postmortem/i })).toHaveAttribute(
        'href',
        '/grafana/a/vigil-incidents-app/incidents/11/postmortem',
      );
    } finally {
      locationUtil.initialize({
        config: { appSubUrl: '' } as never,
        getTimeRangeForUrl: () => ({ from: 'now-6h', to: 'now' }),
        getVariablesUrlParams: () => ({}),
      });
    }
  });

  it('enables the actions for an admin token', async () => {
    fakeVigil({ caller: { name: 'root', role: 'admin' }, incidents: [incident({ id: 9 })] });
    await openIncident(9);
    await waitFor(() => expect(button('Acknowledge')).toBeEnabled());
    expect(button('Resolve')).toBeEnabled();
  });

  it("shows the API's error when an action is refused, and keeps the page as it was", async () => {
    const user = userEvent.setup({ delay: null });
    const vigil = fakeVigil({ incidents: [incident({ id: 10 })] });
    vigil.refuse(
      'POST /incidents/10/acknowledge',
      409,
      'invalid_transition',
      'cannot acknowledge an incident that is resolved',
    );
    await openIncident(10);
    await waitFor(() => expect(button('Acknowledge')).toBeEnabled());
    await user.click(button('Acknowledge'));
    const error = await screen.findByTestId(testIds.incident.actionError);
    expect(error).toHaveTextContent('cannot acknowledge an incident that is resolved');
    expect(screen.getByTestId(testIds.incident.status)).toHaveTextContent('triggered');

    vigil.refuseAsGrafana('POST /incidents/10/resolve', 403, 'plugin proxy route access denied');
    await user.click(button('Resolve'));
    await waitFor(() =>
      expect(screen.getByTestId(testIds.incident.actionError)).toHaveTextContent(
        'plugin proxy route access denied (HTTP 403)',
      ),
    );
  });

  it('shows what others did, reloading every 30 seconds', async () => {
    jest.useFakeTimers();
    try {
      const notifications: Record<number, Notification[]> = {};
      const vigil = fakeVigil({ incidents: [incident({ id: 12 })], notifications });
      renderApp('/a/vigil-incidents-app/incidents/12');
      await act(() => jest.advanceTimersByTimeAsync(0));
      expect(screen.getByTestId(testIds.incident.status)).toHaveTextContent('triggered');
      Object.assign(vigil.incidents[0]!, { status: 'acknowledged', acknowledged_by: 'bob' });
      await act(() => jest.advanceTimersByTimeAsync(30_000));
      expect(screen.getByTestId(testIds.incident.status)).toHaveTextContent('acknowledged');
      expect(screen.getByText(/by bob/)).toBeInTheDocument();
      // A delivery changes its notification, not the incident: the list is loaded again all the same.
      expect(screen.getByText('No notifications sent.')).toBeInTheDocument();
      notifications[12] = [
        {
          id: 7,
          event: 'triggered',
          channel: 'team-email',
          recipient: null,
          status: 'failed',
          hold_reason: null,
          hold_ref: null,
          attempts: 1,
          last_error: 'connection refused',
          created_at: '2026-12-01T11:00:01.000Z',
          updated_at: '2026-12-01T11:00:02.000Z',
          deliveries: [],
        },
      ];
      await act(() => jest.advanceTimersByTimeAsync(30_000));
      expect(screen.getByTestId(testIds.incident.notifications)).toHaveTextContent('connection refused');
    } finally {
      jest.useRealTimers();
    }
  });

  it('says so when the incident does not exist', async () => {
    fakeVigil({ incidents: [] });
    renderApp('/a/vigil-incidents-app/incidents/99');
    expect(await screen.findByText('incident 99 does not exist')).toBeInTheDocument();
  });

  it("keeps the actions off when the token's role cannot be checked, saying why", async () => {
    const vigil = fakeVigil({ incidents: [incident({ id: 11 })] });
    vigil.refuse('GET /whoami', 401, 'unauthorized', 'a valid API token is required');
    await openIncident(11);
    expect(
      await screen.findByText(/Could not check the API token's role: a valid API token is required/),
    ).toBeVisible();
    expect(button('Acknowledge')).toBeDisabled();
  });
});
