import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import {
  freePort,
  freePorts,
  Mailbox,
  spawnProcess,
  startProcess,
  startExporter,
  startHttp,
  startNginx,
  startSmtpSink,
  startVictoriaMetrics,
  tempDir,
  waitFor,
  type SmtpSink,
} from '../src/index';

const node = (script: string) => [process.execPath, ['-e', script]] as const;

describe('ports', () => {
  it('hands out distinct free loopback ports', async () => {
    const ports = await freePorts(5);
    expect(new Set(ports).size).toBe(5);
    expect(await freePort()).toBeGreaterThan(0);
  });
});

describe('waitFor', () => {
  it('returns the first value, counting a throwing probe as not yet', async () => {
    let tries = 0;
    const value = await waitFor('the third try', async () => {
      if (++tries < 3) throw new Error('not yet');
      return tries;
    });
    expect(value).toBe(3);
  });

  it('fails after its timeout, naming what it awaited and the last error', async () => {
    await expect(
      waitFor('nothing', () => Promise.reject(new Error('refused')), { timeoutMs: 50, everyMs: 10 }),
    ).rejects.toThrow('waiting for nothing: not seen within 50 ms (last error: refused)');
  });
});

describe('processes', () => {
  it('collects output, and fails a wait at once, quoting it, when the process exits', async () => {
    const proc = spawnProcess(
      ...node("console.log('starting'); console.error('no config'); process.exit(3)"),
    );
    const started = Date.now();
    await expect(proc.waitForHttp(`http://127.0.0.1:${await freePort()}/`)).rejects.toThrow(
      /exited \(3\); its output:\nstarting\nno config/,
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await proc.exited).toBe(3);
  });

  it('is ready on a line of its output; stop() signals it, waits, and runs its cleanup', async () => {
    const { dir, cleanup } = tempDir('vigil-testkit-');
    const proc = await startProcess(
      ...node("console.log('listening on 4242'); setInterval(() => {}, 1000)"),
      {
        ready: /listening on (\d+)/,
        cleanup,
      },
    );
    expect((await proc.waitForOutput(/listening on (\d+)/))[1]).toBe('4242');
    expect(proc.exitStatus).toBeUndefined();
    await proc.stop('SIGINT');
    expect(proc.exitStatus).toBe('SIGINT');
    expect(existsSync(dir)).toBe(false);
  });

  it('appends the output to a log file, and names and quotes it when the process fails', async () => {
    const { dir, cleanup } = tempDir('vigil-testkit-');
    try {
      const logFile = join(dir, 'child.log');
      const ready = `http://127.0.0.1:${await freePort()}/`;
      await expect(
        startProcess(...node("console.log('bad flag'); process.exit(2)"), {
          name: 'child',
          output: { file: logFile },
          ready,
        }),
      ).rejects.toThrow(
        `waiting for child at ${ready}: child exited (2); see ${logFile}, which ends:\nbad flag\n`,
      );
      expect(readFileSync(logFile, 'utf8')).toBe('bad flag\n');
    } finally {
      cleanup();
    }
  });

  it('refuses a command that does not exist', () => {
    expect(() => spawnProcess('/nonexistent/vigil-binary', [])).toThrow(
      'vigil-binary: could not start /nonexistent/vigil-binary',
    );
  });
});

describe('the SMTP sink', () => {
  let sink: SmtpSink;
  const files = tempDir('vigil-testkit-mail-');
  beforeAll(async () => {
    sink = await startSmtpSink({
      dir: files.dir,
      refuse: { gone: { code: 550, message: 'No such user' } },
      auth: { username: 'probe', password: 's3cret' },
    });
  });
  afterAll(async () => {
    await sink.close();
    files.cleanup();
  });
  const send = (to: string, auth?: { user: string; pass: string }) =>
    createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true, auth }).sendMail({
      from: 'vigil@example.test',
      to,
      subject: `for ${to}`,
      text: 'hello',
    });

  it('keeps each message parsed and as a file, and refuses the recipients it is told to', async () => {
    const before = performance.timeOrigin + performance.now();
    await send('oncall@example.test');
    await expect(send('gone@example.test')).rejects.toThrow(/550 No such user/);
    expect(sink.received.map((m) => [m.subject, m.text?.trim()])).toEqual([
      ['for oncall@example.test', 'hello'],
    ]);
    expect(sink.received[0]!.receivedAt).toBeGreaterThanOrEqual(before);
    expect(readdirSync(files.dir).filter((f) => f.endsWith('.part'))).toEqual([]);
    const [stored] = await new Mailbox(files.dir).read();
    expect(stored).toMatchObject({ to: ['oncall@example.test'], subject: 'for oncall@example.test' });
    expect(sink.seen.mail).toBe(2);
  });

  it('accepts its login only, recording each attempt', async () => {
    await send('a@example.test', { user: 'probe', pass: 's3cret' });
    await expect(send('b@example.test', { user: 'probe', pass: 'wrong' })).rejects.toThrow(/535/);
    expect(sink.seen.auth).toEqual(['PLAIN', 'PLAIN']);
  });
});

describe('the long-term store and the standard exporters', () => {
  const withoutPath = async (run: () => Promise<unknown>) => {
    const saved = process.env.PATH;
    process.env.PATH = '';
    try {
      return await run().then(
        () => undefined,
        (err: Error) => err.message,
      );
    } finally {
      process.env.PATH = saved;
    }
  };

  it('say what to install when a binary is missing', async () => {
    expect(await withoutPath(() => startExporter('redis', { url: 'redis://127.0.0.1:1' }))).toBe(
      'redis exporter not found (prometheus-redis-exporter or redis_exporter on PATH): run scripts/install-prometheus-stack.sh',
    );
    expect(await withoutPath(() => startVictoriaMetrics())).toMatch(
      /^VictoriaMetrics not found .*: run scripts\/install-prometheus-stack\.sh$/,
    );
  });

  it('refuse a bad query to VictoriaMetrics with its answer', async () => {
    const vm = await startVictoriaMetrics({ retention: '1d', dedupInterval: '1m', latencyOffset: '0s' });
    try {
      await expect(vm.query('sum(')).rejects.toThrow(/^sum\(: .*"status":"error"/);
    } finally {
      await vm.stop();
    }
  });

  it('fail to start an exporter on a port already taken, leaving nothing behind', async () => {
    const { port, close } = await startHttp((_req, res) => res.end());
    try {
      await expect(startNginx('127.0.0.1:1', { port })).rejects.toThrow(/nginx/);
    } finally {
      await close();
    }
  });
});
