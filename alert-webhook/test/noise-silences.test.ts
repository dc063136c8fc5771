import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { freePort, startAlertmanager, waitFor, type Alertmanager } from '@vigil/testkit';
import { startTestApp, tempDir } from './helpers';
import { startReceiver, type Receiver } from './fixtures/notify/receiver';
import { asResponder, env, noiseConfig, type App } from './fixtures/noise';

const HOUR = 3_600_000;

interface Silence {
  id: string;
  status: { state: string };
  matchers: { name: string; value: string; isRegex: boolean; isEqual: boolean }[];
  createdBy: string;
  comment: string;
  endsAt: string;
}

let dir: string;
let cleanup: () => void;
let alertmanager: Alertmanager;
let receiver: Receiver;

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('vigil-silences-'));
  alertmanager = await startAlertmanager({
    dir,
    config: { route: { receiver: 'nobody' }, receivers: [{ name: 'nobody' }] },
  });
  receiver = await startReceiver(() => ({ status: 200 }));
});
afterAll(async () => {
  await alertmanager?.stop();
  await receiver?.close();
  cleanup?.();
});

async function silence(id: string): Promise<Silence> {
  const res = await fetch(`${alertmanager.url}/api/v2/silence/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Silence;
}

const withSilences = (url: string) =>
  noiseConfig(receiver, { noise: { alertmanager_silences: { url, timeout: '2s' } } });

describe('maintenance windows as Alertmanager silences', () => {
  let t: App;
  afterEach(() => t.close());

  it('creates the matching silence in Alertmanager and expires it when the window is deleted', async () => {
    t = await startTestApp(withSilences(alertmanager.url), env);
    const endsAt = new Date(Date.now() + HOUR).toISOString();
    const created = await request(t.app)
      .post('/api/v1/maintenance')
      .set(asResponder)
      .send({
        matchers: ['service="db"', 'instance=~"db-[0-9]+", env!="dev", job!~"(?i)test.*"'],
        ends_at: endsAt,
        comment: 'db upgrade',
      })
      .expect(201);
    expect(created.body.alertmanager_silence).toEqual({ id: expect.any(String) });
    const silenceId = created.body.alertmanager_silence.id as string;

    const made = await silence(silenceId);
    expect(made).toMatchObject({
      status: { state: 'active' },
      comment: 'db upgrade',
      createdBy: 'vigil (alice)',
    });
    expect(Date.parse(made.endsAt)).toBe(Date.parse(endsAt));
    expect(made.matchers).toEqual(
      expect.arrayContaining([
        { name: 'service', value: 'db', isRegex: false, isEqual: true },
        { name: 'instance', value: 'db-[0-9]+', isRegex: true, isEqual: true },
        { name: 'env', value: 'dev', isRegex: false, isEqual: false },
        { name: 'job', value: '(?i)test.*', isRegex: true, isEqual: false },
      ]),
    );
    expect(made.matchers).toHaveLength(4);

    await request(t.app).delete(`/api/v1/maintenance/${created.body.id}`).set(asResponder).expect(200);
    expect((await silence(silenceId)).status.state).toBe('expired');
  });

  it('mirrors configured windows, and expires the silence once a window leaves the configuration', async () => {
    // Inside the suite's directory, removed after afterEach has closed the restarted app.
    const appDir = join(dir, 'restarted');
    mkdirSync(appDir);
    const window = {
      name: 'network-maintenance',
      matchers: ['site="fra1"'],
      starts_at: new Date(Date.now() - HOUR).toISOString(),
      ends_at: new Date(Date.now() + HOUR).toISOString(),
    };
    const doc = withSilences(alertmanager.url);
    t = await startTestApp({ ...doc, maintenance_windows: [window] }, env, appDir);
    await t.noise.ready();
    const silenceId = await waitFor('the configured window’s silence', async () => {
      const row = await t.db.selectFrom('maintenance_windows').select('silence_id').executeTakeFirst();
      return row?.silence_id ?? undefined;
    });
    expect(await silence(silenceId)).toMatchObject({
      status: { state: 'active' },
      createdBy: 'vigil (config)',
      comment: 'Vigil maintenance window 1',
      matchers: [{ name: 'site', value: 'fra1', isRegex: false, isEqual: true }],
    });
    await t.close();

    // Restarted without it: the window is deleted and its silence expired.
    t = await startTestApp(doc, env, appDir);
    await t.noise.ready();
    await waitFor('the silence to expire', async () =>
      (await silence(silenceId)).status.state === 'expired' ? true : undefined,
    );
    const row = await t.db.selectFrom('maintenance_windows').select('deleted_at').executeTakeFirstOrThrow();
    expect(row.deleted_at).toEqual(expect.any(String));
  });

  it('keeps the window, with the error, when Alertmanager cannot be reached', async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    t = await startTestApp(withSilences(nowhere), env);
    const created = await request(t.app)
      .post('/api/v1/maintenance')
      .set(asResponder)
      .send({ matchers: 'service="db"', ends_at: new Date(Date.now() + HOUR).toISOString() })
      .expect(201);
    expect(created.body.alertmanager_silence).toEqual({ error: expect.any(String) });
    expect(created.body.state).toBe('active');
  });
});
