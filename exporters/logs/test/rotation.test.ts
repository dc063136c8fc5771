import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { findBinary, sleep, spawnProcess, waitFor, type RunningProcess } from '@vigil/testkit';
import { parseConfig } from '../src/config';
import type { Exporter } from '../src/exporter';
import { tallies, tempDir, testExporter } from './helpers';

/**
 * Every logrotate mode, with Debian's logrotate (its own state file, -f) rotating a log that a writer keeps
 * appending to, and the exporter polling as it does in production, restarted from its state file and
 * reloaded in the middle. At the end, what it counted is compared with the ground truth: every complete line
 * the files hold (compressed ones unpacked) counted exactly once, and nothing else. Against what the writer
 * wrote, nothing is lost either, except with copytruncate: what is written between its copy and its
 * truncation is lost by logrotate itself (as its manual says), and then the exporter must count exactly what
 * the files held.
 */

const exec = promisify(execFile);

/** Debian installs it in /usr/sbin, which a user's PATH may lack. */
function logrotateBinary(): string {
  const found = findBinary(['logrotate'], [process.env.PATH ?? '', '/usr/sbin', '/sbin'].join(delimiter));
  if (!found) throw new Error('logrotate not found: run scripts/install-test-services.sh');
  return found;
}

/**
 * Appends numbered lines, like a web server: it holds its file open (O_APPEND, so that a copytruncate's
 * truncation moves its writes back to the start), reopens it on SIGHUP (logrotate's postrotate), and on
 * SIGTERM prints how many lines it wrote. Lines end in " end" so that a line cut by a copy never counts.
 */
const WRITER = `
const fs = require('node:fs');
const path = process.argv[1];
let fd = fs.openSync(path, 'a');
let seq = 0;
process.on('SIGHUP', () => { fs.closeSync(fd); fd = fs.openSync(path, 'a'); });
process.on('SIGTERM', () => { fs.closeSync(fd); process.stdout.write('wrote ' + seq + '\\n'); process.exit(0); });
setInterval(() => { for (let i = 0; i < 4; i++) fs.writeSync(fd, 'line ' + ++seq + ' end\\n'); }, 1);
console.log('writing');
`;

interface Mode {
  name: string;
  /** logrotate directives besides rotate, missingok and the postrotate. */
  directives: string[];
  /** The writer reopens its file after the rotation (not with copytruncate, whose point is not to). */
  reopens: boolean;
  /** dateext names rotated files by the second: rotations must be that far apart. */
  gapMs: number;
  /** Whether the rotation itself may lose lines (copytruncate, between its copy and its truncation). */
  lossy: boolean;
}

const MODES: Mode[] = [
  { name: 'create', directives: ['create'], reopens: true, gapMs: 150, lossy: false },
  { name: 'copytruncate', directives: ['copytruncate'], reopens: false, gapMs: 150, lossy: true },
  {
    name: 'compress with delaycompress',
    directives: ['compress', 'delaycompress'],
    reopens: true,
    gapMs: 150,
    lossy: false,
  },
  {
    name: 'dateext',
    directives: ['dateext', 'dateformat -%Y%m%d-%H%M%S'],
    reopens: true,
    gapMs: 1100,
    lossy: false,
  },
  {
    name: 'copytruncate with dateext, compress and delaycompress',
    directives: ['copytruncate', 'dateext', 'dateformat -%Y%m%d-%H%M%S', 'compress', 'delaycompress'],
    reopens: false,
    gapMs: 1100,
    lossy: true,
  },
];

const LINE = /^line (\d+) end$/;

