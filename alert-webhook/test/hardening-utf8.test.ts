import { join } from 'node:path';
import fc from 'fast-check';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../src/app';
import { parseConfig } from '../src/config';
import { openDatabase } from '../src/db/database';
import { firstInvalidUtf8 } from '../src/webhook/unicode';
import { GUARDED, notification, startGuardedApp, tempDir } from './helpers';
import { freshStorage, stopTestPostgres } from './support/backends';

// Issue 16, item 5: bytes that are not UTF-8 are refused with the offset, never stored as U+FFFD.

describe('firstInvalidUtf8', () => {
  it.each([
    [[0x61, 0x62], -1],
    [[0x61, 0xc3, 0xa9], -1], // é
    [[0xf0, 0x9f, 0x98, 0x80], -1], // 😀
    [[0x61, 0xc3, 0x28], 1], // a second byte that is no continuation
    [[0x80], 0], // a continuation byte alone
    [[0xc0, 0x80], 0], // overlong NUL
    [[0xe0, 0x80, 0x80], 0], // overlong
    [[0xed, 0xa0, 0x80], 0], // a surrogate (U+D800)
    [[0xf4, 0x90, 0x80, 0x80], 0], // past U+10FFFF
    [[0xf5, 0x80, 0x80, 0x80], 0],
    [[0x61, 0x62, 0xe2, 0x82], 2], // cut off at the end
    [[0x61, 0xff], 1],
  ])('%j → %i', (bytes, offset) => {
    expect(firstInvalidUtf8(Uint8Array.from(bytes))).toBe(offset);
  });

  it('agrees with a fatal TextDecoder on any bytes', () => {
    const fatal = new TextDecoder('utf-8', { fatal: true });
    const decodes = (b: Uint8Array) => {
      try {
        fatal.decode(b);
        return true;
      } catch {
        return false;
      }
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12 }), (bytes) => {
        const at = firstInvalidUtf8(bytes);
        if (at === -1) return decodes(bytes);
        // Everything before the offset is UTF-8; the bytes from it on are not.
        return (
          decodes(bytes.subarray(0, at)) &&
          !decodes(bytes.subarray(0, at + 4 > bytes.length ? bytes.length : at + 4))
        );
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('the webhook and the API', () => {
  let t: Awaited<ReturnType<typeof startGuardedApp>>;
  beforeEach(async () => {
    t = await startGuardedApp();
  });
  afterEach(() => t.close());

  /** Sends these bytes as they are (superagent would encode a Buffer as JSON). */
  const raw = (body: Buffer | string) => body as unknown as string;
  const hook = (body: Buffer | string) =>
    request(t.app)
      .post('/api/v1/alertmanager')
      .set(GUARDED.asHook)
      .set('Content-Type', 'application/json')
      .serialize(raw)
      .send(raw(body));

  /** A notification whose alert has the label `city` = what `marker` is replaced with, as bytes. */
  const withCity = (bytes: Buffer) => {
    const text = JSON.stringify(notification([{ fingerprint: 'a', labels: { city: 'MARKER' } }]));
    const at = text.indexOf('MARKER');
    return {
      body: Buffer.concat([Buffer.from(text.slice(0, at)), bytes, Buffer.from(text.slice(at + 6))]),
      at,
    };
  };

  it('refuses a body with bytes that are not UTF-8, naming the offset', async () => {
    const { body, at } = withCity(Buffer.from([0x5a, 0xfc, 0x72, 0x69, 0x63, 0x68])); // "Zürich" in Latin-1
    const res = await hook(body).expect(400);
    expect(res.body.error).toMatchObject({
      code: 'invalid_utf8',
      message: expect.stringContaining(`byte 0xFC at offset ${at + 1}`),
    });
    expect(await t.db.selectFrom('inbox').selectAll().execute()).toEqual([]);
  });

  it('takes UTF-8 as it is', async () => {
    await hook(withCity(Buffer.from('Zürich 😀')).body).expect(200);
    await t.inbox.drained();
    const alert = await t.db.selectFrom('alerts').select('labels').executeTakeFirstOrThrow();
    expect(JSON.parse(alert.labels).city).toBe('Zürich 😀');
  });

  it('refuses \\u escapes that make no text: a lone surrogate, NUL; a surrogate pair is fine', async () => {
    for (const [escape, message] of [
      ['\\ud800', /lone UTF-16 surrogate/],
      ['x\\udfffy', /lone UTF-16 surrogate/],
      ['\\u0000', /NUL/],
    ] as const) {
      const res = await hook(withCity(Buffer.from(escape)).body).expect(400);
      expect(res.body.error.details).toEqual([
        { field: 'alerts.0.labels.city', message: expect.stringMatching(message) },
      ]);
    }
    const key = JSON.stringify(notification([{ fingerprint: 'a' }])).replace(
      '"labels":{',
      '"labels":{"a\\ud800":"x",',
    );
    const res = await hook(key).expect(400);
    expect(res.body.error.details).toEqual([
      { field: 'alerts.0.labels.a\ud800', message: expect.stringMatching(/^the key holds a lone/) },
    ]);
    expect(await t.db.selectFrom('inbox').selectAll().execute()).toEqual([]);

    await hook(withCity(Buffer.from('\\ud83d\\ude00')).body).expect(200);
    await t.inbox.drained();
    const alert = await t.db.selectFrom('alerts').select('labels').executeTakeFirstOrThrow();
    expect(JSON.parse(alert.labels).city).toBe('😀');
  });

  it('refuses an API body that is not UTF-8', async () => {
    await hook(withCity(Buffer.from('x')).body).expect(200);
    await t.inbox.drained();
    const res = await request(t.app)
      .post('/api/v1/incidents/1/notes')
      .set(GUARDED.asResponder)
      .set('Content-Type', 'application/json')
      .serialize(raw)
      .send(raw(Buffer.concat([Buffer.from('{"text":"caf'), Buffer.from([0xe9]), Buffer.from('"}')])))
      .expect(400);
    expect(res.body.error).toMatchObject({
      code: 'invalid_utf8',
      message: expect.stringContaining('offset 12'),
    });
  });
});

describe('the stored delivery', () => {
  afterAll(stopTestPostgres);
  // The body's bytes are handed to the database as they are (a binary parameter; SQLite casts them).
  const cases = [
    ['a SQLite file, merged on its thread', 'sqlite', true, 'test.db'],
    ['a SQLite file, merged in process', 'sqlite', false, 'test.db'],
    ['SQLite in memory', 'sqlite', false, ':memory:'],
    ['PostgreSQL, merged on its threads', 'postgres', true, ''],
  ] as const;
  it.each(cases)('is the text as sent, byte for byte, on %s', async (_name, backend, mergeThread, file) => {
    const { dir, cleanup } = tempDir();
    const storage =
      backend === 'sqlite'
        ? { sqlite: { path: file === ':memory:' ? file : join(dir, file) } }
        : await freshStorage(backend, dir);
    const db = await openDatabase(parseConfig({ storage }).storage);
    const t = createApp(parseConfig({ storage }), db, pino({ level: 'silent' }), { mergeThread });
    try {
      // Past 4 KiB, so that the body is not a slice of Node's shared pool: its memory moves to a merge thread.
      const long = 'x'.repeat(5000);
      const sent = JSON.stringify(
        notification([
          { fingerprint: 'a', labels: { city: 'Zürich 😀 \\ "quoted"' }, annotations: { description: long } },
        ]),
        null,
        1,
      );
      await request(t.app)
        .post('/api/v1/alertmanager')
        .set('Content-Type', 'application/json')
        .send(sent)
        .expect(200);
      await t.inbox.drained();
      const stored = await db.selectFrom('inbox').select(['payload', 'processed_at', 'error']).execute();
      expect(stored).toEqual([{ payload: sent, processed_at: expect.any(String), error: null }]);
      const alert = await db.selectFrom('alerts').select('labels').executeTakeFirstOrThrow();
      expect(JSON.parse(alert.labels).city).toBe('Zürich 😀 \\ "quoted"');
      const merged = await db.selectFrom('alerts').select('annotations').executeTakeFirstOrThrow();
      expect(JSON.parse(merged.annotations).description).toBe(long);
    } finally {
      await t.inbox.stop();
      t.dispatcher.stop();
      await db.destroy();
      cleanup();
    }
  });
});
