import { statSync } from 'node:fs';
import { waitFor } from '@vigil/testkit';
import SqliteDatabase from 'better-sqlite3';
import pino from 'pino';
import { Registry } from 'prom-client';
import { parseConfig } from '../src/config';
import { connectSqlite, openDatabase, type Db } from '../src/db/database';
import { databaseSize, type PrunedTable } from '../src/retention/prune';
import { ingest } from '../src/incidents/ingest';
import { Pruner } from '../src/retention/pruner';
import { notification, openTempDb, tempDir } from './helpers';
import { BACKENDS, stopTestPostgres } from './support/backends';

afterAll(stopTestPostgres);

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-01T12:00:00.000Z');
const daysAgo = (days: number) => new Date(NOW - days * DAY).toISOString();
const routing = parseConfig(
  {
    routing: { team: 'ops', channels: ['ops'] },
    notifications: {
      channels: { ops: { kind: 'webhook', url: 'http://127.0.0.1:1/hook', secret: { env: 'HOOK_SECRET' } } },
    },
  },
  { HOOK_SECRET: 'x'.repeat(32) },
).routing;

/** An incident of its own group that opened `openedDaysAgo` and, given `resolvedDaysAgo`, resolved then. */
async function incident(db: Db, name: string, openedDaysAgo: number, resolvedDaysAgo?: number) {
  const startsAt = daysAgo(openedDaysAgo);
  const groupKey = `{}:{alertname="${name}"}`;
  const options = { reopenWindowMs: 0, routing, policies: new Map() };
  // Alertmanager's fingerprint is its labels' hash: alerts of other names have their own.
  const fingerprint = name;
  const [opened] = await ingest(
    db,
    [{ payload: notification([{ name, startsAt, fingerprint }], { groupKey }) }],
    {
      ...options,
      now: startsAt,
    },
  );
  if (resolvedDaysAgo !== undefined) {
    const endsAt = daysAgo(resolvedDaysAgo);
    await ingest(
      db,
      [
        {
          payload: notification([{ name, startsAt, fingerprint, status: 'resolved', endsAt }], { groupKey }),
        },
      ],
      {
        ...options,
        now: endsAt,
      },
    );
  }
  return opened?.incidentIds[0] as number;
}

