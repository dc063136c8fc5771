import { createSocket, type Socket } from 'node:dgram';
import { connect, createServer, type AddressInfo } from 'node:net';
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { ConfigError } from '@vigil/service-kit';
import { portInUse, waitFor } from '@vigil/testkit';
import { parseConfig } from '../src/config';
import type { Exporter } from '../src/exporter';
import { catchUp, sample, tallies, tempDir, testExporter } from './helpers';

/** Lines are "line <id>"; seen_total{id} counts each, so a line counted twice or skipped shows. */
const SEEN = {
  name: 'seen_total',
  type: 'counter',
  help: 'Lines by id.',
  labels: { id: 'id' },
  max_label_values: 10000,
};
const ID = { kind: 'regex', pattern: '^line (?<id>\\S+)$' };
const lines = (...ids: (string | number)[]) => ids.map((id) => `line ${id}\n`).join('');
const once = (...ids: (string | number)[]) => Object.fromEntries(ids.map((id) => [String(id), 1]));

/** A config document as testExporter's: file sources never poll on their own, tests drive each pass. */
const doc = (extra: Record<string, unknown>) => ({
  metrics: [SEEN],
  ...extra,
  files: { poll_interval: '1h', rotate_wait: '1ms', ...(extra.files as object | undefined) },
});

async function seen(exporter: Exporter, metric = 'seen_total'): Promise<Record<string, number>> {
  const text = await exporter.render();
  const re = new RegExp(`^${metric}\\{id="([^"]*)"\\} (\\d+)$`, 'gm');
  return Object.fromEntries([...text.matchAll(re)].map((m) => [m[1], Number(m[2])]));
}

