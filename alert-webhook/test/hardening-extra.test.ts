import request from 'supertest';
import { DEEPER, EXTRA_MAX_BYTES, LEFT_OUT_KEY } from '../src/incidents/extra';
import { GUARDED, notification, startGuardedApp } from './helpers';

// Issue 16, item 2: what is kept of an alert's extra fields is bounded, and every stored incident reads back.

let t: Awaited<ReturnType<typeof startGuardedApp>>;
beforeEach(async () => {
  t = await startGuardedApp();
});
afterEach(() => t.close());

/** A JSON text nested `depth` levels deep, built as text: JSON.stringify cannot make it. */
const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/** Posts a notification whose single alert carries `extra` (JSON text) as the field `deep`; returns the incident. */
async function deliverWithExtra(fields: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const text = JSON.stringify(notification([{ fingerprint: 'x' }])).replace(
    '"fingerprint":"x"',
    `"fingerprint":"x",${fields}`,
  );
  await request(t.app)
    .post('/api/v1/alertmanager')
    .set(GUARDED.asHook)
    .set('Content-Type', 'application/json')
    .send(text)
    .expect(200);
  await t.inbox.drained();
  const list = await request(t.app).get('/api/v1/incidents').set(GUARDED.asViewer);
  const id = list.body.items[0].id as number;
  const res = await request(t.app).get(`/api/v1/incidents/${id}`).set(GUARDED.asViewer);
  return { status: res.status, body: res.body as Record<string, unknown> };
}

const extraOf = (body: Record<string, unknown>) =>
  (body.alerts as { extra: Record<string, unknown> }[])[0]?.extra as Record<string, unknown>;

/** How deep a JSON value goes (1 for a scalar). */
function depthOf(value: unknown): number {
  let depth = 1;
  let level: unknown[] = [value];
  while (level.length > 0) {
    const next = level.flatMap((v) => (v !== null && typeof v === 'object' ? Object.values(v) : []));
    if (next.length === 0) break;
    depth += 1;
    level = next;
  }
  return depth;
}

it('keeps an extra field nested 10,000 levels deep cut after 8 levels, and reads the incident back', async () => {
  const { status, body } = await deliverWithExtra(`"deep":${nested(10_000)}`);
  expect(status).toBe(200);
  const deep = extraOf(body).deep;
  expect(depthOf(deep)).toBe(9); // eight levels of objects, then the marker
  let v = deep as Record<string, unknown>;
  for (let i = 0; i < 8; i++) v = v.a as Record<string, unknown>;
  expect(v).toBe(DEEPER);
});

it('keeps extra fields up to the size limit and counts the rest', async () => {
  const fields = Array.from({ length: 40 }, (_, i) => `"f${i}":"${'x'.repeat(1000)}"`).join(',');
  const { status, body } = await deliverWithExtra(fields);
  expect(status).toBe(200);
  const extra = extraOf(body);
  expect(Buffer.byteLength(JSON.stringify(extra))).toBeLessThanOrEqual(EXTRA_MAX_BYTES + 200);
  const kept = Object.keys(extra).filter((k) => k !== LEFT_OUT_KEY);
  expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => `f${i}`));
  expect(kept.length).toBeGreaterThan(10);
  expect(extra[LEFT_OUT_KEY]).toMatch(
    new RegExp(`^${40 - kept.length} more fields \\(\\d+ bytes\\) not kept`),
  );
});

it('keeps what Grafana adds as it came', async () => {
  const grafana = {
    values: { B: 98.5, C: 1 },
    valueString: "[ var='B' labels={} value=98.5 ]",
    dashboardURL: 'http://grafana/d/abc',
    silenceURL: 'http://grafana/alerting/silence/new',
  };
  const { body } = await deliverWithExtra(JSON.stringify(grafana).slice(1, -1));
  expect(extraOf(body)).toEqual(grafana);
});

it('reads back an incident stored before the limits, whatever its extra fields hold', async () => {
  await deliverWithExtra('"ok":1');
  await t.db
    .updateTable('alerts')
    .set({ extra: `{"deep":${nested(100_000)},"big":"${'y'.repeat(100_000)}"}` })
    .execute();
  const id = (await t.db.selectFrom('incidents').select('id').executeTakeFirstOrThrow()).id;
  const res = await request(t.app).get(`/api/v1/incidents/${id}`).set(GUARDED.asViewer).expect(200);
  expect(depthOf(extraOf(res.body).deep)).toBe(9);
  expect(extraOf(res.body)[LEFT_OUT_KEY]).toMatch(/^1 more field /);

  await t.db.updateTable('alerts').set({ extra: 'not json {' }).execute();
  const broken = await request(t.app).get(`/api/v1/incidents/${id}`).set(GUARDED.asViewer).expect(200);
  expect((broken.body.alerts as { extra: unknown }[])[0]?.extra).toEqual({ value: 'not json {' });
});