const count = async (db: Db, table: PrunedTable) =>
  Number(
    (
      await db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

function pruner(
  db: Db,
  retention: Record<string, unknown> = {},
  reportPeriodMs = 0,
  writersWaiting?: Int32Array,
) {
  const registry = new Registry();
  const p = new Pruner(db, {
    retention: parseConfig({ retention }).retention,
    reportPeriodMs: () => reportPeriodMs,
    log: pino({ level: 'silent' }),
    registry,
    now: () => NOW,
    writersWaiting,
  });
  return { pruner: p, registry };
}

describe.each(BACKENDS)('retention on %s', (backend) => {
  let db: Db;
  let close: () => Promise<void>;
  beforeEach(async () => ({ db, close } = await openTempDb(backend)));
  afterEach(() => close());

  it('prunes resolved incidents past retention.incidents with their rows, and keeps open and recent ones', async () => {
    const old = await incident(db, 'Old', 100, 99);
    const open = await incident(db, 'StillOpen', 200);
    const recent = await incident(db, 'Recent', 20, 10);
    await db
      .insertInto('slack_messages')
      .values(
        [old, open].map((incident_id) => ({
          channel: 'ops-slack',
          incident_id,
          slack_channel: 'C1',
          ts: '1.2',
          claimed_at: '2020-01-01T00:00:00.000Z',
        })),
      )
      .execute();
    await db
      .insertInto('tickets')
      .values({ channel: 'jira', incident_id: old, key: 'OPS-1', url: null, created_at: daysAgo(99) })
      .execute();
    for (const incident_id of [old, open]) {
      const by = { created_at: daysAgo(1), created_by: 'alice', updated_at: daysAgo(1), updated_by: 'alice' };
      const text = { summary: 's', impact: 'i', root_cause: 'r', timeline_entry_ids: '[]' };
      await db
        .insertInto('postmortems')
        .values({ incident_id, ...text, ...by })
        .execute();
      await db
        .insertInto('postmortem_action_items')
        .values({ incident_id, position: 0, title: 'Fix', owner: null, status: 'open', due_date: null })
        .execute();
    }
    const { pruner: p, registry } = pruner(db, { incidents: '30d', batch_size: 50 });
    const pruned = await p.run();
    expect(pruned.incidents).toBe(1);
    const ids = (await db.selectFrom('incidents').select('id').orderBy('id').execute()).map((r) => r.id);
    expect(ids).toEqual([open, recent]);
    for (const table of [
      'alerts',
      'timeline',
      'notifications',
      'incident_changes',
      'slack_messages',
      'tickets',
      'postmortems',
      'postmortem_action_items',
    ] as const) {
      const left = await db.selectFrom(table).select('incident_id').where('incident_id', '=', old).execute();
      expect(left).toHaveLength(0);
    }
    expect(await count(db, 'alerts')).toBe(2);
    expect(await count(db, 'postmortems')).toBe(1);
    expect(await count(db, 'postmortem_action_items')).toBe(1);
    const metrics = await registry.metrics();
    expect(metrics).toContain('vigil_retention_pruned_rows_total{table="incidents"} 1');
    expect(metrics).toMatch(/vigil_db_size_bytes [1-9]\d*/);
  });

  it('keeps resolved incidents a scheduled report may still need, however short retention.incidents is', async () => {
    await incident(db, 'InLastWeeksReport', 10, 9);
    await incident(db, 'InThePeriodBefore', 18, 17);
    await incident(db, 'LongGone', 40, 39);
    // A weekly report: its period (7d), the period before (which it compares with) and the 7 days a missed
    // one is caught up are kept.
    const { pruner: p } = pruner(db, { incidents: '1d' }, 7 * DAY);
    await p.run();
    const titles = (await db.selectFrom('incidents').select('title').orderBy('id').execute()).map(
      (r) => r.title,
    );
    expect(titles).toEqual(['InLastWeeksReport on api', 'InThePeriodBefore on api']);
  });

  it('prunes merged deliveries, finished notifications and old audit entries in batches, never unmerged deliveries', async () => {
    const row = (receivedDaysAgo: number, processed: boolean) => ({
      received_at: daysAgo(receivedDaysAgo),
      receiver: 'vigil',
      group_key: 'g',
      alert_count: 1,
      payload: '{}',
      processed_at: processed ? daysAgo(receivedDaysAgo) : null,
      error: null,
    });
    await db
      .insertInto('inbox')
      .values([...Array.from({ length: 7 }, () => row(3, true)), row(3, false), row(0, true)])
      .execute();
    const incidentId = await incident(db, 'Open', 1);
    const notifications = await db.selectFrom('notifications').select('id').execute();
    expect(notifications.length).toBeGreaterThan(0);
    await db
      .updateTable('notifications')
      .set({ status: 'sent', updated_at: daysAgo(40) })
      .execute();
    await db
      .insertInto('delivery_attempts')
      .values(
        notifications.map((n) => ({
          notification_id: n.id,
          incident_id: incidentId,
          channel: 'ops',
          kind: 'webhook',
          target: 'http://127.0.0.1:1/hook',
          attempt: 1,
          at: daysAgo(40),
          duration_ms: 3,
          ok: 1,
          status_code: 200,
          error: null,
        })),
      )
      .execute();
    await db
      .insertInto('audit_log')
      .values([
        { at: daysAgo(400), actor: 'dana', action: 'acknowledge', incident_id: incidentId, details: '{}' },
        { at: daysAgo(2), actor: 'dana', action: 'note', incident_id: incidentId, details: '{}' },
      ])
      .execute();
    const { pruner: p } = pruner(db, { inbox: '1d', notifications: '30d', audit: '365d', batch_size: 2 });
    const pruned = await p.run();
    expect(pruned).toMatchObject({ inbox: 7, audit_log: 1, notifications: notifications.length });
    expect(await count(db, 'inbox')).toBe(2);
    const left = await db.selectFrom('inbox').select(['processed_at', 'received_at']).orderBy('id').execute();
    expect(left[0]?.processed_at).toBeNull();
    expect(await count(db, 'notifications')).toBe(0);
    expect(await count(db, 'delivery_attempts')).toBe(0);
    expect(await count(db, 'audit_log')).toBe(1);
    expect(await count(db, 'incidents')).toBe(1);
  });

  it('keeps everything with 0s', async () => {
    await incident(db, 'Old', 1000, 999);
    const { pruner: p } = pruner(db, { inbox: '0s', incidents: '0s', audit: '0s', notifications: '0s' });
    expect(await p.run()).toEqual({});
    expect(await count(db, 'incidents')).toBe(1);
  });
});

describe('the pruning timer', () => {
  it('prunes every retention.interval, only while allowed (the leader lease), and stops', async () => {
    const { db, close } = await openTempDb('sqlite');
    try {
      await incident(db, 'Old', 100, 99);
      const { pruner: p } = pruner(db, { incidents: '30d', interval: '1s' });
      let leader = false;
      const asked: boolean[] = [];
      p.start(async (task) => {
        asked.push(leader);
        return leader ? task() : false;
      });
      await waitFor('a run while not the leader', async () => (asked.length >= 1 ? true : undefined));
      expect(await count(db, 'incidents')).toBe(1);
      leader = true;
      await waitFor('a run as the leader', async () =>
        (await count(db, 'incidents')) === 0 ? true : undefined,
      );
      await p.stop();
      const runs = asked.length;
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(asked).toHaveLength(runs);
    } finally {
      await close();
    }
  });
});

describe('a SQLite file', () => {
  it('gives pruned pages back to the file system (incremental vacuum)', async () => {
    const { dir, cleanup } = tempDir();
    const path = `${dir}/vacuum.db`;
    const db = await openDatabase({ sqlite: { path, synchronous: 'normal', busy_timeout: 2000 } });
    try {
      const big = 'x'.repeat(4000);
      for (let i = 0; i < 20; i++) {
        await db
          .insertInto('inbox')
          .values(
            Array.from({ length: 100 }, () => ({
              received_at: daysAgo(2),
              receiver: 'vigil',
              group_key: 'g',
              alert_count: 1,
              payload: big,
              processed_at: daysAgo(2),
              error: null,
            })),
          )
          .execute();
      }
      const sizeOf = () => databaseSize(db);
      const before = await sizeOf();
      // Pruning through its own connection that never waits for the lock, as the service does.
      const pruneDb = connectSqlite({ path, synchronous: 'normal', busy_timeout: 0 });
      await pruner(pruneDb, { inbox: '1d', batch_size: 500 }).pruner.run();
      await pruneDb.destroy();
      const after = await sizeOf();
      expect(before).toBeGreaterThan(8_000_000);
      expect(after).toBeLessThan(before / 4);
      expect(statSync(path).size).toBeGreaterThan(0);
    } finally {
      await db.destroy();
      cleanup();
    }
  });

  it('says it is waiting for the write lock while a batch waits, so that the merge thread lets it in', async () => {
    const { dir, cleanup } = tempDir();
    const path = `${dir}/waiting.db`;
    const db = await openDatabase({ sqlite: { path, synchronous: 'normal', busy_timeout: 2000 } });
    const pruneDb = connectSqlite({ path, synchronous: 'normal', busy_timeout: 0 });
    const holder = new SqliteDatabase(path);
    try {
      await db
        .insertInto('inbox')
        .values({
          received_at: daysAgo(2),
          receiver: 'vigil',
          group_key: 'g',
          alert_count: 1,
          payload: '{}',
          processed_at: daysAgo(2),
          error: null,
        })
        .execute();
      const waiting = new Int32Array(new SharedArrayBuffer(4));
      holder.exec('begin immediate'); // as the merge thread holds the lock through a storm
      const run = pruner(pruneDb, { inbox: '1d' }, 0, waiting).pruner.run();
      await waitFor('the pruner to say it waits', async () => Atomics.load(waiting, 0) === 1 || undefined);
      expect(await count(db, 'inbox')).toBe(1);
      holder.exec('commit'); // what the merge thread does when it sees a writer waiting
      expect(await run).toEqual({ inbox: 1 });
      expect(Atomics.load(waiting, 0)).toBe(0);
    } finally {
      holder.close();
      await pruneDb.destroy();
      await db.destroy();
      cleanup();
    }
  });
});
