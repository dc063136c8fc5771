import { screen, within } from '@testing-library/react';
import { fakeVigil } from '../../test-support/fakeVigil';
import { renderApp } from '../../test-support/renderApp';
import { testIds } from '../../testIds';

const shift = (user: string, start: string, end: string, extra = {}) => ({
  user,
  rotation: 'weekly',
  override: false,
  shift_start: start,
  shift_end: end,
  ...extra,
});

describe('On-call page', () => {
  it('shows who is on call now and next, per schedule', async () => {
    const vigil = fakeVigil({
      oncall: {
        at: '2026-12-02T12:00:00.000Z',
        schedules: [
          {
            name: 'primary',
            on_call: shift('alice', '2026-11-30T08:00:00.000Z', '2026-12-07T08:00:00.000Z'),
            next: [
              shift('dave', '2026-12-03T10:00:00.000Z', '2026-12-03T14:00:00.000Z', {
                override: true,
                rotation: null,
              }),
              shift('bob', '2026-12-07T08:00:00.000Z', '2026-12-14T08:00:00.000Z'),
            ],
          },
          { name: 'database', on_call: null, next: [] },
        ],
      },
    });
    renderApp('/a/vigil-incidents-app/oncall');
    const primary = await screen.findByRole('region', { name: 'Schedule primary' });
    expect(within(primary).getByText('alice')).toBeInTheDocument();
    const next = within(primary).getAllByRole('listitem');
    expect(next.map((li) => li.querySelector('strong')?.textContent)).toEqual(['dave', 'bob']);
    expect(within(next[0]!).getByText('override')).toBeInTheDocument();
    const database = screen.getByRole('region', { name: 'Schedule database' });
    expect(within(database).getByText('Nobody')).toBeInTheDocument();
    expect(within(database).getByText('No shift ahead')).toBeInTheDocument();
    expect(screen.getAllByTestId(testIds.oncall.schedule)).toHaveLength(2);
    expect(vigil.calls()).toEqual(['GET /oncall']);
  });

  it('shows the API error', async () => {
    const vigil = fakeVigil();
    vigil.refuse('GET /oncall', 401, 'unauthorized', 'a valid API token is required');
    renderApp('/a/vigil-incidents-app/oncall');
    expect(await screen.findByText('a valid API token is required')).toBeInTheDocument();
  });
});
