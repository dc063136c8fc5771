import { createHash } from 'node:crypto';
import {
  appendFileSync,
  copyFileSync,
  readFileSync,
  renameSync,
  statSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Exporter } from '../src/exporter';
import { catchUp, tallies, tempDir, testExporter } from './helpers';

/**
 * Each test line is "line <id>"; the metric seen_total{id} counts every line by id, so a line counted twice
 * or skipped shows in the exposition.
 */
function fileExporter(dir: string, extra: Record<string, unknown> = {}) {
  return testExporter({
    sources: {
      app: {
        input: { kind: 'file', include: [join(dir, 'app.log*')], exclude: ['*.gz'] },
        parser: { kind: 'regex', pattern: '^line (?<id>\\S+)$' },
      },
    },
    metrics: [
      {
        name: 'seen_total',
        type: 'counter',
        help: 'Lines by id.',
        labels: { id: 'id' },
        max_label_values: 10000,
      },
    ],
    files: { start_at: 'beginning' },
    ...extra,
  });
}

/** The ids counted and how often, in order of first sight. */
async function seen(exporter: Exporter): Promise<Record<string, number>> {
  const text = await exporter.render();
  return Object.fromEntries(
    [...text.matchAll(/^seen_total\{id="([^"]*)"\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])]),
  );
}

const lines = (...ids: (string | number)[]) => ids.map((id) => `line ${id}\n`).join('');
const once = (...ids: (string | number)[]) => Object.fromEntries(ids.map((id) => [String(id), 1]));

describe('following log files', () => {
  let temp: ReturnType<typeof tempDir>;
  let exporter: Exporter | undefined;
  beforeEach(() => (temp = tempDir()));
  afterEach(async () => {
    await exporter?.stop();
    exporter = undefined;
    temp.cleanup();
  });

  it('reads appended lines and holds a partial last line until its newline comes', async () => {
    const log = join(temp.dir, 'app.log');
    writeFileSync(log, lines(1, 2) + 'line 3');
    exporter = fileExporter(temp.dir);
    await exporter.start();
    expect(await seen(exporter)).toEqual(once(1, 2));
    appendFileSync(log, '3');
    await catchUp(exporter);
    expect(await seen(exporter)).toEqual(once(1, 2));
    appendFileSync(log, '\n' + lines(4));
    await catchUp(exporter);
    expect(await seen(exporter)).toEqual(once(1, 2, 33, 4));
  });

  it('follows rename + create rotation: the old file is read to its end, the new one from its start', async () => {
    const log = join(temp.dir, 'app.log');
    writeFileSync(log, lines(1));
    exporter = fileExporter(temp.dir);
    await exporter.start();
    // Written after the last pass and before the rename: must not be lost.
    appendFileSync(log, lines(2));
    renameSync(log, join(temp.dir, 'app.log.1'));
    writeFileSync(log, lines(3));
    appendFileSync(join(temp.dir, 'app.log.1'), lines('2b')); // the writer had not reopened yet
    await catchUp(exporter);
    await catchUp(exporter);
    expect(await seen(exporter)).toEqual(once(1, 2, '2b', 3));
    // Rotated again, out of the globs (compressed): read for rotate_wait, then let go.
    renameSync(join(temp.dir, 'app.log.1'), join(temp.dir, 'app.log.2.gz'));
    await catchUp(exporter);
    await catchUp(exporter);
    const t = await tallies(exporter, 'app');
    expect(t.openFiles).toBe(1);
    expect(t.text).toContain('logexporter_file_events_total{source="app",event="renamed"} 2');
    expect(await seen(exporter)).toEqual(once(1, 2, '2b', 3));
  });

  it('follows copytruncate: a file shorter than what was read is read again from its start', async () => {
    const log = join(temp.dir, 'app.log');
    writeFileSync(log, lines(1, 2, 3));
    exporter = fileExporter(temp.dir);
    await exporter.start();
    truncateSync(log, 0);
    appendFileSync(log, lines(4));
    await catchUp(exporter);
    expect(await seen(exporter)).toEqual(once(1, 2, 3, 4));
    expect((await tallies(exporter, 'app')).text).toContain(
      'logexporter_file_events_total{source="app",event="truncated"} 1',
    );
  });

  it('follows copytruncate into the copy: read on from where the original was, the original from its start', async () => {
    const log = join(temp.dir, 'app.log');
    writeFileSync(log, lines(1, 2) + 'line 3');
    exporter = fileExporter(temp.dir);
    await exporter.start();
    // Between two polls: more lines, logrotate's copy and truncation, and the writer going on at byte 0.
    appendFileSync(log, '3\n' + lines(4));
    copyFileSync(log, join(temp.dir, 'app.log.1'));
    truncateSync(log, 0);
    appendFileSync(log, lines(5));
    await catchUp(exporter);
    expect(await seen(exporter)).toEqual(once(1, 2, 33, 4, 5));
    const t = await tallies(exporter, 'app');
    expect(t.text).toContain('logexporter_file_events_total{source="app",event="copied"} 1');
    expect(t.text).toContain('logexporter_file_events_total{source="app",event="truncated"} 1');
    expect(t.lag).toBe(0);
  });

  it('does not read a copy while its original still holds its lines, nor while it is being written', async () => {
    const log = join(temp.dir, 'app.log');
    const copy = join(temp.dir, 'app.log.1');
    writeFileSync(log, lines(...Array.from({ length: 200 }, (_, i) => i)));
    exporter = fileExporter(temp.dir);
    await exporter.start();
    const all = once(...Array.from({ length: 200 }, (_, i) => i));
    // A copy half written (as logrotate's copy is, for a moment), then whole, and the original going on.
    const content = readFileSync(log);
    writeFileSync(copy, content.subarray(0, 1500));
    await catchUp(exporter);
    writeFileSync(copy, content);
    appendFileSync(log, lines('a'));
    await catchUp(exporter);
    expect(await seen(exporter)).toEqual({ ...all, a: 1 });
    expect((await tallies(exporter, 'app')).lag).toBe(0);
    // Now the truncation: the copy holds nothing unread (line a came after it), the original starts again.
    truncateSync(log, 0);
    appendFileSync(log, lines('b'));
    await catchUp(exporter);
    expect(await seen(exporter)).toEqual({ ...all, a: 1, b: 1 });
    // A backup copy (cp) of a file that is never truncated is never read.
    copyFileSync(log, join(temp.dir, 'app.log.bak'));
    appendFileSync(log, lines('c'));
    await catchUp(exporter);
    await catchUp(exporter);
    expect(await seen(exporter)).toEqual({ ...all, a: 1, b: 1, c: 1 });
  });

  it('reads a file that only began like a followed one (a new log with the same first bytes) whole', async () => {
    const log = join(temp.dir, 'app.log');
    writeFileSync(log, lines(1, 2));
    exporter = fileExporter(temp.dir);
    await exporter.start();
    writeFileSync(join(temp.dir, 'app.log.other'), 'line 1\n');
    await catchUp(exporter);
    appendFileSync(join(temp.dir, 'app.log.other'), lines('x', 'y'));
    await catchUp(exporter);
    expect(await seen(exporter)).toEqual({ 1: 2, 2: 1, x: 1, y: 1 });
  });

  it('reads a file truncated and written again past the old offset between two polls from its start', async () => {
    const log = join(temp.dir, 'app.log');
    writeFileSync(log, lines(1, 2));
    exporter = fileExporter(temp.dir);
    await exporter.start();
    writeFileSync(log, lines(3, 4, 5, 6));
    await catchUp(exporter);
    expect(await seen(exporter)).toEqual(once(1, 2, 3, 4, 5, 6));
  });

  /** A first run that reads app.log (lines 1 and 2) and stops, its offsets saved in offsets.json. */
  const readThenStop = async () => {
    const state = join(temp.dir, 'offsets.json');
    const log = join(temp.dir, 'app.log');
    writeFileSync(log, lines(1, 2));
    exporter = fileExporter(temp.dir, { state_file: state });
    await exporter.start();
    await exporter.stop();
    return { state, log };
  };

  it('after a restart, reads a copy made while it was down from where the original was', async () => {
    const { state, log } = await readThenStop();
    // copytruncate while down, then the original deleted by a later rotation (the copy renamed on).
    appendFileSync(log, lines(3));
    copyFileSync(log, join(temp.dir, 'app.log.1'));
    truncateSync(log, 0);
    appendFileSync(log, lines(4));
    exporter = fileExporter(temp.dir, { state_file: state });
    await exporter.start();
    expect(await seen(exporter)).toEqual(once(3, 4));
    await exporter.stop();
    appendFileSync(log, lines(5));
    copyFileSync(log, join(temp.dir, 'app.log.2'));
    unlinkSync(log);
    writeFileSync(log, lines(6));
    exporter = fileExporter(temp.dir, { state_file: state });
    await exporter.start();
    expect(await seen(exporter)).toEqual(once(5, 6));
  });

  it('after a restart, reads on from the original a copy made while it was down, the original still empty', async () => {
    const { state, log } = await readThenStop();
    // A quiet log rotated overnight (copytruncate) before a reboot: nothing written since.
    copyFileSync(log, join(temp.dir, 'app.log.1'));
    truncateSync(log, 0);
    exporter = fileExporter(temp.dir, { state_file: state });
    await exporter.start();
    expect(await seen(exporter)).toEqual({});
    appendFileSync(log, lines(3));
    await catchUp(exporter);
    expect(await seen(exporter)).toEqual(once(3));
  });

  it('resumes from a state file written before files were known by content (no tail, no former files)', async () => {
    const state = join(temp.dir, 'offsets.json');
    const log = join(temp.dir, 'app.log');
    writeFileSync(log, lines(1, 2, 3));
    const { dev, ino } = statSync(log);
    const read = lines(1, 2).length;
    const fingerprint = createHash('sha256').update(readFileSync(log).subarray(0, read)).digest('hex');
    const saved = { path: log, offset: read, fingerprint, fingerprintBytes: read };
    writeFileSync(state, JSON.stringify({ version: 1, offsets: { [`app/${dev}:${ino}`]: saved } }));
    exporter = fileExporter(temp.dir, { state_file: state });
    await exporter.start();
    expect(await seen(exporter)).toEqual(once(3));
  });

  it('resumes after a restart at the saved offset: nothing counted twice, nothing skipped', async () => {
    const state = join(temp.dir, 'state', 'offsets.json');
    const log = join(temp.dir, 'app.log');
    writeFileSync(log, lines(1, 2) + 'line 3');
    exporter = fileExporter(temp.dir, { state_file: state });
    await exporter.start();
    await exporter.stop();
    expect(await seen(exporter)).toEqual(once(1, 2));

    // While it was down: the partial line completed, more lines, and a rotation.
    appendFileSync(log, '\n' + lines(4));
    renameSync(log, join(temp.dir, 'app.log.1'));
    writeFileSync(log, lines(5));
    exporter = fileExporter(temp.dir, { state_file: state });
    await exporter.start();
    expect(await seen(exporter)).toEqual(once(3, 4, 5));
    await exporter.stop();

    // Truncated while down (copytruncate): read from the start.
    writeFileSync(log, lines(6));
    exporter = fileExporter(temp.dir, { state_file: state });
    await exporter.start();
    expect(await seen(exporter)).toEqual(once(6));
  });

  it('at the very first start reads existing files from their end with start_at: end, new files whole', async () => {
    const log = join(temp.dir, 'app.log');
    writeFileSync(log, lines(1, 2));
    exporter = fileExporter(temp.dir, { files: { start_at: 'end' } });
    await exporter.start();
    appendFileSync(log, lines(3));
    writeFileSync(join(temp.dir, 'app.log.new'), lines(4));
    await catchUp(exporter);
    expect(await seen(exporter)).toEqual(once(3, 4));
  });

  it('cuts very long lines at max_line_bytes, counting them, without losing the lines after', async () => {
    const log = join(temp.dir, 'app.log');
    const long = `line ${'x'.repeat(5000)}`;
    writeFileSync(log, lines(1) + long.slice(0, 3000));
    exporter = fileExporter(temp.dir, { max_line_bytes: 1024 });
    await exporter.start();
    appendFileSync(log, long.slice(3000) + '\n' + lines(2) + `line ${'y'.repeat(2000)}\n` + lines(3));
    await catchUp(exporter);
    const ids = await seen(exporter);
    expect(ids['1']).toBe(1);
    expect(ids['2']).toBe(1);
    expect(ids['3']).toBe(1);
    expect(ids[`${'x'.repeat(1019)}`]).toBe(1);
    expect(ids[`${'y'.repeat(1019)}`]).toBe(1);
    expect((await tallies(exporter, 'app')).truncated).toBe(2);
  });

  it('cuts a long line of valid UTF-8 between characters, so it stays valid', async () => {
    const log = join(temp.dir, 'app.log');
    // 'line ' is 5 bytes, each € 3: the 1024th byte falls inside a €, both held and read whole.
    const euros = `line ${'€'.repeat(400)}`;
    writeFileSync(log, `${euros}\n`);
    exporter = fileExporter(temp.dir, { max_line_bytes: 1024 });
    await exporter.start();
    appendFileSync(log, euros.slice(0, 200));
    await catchUp(exporter);
    appendFileSync(log, `${euros.slice(200)}\n`);
    await catchUp(exporter);
    expect(await seen(exporter)).toEqual({ ['€'.repeat(339)]: 2 });
    expect(await tallies(exporter, 'app')).toMatchObject({ truncated: 2, invalidUtf8: 0 });
  });

  it('tolerates invalid UTF-8: the line is read with U+FFFD and counted as invalid', async () => {
    const log = join(temp.dir, 'app.log');
    writeFileSync(
      log,
      Buffer.concat([Buffer.from('line a'), Buffer.from([0xff, 0xfe]), Buffer.from('\n' + lines(2))]),
    );
    exporter = fileExporter(temp.dir);
    await exporter.start();
    expect(await seen(exporter)).toEqual({ 'a\uFFFD\uFFFD': 1, '2': 1 });
    expect((await tallies(exporter, 'app')).invalidUtf8).toBe(1);
  });

  it('counts a matched file it cannot open at every poll, and reads the others', async () => {
    writeFileSync(join(temp.dir, 'app.log'), lines(1));
    // A link to itself fails with ELOOP even for root, as a root-only auth.log fails to open for others.
    symlinkSync('app.log.loop', join(temp.dir, 'app.log.loop'));
    exporter = fileExporter(temp.dir);
    await exporter.start();
    await catchUp(exporter);
    await catchUp(exporter);
    const t = await tallies(exporter, 'app');
    const unreadable = /logexporter_file_events_total\{source="app",event="unreadable"\} (\d+)/.exec(t.text);
    expect(Number(unreadable?.[1])).toBeGreaterThanOrEqual(2);
    expect(await seen(exporter)).toEqual(once(1));
  });

  it('copes with a file that disappears: reads what was left, then lets it go', async () => {
    const log = join(temp.dir, 'app.log');
    writeFileSync(log, lines(1));
    exporter = fileExporter(temp.dir);
    await exporter.start();
    appendFileSync(log, lines(2) + 'line 3');
    unlinkSync(log);
    await catchUp(exporter);
    await catchUp(exporter);
    const t = await tallies(exporter, 'app');
    expect(t.openFiles).toBe(0);
    expect(t.text).toContain('logexporter_file_events_total{source="app",event="deleted"} 1');
    // The unfinished last line is taken as it is: nobody will finish it.
    expect(await seen(exporter)).toEqual(once(1, 2, 3));
    writeFileSync(log, lines(4));
    await catchUp(exporter);
    expect(await seen(exporter)).toEqual(once(1, 2, 3, 4));
  });

  it('reports the bytes not read yet as lag', async () => {
    const log = join(temp.dir, 'app.log');
    writeFileSync(log, lines(1));
    exporter = fileExporter(temp.dir);
    await exporter.start();
    appendFileSync(log, lines(2, 3));
    expect((await tallies(exporter, 'app')).lag).toBe(lines(2, 3).length);
    await catchUp(exporter);
    expect((await tallies(exporter, 'app')).lag).toBe(0);
  });
});
