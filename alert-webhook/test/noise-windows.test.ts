import { HttpClient } from '@vigil/service-kit';
import pino from 'pino';
import type { Db } from '../src/db/database';
import { parseMatchers } from '../src/routing/matchers';
import { endedWindows, MaintenanceWindows, presentWindow, windowFor } from '../src/noise/maintenance';
import { AlertmanagerSilences } from '../src/noise/silences';
import { startReceiver, type Receiver, type Reply } from './fixtures/notify/receiver';
import { addIncident, auditOf, withNoiseDb } from './support/noise-db';

const MIN = 60_000;
const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const at = (min: number) => new Date(T0 + min * MIN).toISOString();

/** The error lines a MaintenanceWindows logs. */
function recordingLog() {
  const lines: { msg: string; window?: number; err?: { message: string } }[] = [];
  const log = pino({ level: 'error' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, lines };
}

/** An Alertmanager stand-in answering as the v2 silences API does (or as `reply` says), recording requests. */
async function withAlertmanager(
  reply: (path: string, index: number) => Reply,
  fn: (silences: AlertmanagerSilences, am: Receiver) => Promise<void>,
) {
  const am = await startReceiver((req, i) => reply(req.path, i));
  try {
    const client = new HttpClient({ headers: {}, tls: { rejectUnauthorized: true }, timeoutMs: 2000 });
    await fn(new AlertmanagerSilences(`${am.url}//`, client), am);
  } finally {
    await am.close();
  }
}

const silenceOk = (path: string, i: number): Reply =>
  path === '/api/v2/silences'
    ? { status: 200, body: JSON.stringify({ silenceID: `s-${i}` }) }
    : { status: 200 };

async function addAlert(db: Db, incidentId: number, labels: Record<string, string>, status = 'firing') {
  await db
    .insertInto('alerts')
    .values({
      incident_id: incidentId,
      fingerprint: JSON.stringify(labels),
      starts_at: at(0),
      ends_at: null,
      status: status as 'firing' | 'resolved',
      severity: 'warning',
      labels: JSON.stringify(labels),
      annotations: '{}',
      generator_url: null,
      extra: '{}',
      last_seen_at: at(0),
    })
    .execute();
}

const newWindow = (matchers: string, from: number, to: number, comment = '') => ({
  matchers: parseMatchers(matchers),
  starts_at: at(from),
  ends_at: at(to),
  comment,
});

describe('maintenance windows in the database', () => {
  it('cover an incident while active and matching every firing alert, or every alert once all resolved', async () => {
    await withNoiseDb(async (db) => {
      const windows = new MaintenanceWindows(db, recordingLog().log);
      const db1 = await windows.create(newWindow('service="db"', 10, 20), 'alice', at(0));
      const both = await windows.create(newWindow('service=~"db|web"', 10, 20), 'alice', at(0));
      const id = await addIncident(db);
      await addAlert(db, id, { service: 'db' });
      await addAlert(db, id, { service: 'web' }, 'resolved');
      expect((await windowFor(db, id, at(10)))?.id).toBe(db1.id);
      expect(await windowFor(db, id, at(9))).toBeUndefined();
      expect(await windowFor(db, id, at(20))).toBeUndefined();
      // All resolved: judged on every alert, which only the second window covers.
      await db.updateTable('alerts').set({ status: 'resolved' }).execute();
      expect((await windowFor(db, id, at(15)))?.id).toBe(both.id);
      // Deleted at 12: covers until then.
      await windows.delete(both.id, 'bob', at(12));
      expect((await windowFor(db, id, at(11)))?.id).toBe(both.id);
      expect(await windowFor(db, id, at(12))).toBeUndefined();
      // An incident without alerts is covered by nothing.
      expect(await windowFor(db, await addIncident(db), at(15))).toBeUndefined();
    });
  });

  it('cover nothing with a stored regex that RE2 refuses', async () => {
    await withNoiseDb(async (db) => {
      const windows = new MaintenanceWindows(db, recordingLog().log);
      const w = await windows.create(newWindow('service="db"', 10, 20), 'alice', at(0));
      await db.updateTable('maintenance_windows').set({ matchers: '["service=~\\"(d)\\\\1\\""]' }).execute();
      const id = await addIncident(db);
      await addAlert(db, id, { service: 'dd' });
      expect(await windowFor(db, id, at(15))).toBeUndefined();
      expect((await windows.get(w.id))?.id).toBe(w.id);
    });
  });

  it('are presented with their state, and listed while not over, by start', async () => {
    await withNoiseDb(async (db) => {
      const windows = new MaintenanceWindows(db, recordingLog().log);
      const later = await windows.create(newWindow('service="a"', 30, 40, 'later'), 'alice', at(0));
      const now = await windows.create(newWindow('service="b"', 0, 20), 'alice', at(0));
      const gone = await windows.create(newWindow('service="c"', 0, 20), 'alice', at(0));
      await windows.create(newWindow('service="d"', 0, 5), 'alice', at(0));
      await windows.delete(gone.id, 'bob', at(1));
      expect((await windows.list(at(5))).map((w) => w.id)).toEqual([now.id, later.id]);
      expect(presentWindow(later, at(29)).state).toBe('upcoming');
      expect(presentWindow(later, at(30)).state).toBe('active');
      expect(presentWindow(later, at(40)).state).toBe('ended');
      const deleted = (await windows.get(gone.id))!;
      expect(presentWindow(deleted, at(0.5)).state).toBe('active');
      expect(presentWindow(deleted, at(1)).state).toBe('ended');
      expect(presentWindow(later, at(0))).toEqual({
        id: later.id,
        name: null,
        source: 'api',
        matchers: ['service="a"'],
        starts_at: at(30),
        ends_at: at(40),
        comment: 'later',
        created_by: 'alice',
        created_at: at(0),
        deleted_at: null,
        state: 'upcoming',
        alertmanager_silence: null,
      });
      expect(presentWindow({ ...later, silence_id: 's-1' }, at(0)).alertmanager_silence).toEqual({
        id: 's-1',
      });
      expect(presentWindow({ ...later, silence_error: 'refused' }, at(0)).alertmanager_silence).toEqual({
        error: 'refused',
      });
      // Deleting twice finds nothing the second time, and audits once.
      expect(await windows.delete(gone.id, 'bob', at(2))).toBeUndefined();
      const audit = await auditOf(db);
      expect(audit.map((a) => a.action)).toEqual([
        'maintenance_created',
        'maintenance_created',
        'maintenance_created',
        'maintenance_created',
        'maintenance_deleted',
      ]);
      expect(audit[4]!.details).toMatchObject({ id: gone.id, deleted_at: at(1), state: 'ended' });
    });
  });

  it('end when their end comes or they are deleted, until closed', async () => {
    await withNoiseDb(async (db) => {
      const windows = new MaintenanceWindows(db, recordingLog().log);
      const a = await windows.create(newWindow('service="a"', 0, 10), 'alice', at(0));
      const b = await windows.create(newWindow('service="b"', 0, 60), 'alice', at(0));
      await windows.create(newWindow('service="c"', 0, 60), 'alice', at(0));
      await windows.delete(b.id, 'bob', at(5));
      expect((await endedWindows(db, at(4))).map((w) => w.id)).toEqual([]);
      expect((await endedWindows(db, at(5))).map((w) => w.id)).toEqual([b.id]);
      expect((await endedWindows(db, at(10))).map((w) => w.id).sort()).toEqual([a.id, b.id]);
    });
  });

  it('follow the configuration: added, changed and removed by name, API windows left alone', async () => {
    await withNoiseDb(async (db) => {
      const windows = new MaintenanceWindows(db, recordingLog().log);
      const api = await windows.create(newWindow('service="api"', 0, 60), 'alice', at(0));
      const cfg = (name: string, matchers: string, to = 60, comment = '') => ({
        name,
        ...newWindow(matchers, 0, to, comment),
      });
      await windows.syncConfig([cfg('keep', 'a="1"'), cfg('change', 'b="1"'), cfg('drop', 'c="1"')], at(0));
      const first = await windows.list(at(0));
      const byName = (rows: typeof first) => new Map(rows.map((w) => [w.name, w]));
      await windows.syncConfig([cfg('keep', 'a="1"'), cfg('change', 'b="1"', 50)], at(1));
      let now = byName(await windows.list(at(1)));
      expect(now.get('keep')?.id).toBe(byName(first).get('keep')?.id);
      expect(now.get('change')?.id).not.toBe(byName(first).get('change')?.id);
      expect(now.get('change')?.ends_at).toBe(at(50));
      expect(now.has('drop')).toBe(false);
      expect(now.get(null)?.id).toBe(api.id);
      // Each field counts as a change: the matchers, the start, the comment.
      for (const changed of [
        cfg('keep', 'a="2"'),
        { ...cfg('keep', 'a="1"'), starts_at: at(1) },
        cfg('keep', 'a="1"', 60, 'why'),
      ]) {
        const before = byName(await windows.list(at(1))).get('keep')!;
        await windows.syncConfig([changed, cfg('change', 'b="1"', 50)], at(1));
        now = byName(await windows.list(at(1)));
        expect(now.get('keep')?.id).not.toBe(before.id);
      }
      const rows = await db
        .selectFrom('maintenance_windows')
        .selectAll()
        .where('source', '=', 'config')
        .execute();
      expect(rows.every((w) => w.created_by === 'config')).toBe(true);
      const actors = await db.selectFrom('audit_log').select(['actor', 'action']).distinct().execute();
      expect(actors.sort((x, y) => (x.actor + x.action).localeCompare(y.actor + y.action))).toEqual([
        { actor: 'alice', action: 'maintenance_created' },
        { actor: 'config', action: 'maintenance_created' },
        { actor: 'config', action: 'maintenance_deleted' },
      ]);
    });
  });
});

describe('maintenance windows as silences', () => {
  it("send Alertmanager each matcher's kind, and expire the silence on delete", async () => {
    await withAlertmanager(silenceOk, async (silences, am) => {
      await withNoiseDb(async (db) => {
        const windows = new MaintenanceWindows(db, recordingLog().log, silences);
        const w = await windows.create(newWindow('a="1", b!="2", c=~"3", d!~"4"', 0, 60), 'alice', at(0));
        expect(w.silence_id).toBe('s-0');
        const [post] = am.requests;
        expect(post!.path).toBe('/api/v2/silences');
        expect(post!.headers['content-type']).toBe('application/json');
        expect(JSON.parse(post!.body)).toEqual({
          matchers: [
            { name: 'a', value: '1', isRegex: false, isEqual: true },
            { name: 'b', value: '2', isRegex: false, isEqual: false },
            { name: 'c', value: '3', isRegex: true, isEqual: true },
            { name: 'd', value: '4', isRegex: true, isEqual: false },
          ],
          startsAt: at(0),
          endsAt: at(60),
          createdBy: 'vigil (alice)',
          comment: `Vigil maintenance window ${w.id}`,
        });
        await db.updateTable('maintenance_windows').set({ silence_id: 's/0' }).execute();
        await windows.delete(w.id, 'bob', at(1));
        expect(am.requests[1]).toMatchObject({ path: '/api/v2/silence/s%2F0', body: '' });
        expect(am.requests[1]!.headers['content-type']).toBeUndefined();
        // A window already over gets no silence; one without a silence is expired without a request.
        const over = await windows.create(newWindow('a="1"', 0, 1, 'brief'), 'alice', at(1));
        expect(over.silence_id).toBeNull();
        await windows.delete(over.id, 'bob', at(2));
        expect(am.requests).toHaveLength(2);
      });
    });
  });

  it("keep the window with Alertmanager's own words when it refuses, and log what failed", async () => {
    const refuse = (path: string): Reply =>
      path === '/api/v2/silences'
        ? { status: 400, body: `bad matcher ${'x'.repeat(300)}` }
        : { status: 500, body: 'down' };
    await withAlertmanager(refuse, async (silences) => {
      await withNoiseDb(async (db) => {
        const { log, lines } = recordingLog();
        const windows = new MaintenanceWindows(db, log, silences);
        const w = await windows.create(newWindow('a="1"', 0, 60, 'upgrade'), 'alice', at(0));
        expect(w.silence_id).toBeNull();
        expect(w.silence_error).toBe(
          `Alertmanager POST /api/v2/silences: HTTP 400 bad matcher ${'x'.repeat(188)}`,
        );
        expect(lines[0]).toMatchObject({
          msg: 'could not create the Alertmanager silence of a maintenance window',
          window: w.id,
        });
        await db.updateTable('maintenance_windows').set({ silence_id: 's-9' }).execute();
        await windows.delete(w.id, 'bob', at(1));
        expect(lines[1]).toMatchObject({
          msg: 'could not expire the Alertmanager silence of a maintenance window',
          window: w.id,
          err: { message: 'Alertmanager DELETE /api/v2/silence/s-9: HTTP 500 down' },
        });
      });
    });
  });

  it('refuse an answer without a silence id', async () => {
    await withAlertmanager(
      () => ({ status: 200, body: '{"silenceID":7}' }),
      async (silences) => {
        await expect(
          silences.create({ matchers: [], startsAt: at(0), endsAt: at(1), createdBy: 'x', comment: '' }),
        ).rejects.toThrow('Alertmanager answered without a silenceID');
      },
    );
  });

  it('mirror configured windows in the background, logging what could not be mirrored', async () => {
    await withAlertmanager(silenceOk, async (silences, am) => {
      await withNoiseDb(async (db) => {
        const windows = new MaintenanceWindows(db, recordingLog().log, silences);
        await windows.syncConfig([{ name: 'n', ...newWindow('a="1"', 0, 60, 'night') }], at(0));
        for (let i = 0; i < 100 && am.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
        expect(JSON.parse(am.requests[0]!.body)).toMatchObject({
          comment: 'night',
          createdBy: 'vigil (config)',
        });
        for (let i = 0; i < 100; i++) {
          const [row] = await windows.list(at(0));
          if (row?.silence_id) break;
          await new Promise((r) => setTimeout(r, 10));
        }
        expect((await windows.list(at(0)))[0]!.silence_id).toBe('s-0');
        await windows.syncConfig([], at(1));
        for (let i = 0; i < 100 && am.requests.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
        expect(am.requests[1]!.path).toBe('/api/v2/silence/s-0');
      });
    });
  });
});
