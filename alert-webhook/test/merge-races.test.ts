import { sql } from 'kysely';
import { parseConfig } from '../src/config';
import { connectSqlite, isTransientDbError, openDatabase, type Db } from '../src/db/database';
import { ingest, lostRace } from '../src/incidents/ingest';
import { notification, tempDir } from './helpers';
import { BACKENDS, freshStorage, stopTestPostgres, type Backend } from './support/backends';
import { StatementGate } from './support/interleave';
import { mergeHarness, mergeOptions } from './support/merge';

afterAll(stopTestPostgres);

/** Two connections to one fresh database: A's (migrated) and B's, as two replicas or threads have. */
async function twoConnections(backend: Backend) {
  const { dir, cleanup } = tempDir();
  const storage = await freshStorage(backend, dir);
  const config = parseConfig({ storage });
  const a = await openDatabase(config.storage);
  // PostgreSQL: one pool, so each transaction has its own connection; SQLite: a second connection to the
  // file, giving up on the write lock after 100 ms (better-sqlite3 waits for it synchronously).
  const b = config.storage.sqlite ? connectSqlite({ ...config.storage.sqlite, busy_timeout: 100 }) : a;
  return {
    a,
    b,
    close: async () => {
      if (b !== a) await b.destroy();
      await a.destroy();
      cleanup();
    },
  };
}

/** Until B has finished or waits on a lock that A holds (PostgreSQL row and index locks). */
async function settledOrBlocked(done: () => boolean, db: Db, backend: Backend) {
  for (let i = 0; i < 500 && !done(); i++) {
    if (backend === 'postgres') {
      const { rows } = await sql<{
        n: number;
      }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(
        db,
      );
      if (rows[0]!.n > 0) return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function retryWhileBusy<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= 50 || !isTransientDbError(err)) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

// Two deliveries of one group, as an HA pair of Alertmanagers sends them: the second knows one more alert.
const FIRST = notification([{ fingerprint: 'a' }]);
const SECOND = notification([{ fingerprint: 'a' }, { fingerprint: 'b' }]);

describe.each(BACKENDS)('two merges of one group interleaved on %s', (backend) => {
  /** Statements A makes when it runs alone: the await points where B can come in between. */
  async function statementsAlone(payload: typeof FIRST) {
    const { a, close } = await twoConnections(backend);
    const gate = new StatementGate(0);
    await ingest(a.withPlugin(gate), [{ payload }], mergeOptions());
    await close();
    return gate.count;
  }

  it.each([
    ['the first', FIRST, SECOND],
    ['the second', SECOND, FIRST],
  ])(
    'open exactly one incident and page once, whichever await point %s stops at',
    async (_, first, second) => {
      const points = await statementsAlone(first);
      expect(points).toBeGreaterThan(5);
      for (let at = 1; at <= points; at++) {
        const { a, b, close } = await twoConnections(backend);
        try {
          const gate = new StatementGate(at);
          const merging = ingest(a.withPlugin(gate), [{ payload: first }], mergeOptions());
          await gate.reached;
          let bDone = false;
          // Settles with B's error, if any, handled once A has finished.
          const other = ingest(
            b,
            [{ payload: second }],
            mergeOptions({ now: '2026-11-22T10:01:01.000Z' }),
          ).then(
            () => undefined,
            (err: unknown) => err,
          );
          void other.finally(() => (bDone = true));
          await settledOrBlocked(() => bDone, a, backend);
          gate.release();
          await merging;
          const failed = await other;
          if (failed !== undefined) {
            // On SQLite B could not begin while A held the write lock: a transient error, which the merge
            // loop retries a little later (as here) until the lock is free.
            expect(backend).toBe('sqlite');
            expect(isTransientDbError(failed)).toBe(true);
            await retryWhileBusy(() =>
              ingest(b, [{ payload: second }], mergeOptions({ now: '2026-11-22T10:01:02.000Z' })),
            );
          }

          const { incidents, alerts, notifications, escalations, timeline } = mergeHarness(() => a);
          const [incident, ...more] = await incidents();
          expect({ at, more }).toEqual({ at, more: [] });
          expect(incident).toMatchObject({ status: 'triggered', opened_at: '2026-11-22T10:00:00.000Z' });
          expect((await alerts()).map((x) => [x.fingerprint, x.incident_id])).toEqual(
            expect.arrayContaining([
              ['a', incident!.id],
              ['b', incident!.id],
            ]),
          );
          expect(await alerts()).toHaveLength(2);
          expect(await notifications()).toEqual([`${incident!.id}:triggered`]);
          expect(await escalations()).toEqual([{ incident_id: incident!.id, phase: 'active' }]);
          expect((await timeline()).filter((t) => t.kind === 'opened')).toHaveLength(1);
        } finally {
          await close();
        }
      }
    },
  );
});

describe('retrying a merge that lost a race', () => {
  let close: () => Promise<void>;
  let db: Db;
  beforeEach(async () => ({ a: db, close } = await twoConnections('sqlite')));
  afterEach(() => close());

  const fault = (code: string) => Object.assign(new Error(`injected ${code}`), { code });

  it.each(['SQLITE_CONSTRAINT_UNIQUE', '23505', '40001', '40P01'])(
    'runs the transaction again after %s, with nothing of the failed attempt kept',
    async (code) => {
      // The third statement of the first two attempts fails, as when another writer won.
      const gate = new StatementGate(0, (n) => (n === 3 || n === 6 ? fault(code) : undefined));
      const [result] = await ingest(db.withPlugin(gate), [{ payload: SECOND }], mergeOptions());
      expect(result).toMatchObject({ opened: 1, changes: 1 });
      const { incidents, alerts, notifications } = mergeHarness(() => db);
      expect(await incidents()).toHaveLength(1);
      expect(await alerts()).toHaveLength(2);
      expect(await notifications()).toHaveLength(1);
    },
  );

  it('gives up after the fifth lost race, and at once on any other error', async () => {
    let calls = 0;
    const always = new StatementGate(0, () => (++calls, fault('40001')));
    await expect(ingest(db.withPlugin(always), [{ payload: FIRST }], mergeOptions())).rejects.toThrow(
      'injected 40001',
    );
    expect(calls).toBe(5);
    let other = 0;
    const broken = new StatementGate(0, () => (++other, fault('SQLITE_CONSTRAINT_FOREIGNKEY')));
    await expect(ingest(db.withPlugin(broken), [{ payload: FIRST }], mergeOptions())).rejects.toThrow(
      'injected',
    );
    expect(other).toBe(1);
    expect(await mergeHarness(() => db).incidents()).toEqual([]);
  });

  it('tells a lost race from other errors', () => {
    for (const code of ['SQLITE_CONSTRAINT_UNIQUE', '23505', '40001', '40P01'])
      expect(lostRace(fault(code))).toBe(true);
    for (const code of ['SQLITE_BUSY', '23503', '57014', 'SQLITE_CONSTRAINT_NOTNULL'])
      expect(lostRace(fault(code))).toBe(false);
    expect(lostRace(undefined)).toBe(false);
    expect(lostRace(new Error('no code'))).toBe(false);
  });
});
