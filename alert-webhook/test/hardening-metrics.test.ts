import request from 'supertest';
import { parseConfig } from '../src/config';
import { openDatabase } from '../src/db/database';
import { createMetrics, DB_READ_MS, MAX_UNCONFIGURED_TEAMS, scrapePage } from '../src/metrics';
import { freshStorage, stopTestPostgres } from './support/backends';
import { blackholeProxy } from './support/blackhole';
import { notification } from './helpers';
import { manualClock, startReportsApp, tempDir } from './fixtures/reports';

// Issue 16, item 7: metric label values taken from alert data are bounded.

const TTR = 'vigil_incident_time_to_resolve_seconds';

afterAll(stopTestPostgres);

/** Each series of a metric in the exposition, as its labels and value. */
function series(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  return text
    .split('\n')
    .map((line) => /^([a-z_:]+)\{(.*)\} (\S+)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null && m[1] === name)
    .map((m) => ({
      labels: Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]])),
      value: Number(m[3]),
    }));
}

it('maps severities to the configured set plus other, and caps teams, whatever the alerts say', async () => {
  const dir = tempDir();
  const clock = manualClock(new Date().toISOString());
  const t = await startReportsApp(
    {
      routing: { team: 'ops', channels: [], routes: [{ matchers: 'service="db"', team: 'dba' }] },
      reports: { sla: [{ severity: 'page', acknowledge_within: '5m' }] },
    },
    clock,
    dir.dir,
  );
  try {
    const huge = 'x'.repeat(100_000);
    const groups: [string, Record<string, string>][] = [
      ['huge', { severity: huge, team: huge }],
      ['upper', { severity: 'CRITICAL', service: 'db' }],
      ['page', { severity: 'page', team: 'dba' }],
      ['unknown', { severity: 'sev1' }],
      ...Array.from({ length: 60 }, (_, i): [string, Record<string, string>] => [
        `team-${i}`,
        { severity: 'warning', team: `team-${i}` },
      ]),
    ];
    const startsAt = new Date(Date.now() - 600_000).toISOString();
    const send = (status: 'firing' | 'resolved') =>
      Promise.all(
        groups.map(([key, labels]) =>
          request(t.app)
            .post('/api/v1/alertmanager')
            .send(notification([{ fingerprint: key, status, startsAt, labels }], { groupKey: key }))
            .expect(200),
        ),
      );
    await send('firing');
    await t.inbox.drained();
    clock.set(new Date(Date.now() + 5000).toISOString());
    let text = (await request(t.app).get('/metrics').expect(200)).text;
    expect(text).not.toContain(huge.slice(0, 100));
    const open = Object.fromEntries(
      series(text, 'vigil_incidents_open').map((s) => [s.labels.severity, s.value]),
    );
    expect(open).toEqual({ other: 2, critical: 1, page: 1, warning: 60 });

    await send('resolved');
    await t.inbox.drained();
    clock.set(new Date(Date.now() + 5000).toISOString());
    text = (await request(t.app).get('/metrics').expect(200)).text;
    expect(text).not.toContain(huge.slice(0, 100));
    expect(text.length).toBeLessThan(200_000);
    const resolved = series(text, `${TTR}_count`);
    const teams = new Set(resolved.map((s) => s.labels.team));
    const severities = new Set(resolved.map((s) => s.labels.severity));
    // error and info are there at 0 from the start (each ranking severity with each configured team).
    expect([...severities].sort()).toEqual(['critical', 'error', 'info', 'other', 'page', 'warning']);
    // Configured: dba (and ops, none); then the first teams seen, up to the cap; the rest count as other.
    expect(teams.has('dba')).toBe(true);
    expect(teams.has('other')).toBe(true);
    const unconfigured = [...teams].filter((team) => /^team-\d+$/.test(team ?? ''));
    expect(unconfigured).toHaveLength(MAX_UNCONFIGURED_TEAMS);
    const total = resolved.reduce((n, s) => n + s.value, 0);
    expect(total).toBe(groups.length);
  } finally {
    await t.close();
    dir.cleanup();
  }
});

it('serves the page while the database does not answer, its series at their last values and vigil_db_up 0', async () => {
  const dir = tempDir();
  const t = await startReportsApp(
    { heartbeats: [{ name: 'watchdog' }] },
    manualClock(new Date().toISOString()),
    dir.dir,
  );
  try {
    await request(t.app)
      .post('/api/v1/alertmanager')
      .send(notification([{ fingerprint: 'a' }]))
      .expect(200);
    await t.inbox.drained();
    const before = (await request(t.app).get('/metrics').expect(200)).text;
    expect(before).toContain('vigil_db_up 1');
    expect(series(before, 'vigil_incidents_open')).toHaveLength(1);
    // The database goes away (a restart, a failover): every read fails.
    await t.db.destroy();
    const during = await request(t.app).get('/metrics');
    expect(during.status).toBe(200);
    expect(during.text).toContain('vigil_db_up 0');
    expect(during.text).toContain('vigil_leader 1');
    expect(during.text).toMatch(/^process_cpu_seconds_total /m);
    expect(series(during.text, 'vigil_incidents_open')).toEqual(series(before, 'vigil_incidents_open'));
  } finally {
    await t.close().catch(() => undefined);
    dir.cleanup();
  }
});

it('answers within DB_READ_MS with vigil_db_up 0 when PostgreSQL is gone without a reset', async () => {
  const { dir, cleanup } = tempDir();
  const storage = (await freshStorage('postgres', dir)) as {
    postgres: Record<string, unknown> & { port: number };
  };
  const proxy = await blackholeProxy(storage.postgres.port);
  const config = parseConfig({ storage: { postgres: { ...storage.postgres, port: proxy.port } } });
  const db = await openDatabase(config.storage);
  try {
    const { registry } = createMetrics(db, () => config);
    const before = await scrapePage(registry);
    expect(before).toContain('vigil_db_up 1');
    proxy.blackhole('all');
    const asked = performance.now();
    const during = await scrapePage(registry);
    const took = performance.now() - asked;
    expect(took).toBeGreaterThanOrEqual(DB_READ_MS - 50);
    expect(took).toBeLessThan(DB_READ_MS + 2000);
    expect(during).toContain('vigil_db_up 0');
    expect(during).toContain('vigil_leader 1');
    expect(before).toMatch(/^vigil_inbox_pending 0$/m);
    expect(during).toMatch(/^vigil_inbox_pending 0$/m);
  } finally {
    await proxy.close();
    await db.destroy().catch(() => undefined);
    cleanup();
  }
}, 20_000);
