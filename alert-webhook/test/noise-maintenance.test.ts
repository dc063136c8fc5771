import request from 'supertest';
import { startTestApp } from './helpers';
import { startReceiver, type Receiver } from './fixtures/notify/receiver';
import { BACKENDS, stopTestPostgres } from './support/backends';
import {
  asResponder,
  asViewer,
  deliver,
  env,
  heldMetric,
  noiseConfig,
  notificationsOf,
  sent,
  settle,
  type App,
} from './fixtures/noise';

const HOUR = 3_600_000;

// A receiver and a database per test: incident ids start from 1 in each.
let receiver: Receiver;
afterAll(stopTestPostgres);

const iso = (ms: number) => new Date(ms).toISOString();

const config = () =>
  noiseConfig(receiver, {
    maintenance_windows: [
      {
        name: 'legacy-retirement',
        matchers: ['service="legacy"'],
        starts_at: iso(Date.now() - HOUR),
        ends_at: iso(Date.now() + HOUR),
        comment: 'switching legacy off',
      },
      {
        name: 'tonight',
        matchers: 'service="cache"',
        starts_at: iso(Date.now() + 6 * HOUR),
        ends_at: iso(Date.now() + 8 * HOUR),
      },
    ],
  });

const fire = (t: App, key: string, service: string) =>
  deliver(t, key, [{ fingerprint: key, labels: { service } }]);
const resolve = (t: App, key: string, service: string) =>
  deliver(t, key, [{ fingerprint: key, labels: { service }, status: 'resolved' }]);

const notified = (id: number) => sent(receiver).filter((s) => s.incident.incidentId === id);

