import { sql, type Kysely } from 'kysely';
import { migrateToLatest } from '../src/db/migrations';
import { ingest } from '../src/incidents/ingest';
import { INCIDENT_CHILDREN } from '../src/retention/prune';
import { chunks } from '../src/incidents/merge-state';
import type { Db } from '../src/db/database';
import { notification, openTempDb } from './helpers';
import { BACKENDS, stopTestPostgres } from './support/backends';
import { mergeHarness, mergeOptions } from './support/merge';
import { routingSchema } from '../src/routing/schema';

afterAll(stopTestPostgres);

const HOUR = 3_600_000;

describe('chunks', () => {
  it('splits within the parameters a statement may bind: 30,000 values, fewer rows the more columns each has', () => {
    expect(chunks(Array.from({ length: 30_001 }, (_, i) => i)).map((c) => c.length)).toEqual([30_000, 1]);
    const rows = Array.from({ length: 6000 }, (_, i) => i);
    const parts = chunks(rows, 11);
    expect(parts.map((c) => c.length)).toEqual([2727, 2727, 546]);
    expect(parts.flat()).toEqual(rows);
    expect(chunks([1, 2], 40_000)).toEqual([[1], [2]]);
  });
});

/**
 * Merge edges the scenario tests leave out (issue 23: mutants of the batch's state and writes that survived
 * them): several groups and owners in one batch, which resolved incident reopens, legacy rows.
 */