/** Ids of the complete lines the files hold, as many times as they hold each (compressed files unpacked). */
function held(dir: string): Map<string, number> {
  const ids = new Map<string, number>();
  for (const name of readdirSync(dir)) {
    const raw = readFileSync(join(dir, name));
    const text = (name.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
    const lines = text.split('\n');
    lines.pop(); // "" after the last newline, or a line still being written
    for (const line of lines) {
      const id = LINE.exec(line)?.[1];
      if (id !== undefined) ids.set(id, (ids.get(id) ?? 0) + 1);
    }
  }
  return ids;
}

/** seen_total by id, from the exposition. */
async function counted(exporter: Exporter, into: Map<string, number>): Promise<void> {
  const text = await exporter.render();
  for (const m of text.matchAll(/^seen_total\{id="([^"]*)"\} (\d+)$/gm)) {
    into.set(m[1]!, (into.get(m[1]!) ?? 0) + Number(m[2]));
  }
}

describe('logrotate, every mode: what the exporter counts is exactly what the files held', () => {
  let temp: ReturnType<typeof tempDir>;
  let writer: RunningProcess | undefined;
  const exporters: Exporter[] = [];
  beforeEach(() => (temp = tempDir('vigil-logrotate-')));
  afterEach(async () => {
    await writer?.stop();
    writer = undefined;
    for (const e of exporters.splice(0)) await e.stop();
    temp.cleanup();
  });

  it.each(MODES)('$name', async (mode) => {
    const logrotate = logrotateBinary();
    const logs = join(temp.dir, 'logs');
    mkdirSync(logs);
    const log = join(logs, 'access.log');
    const stateFile = join(temp.dir, 'offsets.json');
    const doc = (exclude: string[]) => ({
      state_file: stateFile,
      files: { poll_interval: '5ms', rotate_wait: '100ms', start_at: 'beginning' },
      sources: {
        app: {
          // As the README recommends: the rotated names included, compressed ones excluded.
          input: { kind: 'file', include: [`${log}*`], exclude },
          parser: { kind: 'regex', pattern: '^line (?<id>\\d+) end$' },
        },
      },
      metrics: [
        {
          name: 'seen_total',
          type: 'counter',
          help: 'Lines by id.',
          labels: { id: 'id' },
          max_label_values: 1e6,
        },
      ],
    });

    writer = spawnProcess(process.execPath, ['-e', WRITER, log], { name: 'writer' });
    await writer.waitForOutput(/writing/);
    const conf = join(temp.dir, 'logrotate.conf');
    writeFileSync(
      conf,
      [
        `${log} {`,
        '  rotate 1000',
        '  missingok',
        ...mode.directives.map((d) => `  ${d}`),
        ...(mode.reopens ? ['  postrotate', `    kill -HUP ${writer.pid}`, '  endscript'] : []),
        '}',
        '',
      ].join('\n'),
      { mode: 0o644 },
    );
    const rotate = async () => {
      await exec(logrotate, ['-f', '-s', join(temp.dir, 'logrotate.state'), conf]);
      await sleep(mode.gapMs);
    };

    const first = testExporter(doc(['*.gz']));
    exporters.push(first);
    await first.start();
    await sleep(mode.gapMs);
    await rotate();
    await rotate();
    // A restart, with a rotation while the exporter is down: it resumes from its state file.
    await first.stop();
    await rotate();
    const second = testExporter(doc(['*.gz']));
    exporters.push(second);
    await second.start();
    await rotate();
    // A reload that changes the input: it is started again from the offsets the old one saved.
    await second.reload(parseConfig(doc(['*.gz', '*.tmp'])));
    await rotate();
    await rotate();
    await writer.stop();
    const wrote = Number(/wrote (\d+)/.exec(writer.output())?.[1]);
    writer = undefined;
    // Caught up: nothing left to read, and files that left the globs let go.
    await waitFor('the exporter to catch up', async () =>
      (await tallies(second, 'app')).lag === 0 ? true : undefined,
    );
    await sleep(300);
    await second.stop();

    const truth = held(logs);
    const seen = new Map<string, number>();
    for (const e of exporters) await counted(e, seen);
    const twice = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
    const missed = [...truth.keys()].filter((id) => !seen.has(id));
    // Lines counted that no file holds: written, read, and then lost by a copytruncate (written after its
    // copy, read before its truncation). Any other would be a line made up.
    const gone = [...seen.keys()].filter((id) => !truth.has(id));
    const madeUp = gone.filter((id) => !(Number(id) >= 1 && Number(id) <= wrote));
    const lost = wrote - truth.size;
    process.stdout.write(
      `logrotate ${mode.name}: written=${wrote} held=${truth.size} lost_by_logrotate=${lost} ` +
        `counted=${[...seen.values()].reduce((a, b) => a + b, 0)} duplicated=${twice.length} ` +
        `missed=${missed.length} counted_before_logrotate_lost_them=${gone.length}\n`,
    );
    expect({ twice: twice.slice(0, 10), missed: missed.slice(0, 10), madeUp: madeUp.slice(0, 10) }).toEqual({
      twice: [],
      missed: [],
      madeUp: [],
    });
    // The files never hold a line twice, and every line written is there unless the mode loses some.
    expect([...truth.values()].every((n) => n === 1)).toBe(true);
    if (!mode.lossy) expect({ lost, gone: gone.length }).toEqual({ lost: 0, gone: 0 });
    expect(truth.size).toBeGreaterThan(1000);
  });
});