describe('reloading the exporter', () => {
  let temp: ReturnType<typeof tempDir>;
  let exporter: Exporter | undefined;
  const sockets: Socket[] = [];
  beforeEach(() => (temp = tempDir()));
  afterEach(async () => {
    await exporter?.stop();
    exporter = undefined;
    for (const s of sockets.splice(0)) s.close();
    temp.cleanup();
  });

  it('keeps an unchanged input: nothing lost or counted twice, unchanged metrics keep counting, new ones start', async () => {
    const log = join(temp.dir, 'app.log');
    const app = { input: { kind: 'file', include: [log] }, parser: ID };
    writeFileSync(log, lines(1, 2) + 'line 3');
    exporter = testExporter(doc({ files: { start_at: 'beginning' }, sources: { app } }));
    await exporter.start();
    expect(await seen(exporter)).toEqual(once(1, 2));
    // Not read yet when the reload comes: the end of the partial line, and one more line.
    appendFileSync(log, '3\n' + lines(4));
    const input = exporter.sources[0]!.input;
    await exporter.reload(
      parseConfig(
        doc({
          files: { start_at: 'beginning' },
          sources: { app },
          metrics: [
            SEEN,
            { name: 'after_total', type: 'counter', help: 'Lines after.', labels: { id: 'id' } },
          ],
        }),
      ),
    );
    expect(exporter.sources[0]!.input).toBe(input);
    await catchUp(exporter);
    expect(await seen(exporter)).toEqual(once(1, 2, 33, 4));
    expect(await seen(exporter, 'after_total')).toEqual(once(33, 4));
    const t = await tallies(exporter, 'app');
    expect(t.read).toBe(4);
    expect(t.openFiles).toBe(1);
  });

  it('restarts a changed input from its saved offsets, across a rotation just before the reload', async () => {
    const log = join(temp.dir, 'app.log');
    writeFileSync(log, lines(0));
    const source = (include: string[]) => ({ app: { input: { kind: 'file', include }, parser: ID } });
    // start_at end: line 0 was there before the first start.
    exporter = testExporter(doc({ files: { start_at: 'end' }, sources: source([log]) }));
    await exporter.start();
    appendFileSync(log, lines(1, 2) + 'line 3');
    await catchUp(exporter);
    expect(await seen(exporter)).toEqual(once(1, 2));
    // logrotate then its postrotate reload: the old file got more, and the new one exists before the next poll.
    appendFileSync(log, '3\n' + lines(4));
    renameSync(log, `${log}.1`);
    writeFileSync(log, lines(5));
    const input = exporter.sources[0]!.input;
    await exporter.reload(
      parseConfig(doc({ files: { start_at: 'end' }, sources: source([log, `${log}.1`]) })),
    );
    expect(exporter.sources[0]!.input).not.toBe(input);
    // The renamed file resumed where it was left; the new one is new to the source, so read whole.
    expect(await seen(exporter)).toEqual(once(1, 2, 33, 4, 5));
    appendFileSync(log, lines(6));
    await catchUp(exporter);
    expect(await seen(exporter)).toEqual(once(1, 2, 33, 4, 5, 6));
    expect((await tallies(exporter, 'app')).openFiles).toBe(2);
  });

  it('starts a source the reload adds per files.start_at, and restarts a reshaped metric from zero', async () => {
    const a = join(temp.dir, 'a.log');
    const b = join(temp.dir, 'b.log');
    writeFileSync(a, lines('a1'));
    writeFileSync(b, lines('b1'));
    const src = (path: string) => ({ input: { kind: 'file', include: [path] }, parser: ID });
    exporter = testExporter(doc({ files: { start_at: 'beginning' }, sources: { a: src(a) } }));
    await exporter.start();
    expect(await seen(exporter)).toEqual(once('a1'));
    await exporter.reload(
      parseConfig(
        doc({
          files: { start_at: 'end' },
          sources: { a: src(a), b: src(b) },
          metrics: [SEEN, { ...SEEN, name: 'other_total' }],
        }),
      ),
    );
    appendFileSync(a, lines('a2'));
    appendFileSync(b, lines('b2'));
    await catchUp(exporter);
    // a: files.start_at changed, so its input restarted, from its offsets; b: from the end, as at a first start.
    expect(await seen(exporter)).toEqual(once('a1', 'a2', 'b2'));
    await exporter.reload(
      parseConfig(
        doc({
          files: { start_at: 'end' },
          sources: { a: src(a), b: src(b) },
          metrics: [{ ...SEEN, help: 'Lines by id, reworded.' }],
        }),
      ),
    );
    appendFileSync(a, lines('a3'));
    await catchUp(exporter);
    expect(await seen(exporter)).toEqual(once('a3'));
    const text = await exporter.render();
    expect(text).toContain('# HELP seen_total Lines by id, reworded.');
    expect(text).not.toContain('other_total');
  });

  it('starts a source removed and added again per files.start_at, not from where it stood when removed', async () => {
    const a = join(temp.dir, 'a.log');
    const b = join(temp.dir, 'b.log');
    writeFileSync(a, lines('a1'));
    writeFileSync(b, lines('b1'));
    const src = (path: string) => ({ input: { kind: 'file', include: [path] }, parser: ID });
    const config = (sources: Record<string, unknown>) =>
      parseConfig(doc({ files: { start_at: 'end' }, state_file: join(temp.dir, 'state.json'), sources }));
    exporter = testExporter(doc({ files: { start_at: 'beginning' }, sources: { a: src(a), b: src(b) } }));
    await exporter.start();
    await exporter.reload(config({ a: src(a) }));
    appendFileSync(b, lines('b2', 'b3'));
    await exporter.reload(config({ a: src(a), b: src(b) }));
    appendFileSync(b, lines('b4'));
    await catchUp(exporter);
    expect(await seen(exporter)).toEqual(once('a1', 'b1', 'b4'));
  });

  it('keeps a stdin source reading across a reload, its unfinished line included', async () => {
    const stdin = new PassThrough();
    const source = (pattern: string) => ({
      app: { input: { kind: 'stdin' }, parser: { kind: 'regex', pattern } },
    });
    exporter = testExporter(doc({ sources: source('^line (?<id>\\S+)$') }), stdin);
    await exporter.start();
    stdin.write(lines(1) + 'line 2');
    await new Promise((resolve) => setImmediate(resolve));
    await exporter.reload(parseConfig(doc({ sources: source('^line (?<id>\\S+)$|^entry (?<id2>\\S+)$') })));
    const ended = new Promise((resolve) => stdin.once('end', resolve));
    stdin.end('b\n' + lines(3));
    await ended;
    expect(await seen(exporter)).toEqual(once(1, '2b', 3));
  });

  it('refuses a reload whose listener cannot start, and the previous configuration stays, exactly', async () => {
    const blocker = createSocket('udp4');
    sockets.push(blocker);
    await new Promise<void>((resolve) => blocker.bind(0, '127.0.0.1', resolve));
    const busy = blocker.address().port;
    const log = join(temp.dir, 'app.log');
    writeFileSync(log, lines(1));
    const sources = (port: number, include: string[]) => ({
      app: { input: { kind: 'file', include }, parser: ID },
      sys: { input: { kind: 'syslog', protocol: 'udp', listen_address: '127.0.0.1', port }, parser: ID },
    });
    const first = parseConfig(doc({ files: { start_at: 'beginning' }, sources: sources(0, [log]) }));
    exporter = testExporter(doc({ files: { start_at: 'beginning' }, sources: sources(0, [log]) }));
    await exporter.start();
    const next = doc({
      files: { start_at: 'beginning' },
      sources: sources(busy, [log, join(temp.dir, 'more.log')]),
      metrics: [SEEN, { ...SEEN, name: 'other_total' }],
    });
    const failed = exporter.reload(parseConfig(next));
    await expect(failed).rejects.toThrow(ConfigError);
    await expect(failed).rejects.toThrow(/sources\.sys\.input: cannot start: .*EADDRINUSE/);
    expect(exporter.config).toEqual(first);
    // The previous listener still reads, the file is still followed, no new metric.
    const port = exporter.sources.find((s) => s.name === 'sys')!.input.port!();
    const sender = createSocket('udp4');
    sockets.push(sender);
    await new Promise<void>((resolve) => sender.send('line udp', port, '127.0.0.1', () => resolve()));
    appendFileSync(log, lines(2));
    await catchUp(exporter);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await seen(exporter)).toEqual(once(1, 2, 'udp'));
    expect(await exporter.render()).not.toContain('other_total');
  });

  it('keeps a listener moving to another port, and its connections, until the new one is bound', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busy = (blocker.address() as AddressInfo).port;
    const sys = (port: number) => ({
      sys: { input: { kind: 'syslog', protocol: 'tcp', listen_address: '127.0.0.1', port }, parser: ID },
    });
    exporter = testExporter(doc({ sources: sys(0) }));
    await exporter.start();
    const listener = () => exporter!.sources.find((s) => s.name === 'sys')!.input;
    const port = listener().port!();
    const sender = connect(port, '127.0.0.1');
    try {
      await new Promise((resolve) => sender.once('connect', resolve));
      sender.write(lines('before'));
      await waitFor('the line before', async () => (await seen(exporter!)).before, { everyMs: 10 });
      const failed = exporter.reload(parseConfig(doc({ sources: sys(busy) })));
      await expect(failed).rejects.toThrow(/sources\.sys\.input: cannot start: .*EADDRINUSE/);
      // The same socket, and the same connection: a line sent on it after the refusal still counts.
      expect(listener().port!()).toBe(port);
      sender.write(lines('after'));
      await waitFor('the line after', async () => (await seen(exporter!)).after, { everyMs: 10 });
      // Once the new port is free the move succeeds: the old port is closed, the new one listens.
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
      await exporter.reload(parseConfig(doc({ sources: sys(busy) })));
      expect(listener().port!()).toBe(busy);
      expect(await portInUse(port)).toBe(false);
    } finally {
      sender.destroy();
      blocker.close();
    }
  });

  it('moves its offsets to a new state_file', async () => {
    const log = join(temp.dir, 'app.log');
    const [before, after] = [join(temp.dir, 'one.json'), join(temp.dir, 'two', 'two.json')];
    writeFileSync(log, lines(1));
    const app = { input: { kind: 'file', include: [log] }, parser: ID };
    exporter = testExporter(doc({ files: { start_at: 'beginning' }, state_file: before, sources: { app } }));
    await exporter.start();
    expect(existsSync(before)).toBe(true);
    await exporter.reload(
      parseConfig(doc({ files: { start_at: 'beginning' }, state_file: after, sources: { app } })),
    );
    const offsets = JSON.parse(readFileSync(after, 'utf8')) as {
      offsets: Record<string, { offset: number }>;
    };
    expect(Object.values(offsets.offsets).map((o) => o.offset)).toEqual([lines(1).length]);
    expect(sample(await exporter.render(), 'seen_total{id="1"}')).toBe(1);
  });
});
