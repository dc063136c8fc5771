import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createOverflowCounter } from '../src/capped';
import { parseConfig } from '../src/config';
import { PARSER_KINDS } from '../src/parsers';
import type { Fields, ParserKind } from '../src/parsers/kind';
import { createSecurityPack, type SecurityPack } from '../src/security/pack';
import { sample, tempDir, testExporter } from './helpers';

const failed = (ip: string, user = 'admin') => `Failed password for ${user} from ${ip} port 51515 ssh2`;
const accepted = (ip: string, method = 'password') =>
  `Accepted ${method} for admin from ${ip} port 51516 ssh2`;
const syslog = (message: string) => `Jan  5 10:00:00 bastion sshd[811]: ${message}`;
const AFTER_FAILURES = 'security_ssh_logins_after_failures_total';
const MINUTE = 60_000;

describe('an SSH login after a run of failures from its address', () => {
  const temp = tempDir();
  afterAll(() => temp.cleanup());

  it('is counted with its address when client_ip labels are long past their cap (the audit reproduction)', async () => {
    const log = join(temp.dir, 'auth.log');
    const lines = [
      ...Array.from({ length: 100 }, (_, i) => failed(`198.18.0.${i + 1}`, 'root')),
      ...Array.from({ length: 25 }, () => failed('203.0.113.66')),
      accepted('203.0.113.66'),
    ];
    writeFileSync(log, lines.map((l) => `${syslog(l)}\n`).join(''));
    const exporter = testExporter({
      files: { start_at: 'beginning' },
      sources: { auth: { input: { kind: 'file', include: [log] }, parser: { kind: 'sshd' } } },
      security: { enabled: true },
    });
    await exporter.start();
    const text = await exporter.render();
    await exporter.stop();

    // The failures themselves still fall under the cap: the new counter is what the alert reads.
    expect(
      sample(text, 'security_ssh_failed_logins_total{source="auth",client_ip="other",method="password"}'),
    ).toBe(25);
    expect(sample(text, `${AFTER_FAILURES}{source="auth",client_ip="203.0.113.66",method="password"}`)).toBe(
      1,
    );
  });
});

/** The pack on a clock the test moves, fed sshd lines of one source (or of `source`). */
function packAt(previous?: SecurityPack) {
  const clock = { now: 0 };
  const registry = new Registry();
  const config = parseConfig({ security: { enabled: true } }).security;
  const pack = createSecurityPack(config, registry, createOverflowCounter(), previous, () => clock.now);
  const parse = (PARSER_KINDS.get('sshd') as ParserKind).create({});
  const feed = (message: string, times = 1, source = 'auth') => {
    for (let i = 0; i < times; i++) pack.observe(source, parse(syslog(message)) as Fields);
  };
  const count = async (ip: string, source = 'auth') =>
    sample(
      await registry.metrics(),
      `${AFTER_FAILURES}{source="${source}",client_ip="${ip}",method="password"}`,
    ) ?? 0;
  return { pack, clock, feed, count };
}

describe('the run of failures behind security_ssh_logins_after_failures_total', () => {
  it('needs 20 failures from the same address and source; "message repeated N times" counts N', async () => {
    const { feed, count } = packAt();
    feed(failed('192.0.2.1'), 19);
    feed(accepted('192.0.2.1'));
    expect(await count('192.0.2.1')).toBe(0);

    feed(failed('192.0.2.2'), 17);
    feed(`message repeated 3 times: [ ${failed('192.0.2.2')}]`);
    feed(accepted('192.0.2.2'));
    expect(await count('192.0.2.2')).toBe(1);

    // Failures from another address, or in another source, do not add up.
    feed(failed('192.0.2.3'), 10);
    feed(failed('192.0.2.4'), 10);
    feed(failed('192.0.2.5'), 10, 'other-host');
    feed(failed('192.0.2.5'), 10);
    feed(accepted('192.0.2.4'));
    feed(accepted('192.0.2.5'));
    expect(await count('192.0.2.4')).toBe(0);
    expect(await count('192.0.2.5')).toBe(0);
  });

  it('ends at the login, and is forgotten 30 minutes after its last failure', async () => {
    const { feed, count, clock } = packAt();
    feed(failed('192.0.2.1'), 25);
    feed(accepted('192.0.2.1'));
    feed(accepted('192.0.2.1'));
    expect(await count('192.0.2.1')).toBe(1);

    // A slow run still adds up while each failure comes within 30 minutes of the previous one.
    for (let i = 0; i < 20; i++) {
      feed(failed('192.0.2.2'));
      clock.now += 29 * MINUTE;
    }
    feed(accepted('192.0.2.2'));
    expect(await count('192.0.2.2')).toBe(1);

    feed(failed('192.0.2.3'), 25);
    clock.now += 30 * MINUTE + 1;
    feed(accepted('192.0.2.3'));
    expect(await count('192.0.2.3')).toBe(0);
  });

  it('keeps the 10,000 addresses that failed last: memory is bounded whatever the attack', async () => {
    const { feed, count } = packAt();
    feed(failed('192.0.2.1'), 20);
    feed(failed('192.0.2.2'), 20);
    feed(failed('192.0.2.1'));
    // 9,999 more addresses: 192.0.2.2, whose last failure is now the oldest, makes room; 192.0.2.1 stays.
    for (let i = 0; i < 9_999; i++) feed(failed(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`));
    feed(accepted('192.0.2.1'));
    feed(accepted('192.0.2.2'));
    expect(await count('192.0.2.1')).toBe(1);
    expect(await count('192.0.2.2')).toBe(0);
  });

  it('carries the runs across a reload', async () => {
    const before = packAt();
    before.feed(failed('192.0.2.1'), 20);
    const after = packAt(before.pack);
    after.feed(accepted('192.0.2.1'));
    expect(await after.count('192.0.2.1')).toBe(1);
  });
});