describe.each(BACKENDS)('merge edges on %s', (backend) => {
  let db: Db;
  let close: () => Promise<void>;
  beforeEach(async () => ({ db, close } = await openTempDb(backend)));
  afterEach(() => close());
  const { merge, incidents, alerts, notifications } = mergeHarness(() => db);
  const owners = async () => (await alerts()).map((a) => [a.fingerprint, a.incident_id]);

  it('marks the inbox rows of the snapshots it merged processed, and no other', async () => {
    const inboxRow = async () =>
      (
        await db
          .insertInto('inbox')
          .values({
            received_at: '2026-11-22T10:00:30.000Z',
            receiver: 'vigil',
            group_key: 'g',
            alert_count: 1,
            payload: '{}',
            processed_at: null,
            error: null,
          })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    const first = await inboxRow();
    const untouched = await inboxRow();
    const third = await inboxRow();
    await ingest(
      db,
      [
        { payload: notification([{ fingerprint: 'a' }], { groupKey: 'g1' }), inboxId: first },
        { payload: notification([{ fingerprint: 'b' }], { groupKey: 'g2' }) },
        { payload: notification([{ fingerprint: 'c' }], { groupKey: 'g3' }), inboxId: third },
      ],
      mergeOptions(),
    );
    expect(await db.selectFrom('inbox').select(['id', 'processed_at']).orderBy('id').execute()).toEqual([
      { id: first, processed_at: '2026-11-22T10:01:00.000Z' },
      { id: untouched, processed_at: null },
      { id: third, processed_at: '2026-11-22T10:01:00.000Z' },
    ]);
  });

  it('keeps the groups of one batch apart: another group key, or the same one from another receiver', async () => {
    await merge([
      notification([{ fingerprint: 'a' }], { groupKey: 'g1' }),
      notification([{ fingerprint: 'b' }], { groupKey: 'g2' }),
      notification([{ fingerprint: 'c' }], { receiver: 'other', groupKey: 'g1' }),
    ]);
    const all = await incidents();
    expect(all.map((i) => [i.receiver, i.group_key, i.status])).toEqual([
      ['vigil', 'g1', 'triggered'],
      ['vigil', 'g2', 'triggered'],
      ['other', 'g1', 'triggered'],
    ]);
    expect(await owners()).toEqual(all.map((i, n) => [['a', 'b', 'c'][n], i.id]));
  });

  it('stores text exactly as sent: quotes, backslashes, array syntax, multi-byte characters', async () => {
    // PostgreSQL takes a batch's alerts as arrays (db/bulk.ts): each text must arrive whole, its byte
    // length counted in UTF-8, and none of it read as array syntax (braces, commas, quotes, NULL).
    const odd = ['say "hi"', 'C:\\path\\', '{a,b}', 'NULL', '', ' x ', 'multi\nline', '\\"', 'zażółć 😀'];
    const sent = odd.map((text, i) => ({
      fingerprint: text === '' ? 'empty' : text,
      labels: { alertname: `A${i}`, note: text },
      annotations: { description: text },
    }));
    await merge(notification(sent));
    const stored = await alerts();
    expect(
      stored.map((a) => [a.fingerprint, JSON.parse(a.labels).note, JSON.parse(a.annotations).description]),
    ).toEqual(odd.map((text) => [text === '' ? 'empty' : text, text, text]));
  });

  it('finds each open incident of a batch by receiver and group key whole, not their concatenation', async () => {
    await merge(notification([{ fingerprint: 'a' }], { receiver: 'ab', groupKey: 'c' }));
    await merge(notification([{ fingerprint: 'b' }], { receiver: 'a', groupKey: 'bc' }));
    // Only new alerts: each group's incident is found as the group's open one, not as an owner.
    await merge([
      notification([{ fingerprint: 'a2' }], { receiver: 'ab', groupKey: 'c' }),
      notification([{ fingerprint: 'b2' }], { receiver: 'a', groupKey: 'bc' }),
    ]);
    const [first, second, ...rest] = await incidents();
    expect(rest).toHaveLength(0);
    expect(await owners()).toEqual([
      ['a', first!.id],
      ['b', second!.id],
      ['a2', first!.id],
      ['b2', second!.id],
    ]);
  });

  it("joins new alerts to the newest open incident owning the snapshot's known occurrences", async () => {
    await merge(notification([{ fingerprint: 'a' }], { groupKey: 'g1' }));
    await merge(notification([{ fingerprint: 'b' }], { groupKey: 'g2' }));
    await merge(
      notification([{ fingerprint: 'a' }, { fingerprint: 'b' }, { fingerprint: 'c' }], { groupKey: 'g3' }),
    );
    const [older, newer, ...rest] = await incidents();
    expect(rest).toHaveLength(0);
    expect(await owners()).toEqual([
      ['a', older!.id],
      ['b', newer!.id],
      ['c', newer!.id],
    ]);
  });

  it('reopens the newest of the resolved incidents within the window', async () => {
    await merge(notification([{ fingerprint: 'a' }]));
    await merge(notification([{ fingerprint: 'a', status: 'resolved' }]), {
      now: '2026-11-22T10:02:00.000Z',
    });
    const later = { startsAt: '2026-11-22T10:03:00Z' };
    await merge(notification([{ fingerprint: 'b', ...later }]), { now: '2026-11-22T10:03:00.000Z' });
    await merge(notification([{ fingerprint: 'b', status: 'resolved', ...later }]), {
      now: '2026-11-22T10:04:00.000Z',
    });
    await merge(notification([{ fingerprint: 'c', startsAt: '2026-11-22T10:05:00Z' }]), {
      now: '2026-11-22T10:05:00.000Z',
      reopenWindowMs: HOUR,
    });
    const [older, newer, ...rest] = await incidents();
    expect(rest).toHaveLength(0);
    expect(older).toMatchObject({ status: 'resolved', resolved_at: '2026-11-22T10:02:00.000Z' });
    expect(newer).toMatchObject({ status: 'triggered', resolved_at: null });
    expect((await owners()).map(([fingerprint, id]) => `${fingerprint}:${id === newer!.id}`)).toEqual([
      'a:false',
      'b:true',
      'c:true',
    ]);
  });

  it('reopens the later of two incidents the same batch recorded resolved', async () => {
    await merge(
      [
        notification([{ fingerprint: 'a', status: 'resolved' }]),
        notification([{ fingerprint: 'b', status: 'resolved' }]),
        notification([{ fingerprint: 'c' }]),
      ],
      { reopenWindowMs: HOUR },
    );
    const [first, second, ...rest] = await incidents();
    expect(rest).toHaveLength(0);
    expect([first!.status, second!.status]).toEqual(['resolved', 'triggered']);
    expect(await owners()).toEqual([
      ['a', first!.id],
      ['b', second!.id],
      ['c', second!.id],
    ]);
  });

  it('does not reopen a resolved incident outside the window that owns a stale occurrence of the snapshot', async () => {
    await merge(notification([{ fingerprint: 'a' }]));
    await merge(notification([{ fingerprint: 'a', status: 'resolved' }]));
    // Two hours on, with a one-hour window: a's resolved occurrence again, and a new alert b.
    await merge(
      notification([
        { fingerprint: 'a', status: 'resolved' },
        { fingerprint: 'b', startsAt: '2026-11-22T12:00:00Z' },
      ]),
      { now: '2026-11-22T12:01:00.000Z', reopenWindowMs: HOUR },
    );
    const [old, fresh, ...rest] = await incidents();
    expect(rest).toHaveLength(0);
    expect(old).toMatchObject({ status: 'resolved', resolved_at: '2026-11-22T10:01:00.000Z' });
    expect(fresh).toMatchObject({ status: 'triggered', opened_at: '2026-11-22T12:00:00.000Z' });
  });

  it('ends an occurrence that Alertmanager replaced with a later one of its fingerprint, whose resolve never comes', async () => {
    // Resolved and firing again within group_interval: Alertmanager holds one alert per fingerprint and
    // sends the new startsAt, never the old occurrence's resolve.
    await merge(notification([{ fingerprint: 'a' }, { fingerprint: 'b' }]));
    const again = { fingerprint: 'a', startsAt: '2026-11-22T10:05:00Z' };
    await merge(notification([again, { fingerprint: 'b' }]), { now: '2026-11-22T10:06:00.000Z' });
    expect((await alerts()).map((a) => [a.fingerprint, a.starts_at, a.status, a.ends_at])).toEqual([
      ['a', '2026-11-22T10:00:00.000Z', 'resolved', '2026-11-22T10:05:00.000Z'],
      ['b', '2026-11-22T10:00:00.000Z', 'firing', null],
      ['a', '2026-11-22T10:05:00.000Z', 'firing', null],
    ]);
    expect((await incidents())[0]).toMatchObject({ status: 'triggered' });
    await merge(
      notification([
        { ...again, status: 'resolved', endsAt: '2026-11-22T10:08:00Z' },
        { fingerprint: 'b', status: 'resolved' },
      ]),
      {
        now: '2026-11-22T10:09:00.000Z',
      },
    );
    const [incident, ...rest] = await incidents();
    expect(rest).toHaveLength(0);
    expect(incident).toMatchObject({ status: 'resolved', resolved_at: '2026-11-22T10:08:00.000Z' });
    expect(await notifications()).toEqual([`${incident!.id}:triggered`, `${incident!.id}:resolved`]);
  });

  it("resolves at the last alert's end, kept within the incident's opening and the receiver's clock", async () => {
    // Delivered an hour late (a retried delivery): the alerts' end, not the delivery, is when it resolved.
    await merge(notification([{ fingerprint: 'a' }, { fingerprint: 'b' }]));
    await merge(notification([{ fingerprint: 'a', status: 'resolved', endsAt: '2026-11-22T10:30:00Z' }]));
    await merge(notification([{ fingerprint: 'b', status: 'resolved', endsAt: '2026-11-22T10:20:00Z' }]), {
      now: '2026-11-22T11:30:00.000Z',
    });
    // A sender's clock ahead of ours: never resolved in the future.
    await merge(notification([{ fingerprint: 'c' }], { groupKey: 'ahead' }));
    await merge(
      notification([{ fingerprint: 'c', status: 'resolved', endsAt: '2026-11-22T12:00:00Z' }], {
        groupKey: 'ahead',
      }),
      {
        now: '2026-11-22T10:40:00.000Z',
      },
    );
    // An end before the start (a clock behind): resolved as it opened.
    await merge(
      notification(
        [
          {
            fingerprint: 'd',
            startsAt: '2026-11-22T10:50:00Z',
            status: 'resolved',
            endsAt: '2026-11-22T10:45:00Z',
          },
        ],
        {
          groupKey: 'behind',
        },
      ),
      { now: '2026-11-22T10:55:00.000Z' },
    );
    expect((await incidents()).map((i) => [i.group_key, i.status, i.opened_at, i.resolved_at])).toEqual([
      ['{}:{alertname="HighErrorRate"}', 'resolved', '2026-11-22T10:00:00.000Z', '2026-11-22T10:30:00.000Z'],
      ['ahead', 'resolved', '2026-11-22T10:00:00.000Z', '2026-11-22T10:40:00.000Z'],
      ['behind', 'resolved', '2026-11-22T10:50:00.000Z', '2026-11-22T10:50:00.000Z'],
    ]);
  });

  it('records a late delivery of a replaced occurrence as ended where the later one began, paging nobody', async () => {
    const later = { fingerprint: 'a', startsAt: '2026-11-22T10:05:00Z' };
    await merge(notification([{ ...later, status: 'resolved', endsAt: '2026-11-22T10:06:00Z' }]), {
      now: '2026-11-22T10:06:00.000Z',
    });
    // The earlier occurrence's firing notification, delivered late (a retry after an outage).
    await merge(notification([{ fingerprint: 'a' }]), { now: '2026-11-22T10:07:00.000Z' });
    expect((await alerts()).map((a) => [a.starts_at, a.status, a.ends_at])).toEqual([
      ['2026-11-22T10:05:00.000Z', 'resolved', '2026-11-22T10:06:00.000Z'],
      ['2026-11-22T10:00:00.000Z', 'resolved', '2026-11-22T10:05:00.000Z'],
    ]);
    expect((await incidents()).map((i) => i.status)).toEqual(['resolved', 'resolved']);
    expect(await notifications()).toEqual([]);
  });

  it('routes a group by its most urgent alert: its team, channels and escalation', async () => {
    const routing = routingSchema.parse({
      team: 'ops',
      channels: ['ops-mail'],
      routes: [
        { matchers: ['severity="critical"'], team: 'sre', channels: ['pager'], escalation: 'page' },
        { matchers: ['severity="warning"'], channels: ['ops-chat'], escalation: 'chase' },
      ],
    });
    // Alertmanager sorts a group's alerts by their labels: the warning may well come first.
    const payload = notification([
      { fingerprint: 'w', labels: { instance: 'db-1', severity: 'warning' } },
      { fingerprint: 'c', labels: { instance: 'db-2', severity: 'critical' } },
      { fingerprint: 'w2', labels: { instance: 'db-3', severity: 'warning' } },
    ]);
    await ingest(db, [{ payload }], { ...mergeOptions(), routing });
    const [incident] = await incidents();
    expect(incident).toMatchObject({ severity: 'critical', team: 'sre' });
    const routes = JSON.parse(incident!.route!) as { key: string; team: string; escalation?: string }[];
    expect(routes.map((r) => [r.key, r.team, r.escalation])).toEqual([
      ['{}/{severity="critical"}', 'sre', 'page'],
    ]);
    const told = await db.selectFrom('notifications').select(['channel', 'event']).execute();
    expect(told).toEqual([{ channel: 'pager', event: 'triggered' }]);
    const escalation = await db.selectFrom('escalations').select(['incident_id', 'policy']).execute();
    expect(escalation.map((e) => [e.incident_id, JSON.parse(e.policy).name])).toEqual([
      [incident!.id, 'page'],
    ]);
  });

  it('resolves an incident stored before routes were snapshotted (route null) without notifying anyone', async () => {
    await merge(notification([{ fingerprint: 'a' }]));
    await db.updateTable('incidents').set({ route: null }).execute();
    const before = await notifications();
    const [result] = await merge(notification([{ fingerprint: 'a', status: 'resolved' }]), {
      now: '2026-11-22T10:05:00.000Z',
    });
    expect(result).toMatchObject({ resolved: 1 });
    expect((await incidents())[0]).toMatchObject({
      status: 'resolved',
      resolved_at: '2026-11-22T10:05:00.000Z',
    });
    expect(await notifications()).toEqual(before);
  });

  // PostgreSQL only: SQLite has one writer at a time, and the foreign key.
  if (backend === 'postgres')
    it('leaves no alert without its incident when pruning deletes the incident a merge reads', async () => {
      await merge(notification([{ fingerprint: 'chronic' }]));
      // Resolved by hand long ago while its alert kept firing: due for pruning.
      await db
        .updateTable('incidents')
        .set({ status: 'resolved', resolved_at: '2026-01-01T00:00:00.000Z' })
        .execute();
      const [x] = await incidents();
      let merging: Promise<unknown> = Promise.resolve();
      await db.connection().execute(async (pruner) => {
        // As pruneIncidents does, held open: the incident locked, then deleted with its rows.
        await sql`begin`.execute(pruner);
        await sql`select id from incidents where id = ${x!.id} for update`.execute(pruner);
        for (const table of INCIDENT_CHILDREN) {
          await sql`delete from ${sql.table(table)} where incident_id = ${x!.id}`.execute(pruner);
        }
        await sql`delete from incidents where id = ${x!.id}`.execute(pruner);
        merging = merge(notification([{ fingerprint: 'chronic' }]), { now: '2026-11-22T10:05:00.000Z' });
        await new Promise((r) => setTimeout(r, 300));
        expect(await Promise.race([merging.then(() => 'merged'), Promise.resolve('waiting')])).toBe(
          'waiting',
        );
        await sql`commit`.execute(pruner);
      });
      await merging;
      const [alert, ...more] = await alerts();
      expect(more).toEqual([]);
      expect((await incidents()).map((i) => [i.id, i.status])).toEqual([[alert!.incident_id, 'triggered']]);
    });

  it('on PostgreSQL checks no foreign key from alerts to incidents and stores payloads with lz4, upgraded databases included', async () => {
    const foreignKeys = async () =>
      backend === 'postgres'
        ? (
            await sql<{ conname: string }>`select conname from pg_constraint
              where conrelid = 'alerts'::regclass and contype = 'f'`.execute(db)
          ).rows.map((r) => r.conname)
        : (
            await sql<{ table: string }>`select "table" from pragma_foreign_key_list('alerts')`.execute(db)
          ).rows.map((r) => r.table);
    // SQLite keeps its key (an index lookup there) and has one way to store text.
    if (backend === 'sqlite') return expect(await foreignKeys()).toEqual(['incidents']);
    const compression = async () =>
      (
        await sql<{ c: string }>`select attcompression as c from pg_attribute
          where attrelid = 'inbox'::regclass and attname = 'payload'`.execute(db)
      ).rows[0]?.c;
    // lz4 where the server has it (PostgreSQL 14 and later, built with it, as the test server is).
    const { rows } = await sql<{ lz4: boolean }>`select 'lz4' = any(enumvals) as lz4 from pg_settings
      where name = 'default_toast_compression'`.execute(db);
    expect(rows).toEqual([{ lz4: true }]);
    expect([await foreignKeys(), await compression()]).toEqual([[], 'l']);
    // A database created before 0012 and 0013 has the key, whatever its name, and the default compression.
    await sql`alter table alerts add constraint legacy_name foreign key (incident_id) references incidents (id)`.execute(
      db,
    );
    await sql`alter table inbox alter column payload set compression default`.execute(db);
    await sql`delete from kysely_migration where name in ('0012_alerts_without_incident_check', '0013_inbox_lz4')`.execute(
      db,
    );
    expect(await compression()).toBe('');
    await migrateToLatest(db as unknown as Kysely<unknown>);
    expect([await foreignKeys(), await compression()]).toEqual([[], 'l']);
    const payload = JSON.stringify(notification(Array.from({ length: 50 }, () => ({}))));
    await sql`insert into inbox (received_at, receiver, group_key, alert_count, payload)
      values ('2026-11-22T10:00:00.000Z', 'vigil', 'g', 50, ${payload})`.execute(db);
    const stored = await sql<{
      method: string;
    }>`select pg_column_compression(payload) as method from inbox`.execute(db);
    expect(stored.rows).toEqual([{ method: 'lz4' }]);
  });
});
