import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { parseConfig } from '../src/config';
import { openDatabase, type Db } from '../src/db/database';
import { tempDir } from './helpers';

/** The main thread's SQLite connection waits for a lock held elsewhere on timers, not in SQLite's busy handler. */
describe('SQLite writes while another connection holds the write lock', () => {
  let cleanup: () => void;
  let path: string;
  let other: SqliteDatabase.Database;
  const opened: Db[] = [];

  beforeEach(() => {
    let dir: string;
    ({ dir, cleanup } = tempDir());
    path = join(dir, 'vigil.db');
  });

  afterEach(async () => {
    if (other?.inTransaction) other.exec('rollback');
    other?.close();
    for (const db of opened.splice(0)) await db.destroy();
    cleanup();
  });

  const open = async (busyTimeout: string) => {
    const db = await openDatabase(
      parseConfig({ storage: { sqlite: { path, busy_timeout: busyTimeout } } }).storage,
    );
    opened.push(db);
    other = new SqliteDatabase(path);
    return db;
  };
  /**
   * Counts 10 ms timer turns over `ms`: had the thread slept in the busy handler, none would have run
   * meanwhile. Over 200 ms, more than 5: a loaded machine (the whole suite on 2 cores) gave 9 of the 20.
   */
  const ticksOver = async (ms: number) => {
    let ticks = 0;
    const until = Date.now() + ms;
    while (Date.now() < until) await new Promise((r) => setTimeout(r, 10, ticks++));
    return ticks;
  };
  const auditCount = () => (other.prepare('select count(*) as n from audit_log').get() as { n: number }).n;
  const audit = (db: Db, actor: string) =>
    db
      .insertInto('audit_log')
      .values({ at: new Date().toISOString(), actor, action: 'test', incident_id: null, details: '{}' })
      .execute();

  it('a write waits for the lock with the event loop running, then goes through', async () => {
    const db = await open('5s');
    other.exec('begin immediate');
    const write = audit(db, 'waiting');
    expect(await ticksOver(200)).toBeGreaterThan(5);
    other.exec('commit');
    await write;
    expect(auditCount()).toBe(1);
  });

  it('a transaction waits at its begin, then runs whole', async () => {
    const db = await open('5s');
    other.exec('begin immediate');
    const done = db.transaction().execute(async (tx) => {
      await audit(tx as unknown as Db, 'first');
      await audit(tx as unknown as Db, 'second');
    });
    expect(await ticksOver(200)).toBeGreaterThan(5);
    expect(auditCount()).toBe(0);
    other.exec('commit');
    await done;
    expect(auditCount()).toBe(2);
  });

  it('gives up with SQLITE_BUSY after busy_timeout, having written nothing', async () => {
    const db = await open('300ms');
    other.exec('begin immediate');
    const started = Date.now();
    const ticking = ticksOver(250);
    await expect(audit(db, 'refused')).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(await ticking).toBeGreaterThan(5);
    other.exec('commit');
    expect(auditCount()).toBe(0);
    // The connection is usable again once the lock is free.
    await audit(db, 'later');
    expect(auditCount()).toBe(1);
  });
});
