import { inline } from '../src/api/postmortem-markdown';
import { presentPostmortem } from '../src/api/presenters';
import type { Db } from '../src/db/database';
import { ingest } from '../src/incidents/ingest';
import { getPostmortem, putPostmortem } from '../src/incidents/postmortems';
import { parseConfig } from '../src/config';
import { notification, openTempDb } from './helpers';
import { BACKENDS, stopTestPostgres } from './support/backends';

afterAll(stopTestPostgres);

const routing = parseConfig({}).routing;

async function twoIncidents(db: Db) {
  const now = new Date().toISOString();
  const options = { reopenWindowMs: 0, routing, policies: new Map(), now };
  const ids: number[] = [];
  for (const name of ['A', 'B']) {
    const [opened] = await ingest(
      db,
      [{ payload: notification([{ name, fingerprint: name }], { groupKey: name }) }],
      options,
    );
    ids.push(opened?.incidentIds[0] as number);
  }
  return ids as [number, number];
}

const written = (timeline_entry_ids: number[] = [], title = 'Fix it') => ({
  summary: 'sum',
  impact: 'imp',
  root_cause: 'rc',
  timeline_entry_ids,
  action_items: [{ title, owner: null, status: 'open' as const, due_date: null }],
});

describe.each(BACKENDS)('postmortems on %s', (backend) => {
  let db: Db;
  let close: () => Promise<void>;
  beforeEach(async () => ({ db, close } = await openTempDb(backend)));
  afterEach(() => close());

  it('are written whole, again and again, concurrently; the excerpt holds only the incident’s own entries', async () => {
    const [a, b] = await twoIncidents(db);
    const entryOf = async (incident_id: number) =>
      (
        await db
          .insertInto('timeline')
          .values({
            incident_id,
            at: new Date().toISOString(),
            kind: 'note',
            actor: 'a',
            message: 'm',
            data: null,
          })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    const [ownEntry, otherEntry] = [await entryOf(a), await entryOf(b)];
    expect(await putPostmortem(db, a, 'alice', written([otherEntry, ownEntry]))).toEqual({
      outcome: 'foreign_entries',
      indexes: [0],
    });
    expect(await putPostmortem(db, 999_999, 'alice', written())).toEqual({ outcome: 'not_found' });
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => putPostmortem(db, a, `user${i}`, written([ownEntry], `item ${i}`))),
    );
    expect(results.every((r) => r.outcome === 'ok')).toBe(true);
    const pm = presentPostmortem((await getPostmortem(db, a))!);
    expect(pm.timeline.map((e) => e.id)).toEqual([ownEntry]);
    // One write's items won, whole: never two writes' items mixed.
    expect(pm.action_items).toHaveLength(1);
    expect(pm.action_items[0]!.title).toBe(`item ${pm.updated_by.slice(4)}`);
    expect(await getPostmortem(db, b)).toBeUndefined();
    const audited = await db
      .selectFrom('audit_log')
      .select('actor')
      .where('action', '=', 'postmortem')
      .execute();
    expect(audited).toHaveLength(5);
  });
});

describe('Markdown of text from elsewhere', () => {
  it('folds lines and escapes what Markdown would read as markup', () => {
    expect(inline('a *b*\n# c <img src=x> [l](u) `x` | &amp;')).toBe(
      'a \\*b\\* # c \\<img src=x\\> \\[l\\](u) \\`x\\` \\| \\&amp;',
    );
  });
});