describe.each(BACKENDS)('maintenance windows on %s', (backend) => {
  let t: App;
  beforeEach(async () => {
    receiver = await startReceiver(() => ({ status: 200 }));
    t = await startTestApp(config(), env, undefined, backend);
  });
  afterEach(async () => {
    await t.close();
    await receiver.close();
  });

  it('records incidents but does not notify them during a window, lets resolves through, and ends on time', async () => {
    const before = await fire(t, 'db-before', 'db'); // opened (and notified) before the window

    const created = await request(t.app)
      .post('/api/v1/maintenance')
      .set(asResponder)
      .send({ matchers: ['service="db"'], ends_at: iso(Date.now() + HOUR), comment: 'db upgrade' })
      .expect(201);
    expect(created.body).toMatchObject({
      source: 'api',
      matchers: ['service="db"'],
      state: 'active',
      created_by: 'alice',
      comment: 'db upgrade',
    });
    const window = created.body as { id: number; ends_at: string };

    const during = await fire(t, 'db-during', 'db');
    const other = await fire(t, 'api-during', 'api');
    const brief = await fire(t, 'db-brief', 'db');
    await resolve(t, 'db-brief', 'db');
    await resolve(t, 'db-before', 'db');

    expect(notified(during)).toEqual([]);
    expect(notified(brief)).toEqual([]); // nobody heard it open: its resolve would only puzzle
    expect(notified(other).map((s) => s.incident.status)).toEqual(['triggered']);
    expect(notified(before).map((s) => s.incident.status)).toEqual(['triggered', 'resolved']);
    expect(await notificationsOf(t, during)).toEqual([
      expect.objectContaining({
        event: 'triggered',
        status: 'held',
        hold_reason: 'maintenance',
        hold_ref: String(window.id),
      }),
    ]);
    // The API says as much: why, and which window.
    const listed = await request(t.app)
      .get(`/api/v1/incidents/${during}/notifications`)
      .set(asViewer)
      .expect(200);
    expect(listed.body.items).toEqual([
      expect.objectContaining({ status: 'held', hold_reason: 'maintenance', hold_ref: String(window.id) }),
    ]);
    const incident = await request(t.app).get(`/api/v1/incidents/${during}`).set(asViewer).expect(200);
    expect(incident.body.status).toBe('triggered');
    expect(incident.body.timeline).toContainEqual(
      expect.objectContaining({
        kind: 'notifications_held',
        message: expect.stringContaining(`maintenance window ${window.id}`),
      }),
    );
    expect(await heldMetric(t, 'maintenance')).toBe(3);

    // Not yet over: nothing. Over: what it hid and is still triggered is notified, once.
    await t.noise.tick(new Date(Date.parse(window.ends_at) - 1000));
    await settle(t);
    expect(notified(during)).toEqual([]);
    await t.noise.tick(new Date(Date.parse(window.ends_at)));
    await settle(t);
    expect(notified(during).map((s) => s.incident.status)).toEqual(['triggered']);
    expect(notified(brief)).toEqual([]);
    await t.noise.tick(new Date(Date.parse(window.ends_at) + HOUR));
    await settle(t);
    expect(notified(during)).toHaveLength(1);
  });

  it('applies configured windows only between their start and end, and keeps them out of the API’s reach', async () => {
    const legacy = await fire(t, 'legacy-1', 'legacy');
    const cache = await fire(t, 'cache-1', 'cache'); // its window starts tonight
    expect(notified(legacy)).toEqual([]);
    expect(notified(cache)).toHaveLength(1);

    const list = await request(t.app).get('/api/v1/maintenance').set(asViewer).expect(200);
    expect(
      list.body.items.map((w: { name: string; state: string; source: string }) => [
        w.name,
        w.state,
        w.source,
      ]),
    ).toEqual([
      ['legacy-retirement', 'active', 'config'],
      ['tonight', 'upcoming', 'config'],
    ]);
    const id = list.body.items[0].id as number;
    const refused = await request(t.app).delete(`/api/v1/maintenance/${id}`).set(asResponder).expect(409);
    expect(refused.body.error.code).toBe('defined_in_config');
  });

  it('shows a window deleted before its start as ended, and says why an end is refused', async () => {
    const created = await request(t.app)
      .post('/api/v1/maintenance')
      .set(asResponder)
      .send({
        matchers: 'service="later"',
        starts_at: iso(Date.now() + HOUR),
        ends_at: iso(Date.now() + 2 * HOUR),
      })
      .expect(201);
    expect(created.body.state).toBe('upcoming');
    const deleted = await request(t.app)
      .delete(`/api/v1/maintenance/${created.body.id}`)
      .set(asResponder)
      .expect(200);
    expect(deleted.body.state).toBe('ended');
    const past = await request(t.app)
      .post('/api/v1/maintenance')
      .set(asResponder)
      .send({ matchers: 'service="later"', ends_at: iso(Date.now() - HOUR) })
      .expect(400);
    expect(past.body.error.details).toEqual([{ field: 'ends_at', message: 'must be in the future' }]);
    const reversed = await request(t.app)
      .post('/api/v1/maintenance')
      .set(asResponder)
      .send({
        matchers: 'service="later"',
        starts_at: iso(Date.now() + 2 * HOUR),
        ends_at: iso(Date.now() + HOUR),
      })
      .expect(400);
    expect(reversed.body.error.details).toEqual([{ field: 'ends_at', message: 'must be after starts_at' }]);
  });

  it('answers a DELETE of a window past its end as it ended, changing and auditing nothing', async () => {
    const created = await request(t.app)
      .post('/api/v1/maintenance')
      .set(asResponder)
      .send({ matchers: 'service="brief"', ends_at: iso(Date.now() + 300) })
      .expect(201);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const deleted = await request(t.app)
      .delete(`/api/v1/maintenance/${created.body.id}`)
      .set(asResponder)
      .expect(200);
    expect(deleted.body).toMatchObject({ state: 'ended', deleted_at: null, ends_at: created.body.ends_at });
    const audit = await t.db.selectFrom('audit_log').select('action').execute();
    expect(audit.map((a) => a.action)).not.toContain('maintenance_deleted');
  });

  it('ends a window early when it is deleted', async () => {
    const created = await request(t.app)
      .post('/api/v1/maintenance')
      .set(asResponder)
      .send({ matchers: 'service=~"search|index"', ends_at: iso(Date.now() + HOUR) })
      .expect(201);
    const id = created.body.id as number;
    const hidden = await fire(t, 'search-1', 'search');
    expect(notified(hidden)).toEqual([]);

    await request(t.app).delete(`/api/v1/maintenance/${id}`).set(asViewer).expect(403);
    const deleted = await request(t.app).delete(`/api/v1/maintenance/${id}`).set(asResponder).expect(200);
    expect(deleted.body).toMatchObject({ state: 'ended', deleted_at: expect.any(String) });
    // Again: the window as it ended (GET shows it so), not "does not exist".
    const again = await request(t.app).delete(`/api/v1/maintenance/${id}`).set(asResponder).expect(200);
    expect(again.body).toEqual(deleted.body);
    expect((await request(t.app).get('/api/v1/maintenance').set(asViewer)).body.items).toHaveLength(2);

    const shown = await fire(t, 'index-1', 'index');
    expect(notified(shown)).toHaveLength(1);
    await t.noise.tick();
    await settle(t);
    expect(notified(hidden).map((s) => s.incident.status)).toEqual(['triggered']);
    const audit = await t.db.selectFrom('audit_log').select(['action', 'actor']).execute();
    expect(audit).toEqual(
      expect.arrayContaining([
        { action: 'maintenance_created', actor: 'alice' },
        { action: 'maintenance_deleted', actor: 'alice' },
      ]),
    );
  });

  it('refuses bad windows with 400s naming the field, and viewers may not create them', async () => {
    const post = (body: unknown) =>
      request(t.app)
        .post('/api/v1/maintenance')
        .set(asResponder)
        .send(body as object);
    const fields = async (body: unknown) => {
      const res = await post(body).expect(400);
      expect(res.body.error.code).toBe('invalid_request');
      return (res.body.error.details as { field: string; message: string }[]).map((d) => [
        d.field,
        d.message,
      ]);
    };
    const later = iso(Date.now() + HOUR);
    expect(await fields({ matchers: ['service="db"'] })).toEqual([['ends_at', expect.any(String)]]);
    expect(await fields({ matchers: ['service="db'], ends_at: later })).toEqual([
      ['matchers.0', expect.stringContaining('missing closing double quote')],
    ]);
    expect(await fields({ matchers: ['service!="db"'], ends_at: later })).toEqual([
      ['matchers', expect.stringContaining('does not match the empty string')],
    ]);
    expect(await fields({ matchers: 'service="db"', ends_at: 'tomorrow' })).toEqual([
      ['ends_at', 'must be an RFC 3339 timestamp'],
    ]);
    expect(await fields({ matchers: 'service="db"', starts_at: later, ends_at: iso(Date.now()) })).toEqual([
      ['ends_at', 'must be after starts_at'],
    ]);
    expect(
      await fields({
        matchers: 'service="db"',
        ends_at: iso(Date.now() - HOUR),
        starts_at: iso(Date.now() - 2 * HOUR),
      }),
    ).toEqual([['ends_at', 'must be in the future']]);
    expect(await fields({ matchers: 'service="db"', ends_at: later, silence: true })).toEqual([
      ['silence', 'unknown field'],
    ]);
    await request(t.app)
      .post('/api/v1/maintenance')
      .set(asViewer)
      .send({ matchers: 'service="db"', ends_at: later })
      .expect(403);
    await request(t.app).get('/api/v1/maintenance/abc').set(asViewer).expect(404);
    await request(t.app).get('/api/v1/maintenance/999').set(asViewer).expect(404);
    // Nothing half-made: only the two configured windows exist.
    await t.noise.ready();
    expect(await t.db.selectFrom('maintenance_windows').selectAll().execute()).toHaveLength(2);
  });
});
