import { onCallResponse } from '@vigil/api-contract';
import request from 'supertest';
import { startTestApp } from './helpers';

let t: Awaited<ReturnType<typeof startTestApp>>;
beforeAll(async () => {
  t = await startTestApp(
    {
      api: { tokens: [{ name: 'dash', role: 'viewer', token: { env: 'VIEWER' } }] },
      // Whoever a schedule names must be a user, with a channel to be paged on.
      notifications: {
        channels: { pager: { kind: 'webhook', url: 'http://127.0.0.1:9/', secret: { env: 'PAGER' } } },
      },
      users: ['alice', 'bob', 'dave'].map((name) => ({ name, channels: ['pager'] })),
      oncall: {
        schedules: [
          {
            name: 'primary',
            rotations: [
              {
                name: 'weekly',
                type: 'weekly',
                handoff: '09:00',
                time_zone: 'Europe/Berlin',
                start: '2026-11-02',
                participants: ['alice', 'bob'],
              },
            ],
            overrides: [{ user: 'dave', from: '2026-11-10T10:00:00Z', to: '2026-11-10T14:00:00Z' }],
          },
        ],
      },
    },
    { VIEWER: 'v', PAGER: 'pager-secret' },
  );
});
afterAll(() => t.close());

const get = (query: string) => request(t.app).get(`/api/v1/oncall${query}`).set('Authorization', 'Bearer v');

describe('GET /api/v1/oncall', () => {
  it('answers who is on call at a given time, and who is next', async () => {
    const res = await get('?at=2026-11-04T12:00:00Z').expect(200);
    expect(res.body).toEqual({
      at: '2026-11-04T12:00:00.000Z',
      schedules: [
        {
          name: 'primary',
          on_call: {
            user: 'alice',
            rotation: 'weekly',
            override: false,
            shift_start: '2026-11-02T08:00:00.000Z',
            shift_end: '2026-11-09T08:00:00.000Z',
          },
          next: [
            expect.objectContaining({ user: 'bob', shift_start: '2026-11-09T08:00:00.000Z' }),
            expect.objectContaining({
              user: 'dave',
              override: true,
              shift_start: '2026-11-10T10:00:00.000Z',
            }),
          ],
        },
      ],
    });
  });

  it('shows an override in force', async () => {
    const res = await get('?at=2026-11-10T12:00:00Z&schedule=primary').expect(200);
    expect(res.body.schedules[0].on_call).toMatchObject({ user: 'dave', override: true });
  });

  it('at the end of the year 9999: the shift ends there, and no shift after it is answered', async () => {
    const res = await get('?at=9999-12-31T12:00:00Z').expect(200);
    expect(res.body.schedules[0]).toEqual({
      name: 'primary',
      on_call: expect.objectContaining({
        shift_start: '9999-12-27T08:00:00.000Z',
        shift_end: '9999-12-31T23:59:59.999Z',
      }),
      next: [],
    });
    expect(onCallResponse.safeParse(res.body).success).toBe(true);
  });

  it('refuses a bad time or an unknown schedule by name', async () => {
    const bad = await get('?at=yesterday').expect(400);
    expect(bad.body.error.details[0].field).toBe('at');
    await get('?schedule=nope').expect(404);
    await request(t.app).get('/api/v1/oncall').expect(401);
  });
});
