import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import type { Exporter } from '../src/exporter';
import { sample, testExporter } from './helpers';

async function until(check: () => Promise<boolean>) {
  for (let deadline = Date.now() + 5000; Date.now() < deadline;) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('timed out');
}

const FAILED = 'sshd[1]: Failed password for root from 198.51.100.7 port 22 ssh2';

describe('the syslog listener', () => {
  let exporter: Exporter | undefined;
  afterEach(async () => {
    await exporter?.stop();
    exporter = undefined;
  });

  function listen(protocol: 'udp' | 'tcp') {
    exporter = testExporter({
      sources: {
        net: {
          input: { kind: 'syslog', protocol, listen_address: '127.0.0.1', port: 0 },
          parser: { kind: 'sshd' },
        },
      },
      security: { enabled: true },
    });
    return exporter;
  }
  const failures = async (e: Exporter) =>
    sample(
      await e.render(),
      'security_ssh_failed_logins_total{source="net",client_ip="198.51.100.7",method="password"}',
    );

  it('takes RFC 3164 and RFC 5424 datagrams over UDP, one message each', async () => {
    const e = listen('udp');
    await e.start();
    const port = e.sources[0]!.input.port!();
    const socket = createSocket('udp4');
    for (const msg of [
      `<38>Jan  5 10:00:00 bastion ${FAILED}\n`,
      `<38>1 2025-01-05T10:00:00Z bastion sshd 1 - - ${FAILED.slice(9)}`,
    ]) {
      await new Promise((resolve) => socket.send(msg, port, '127.0.0.1', resolve));
    }
    socket.close();
    await until(async () => (await failures(e)) === 2);
    expect(sample(await e.render(), 'logexporter_lines_read_total{source="net"}')).toBe(2);
    expect(sample(await e.render(), 'logexporter_lines_by_level_total{source="net",level="info"}')).toBe(2);
  });

  it('takes a datagram holding newlines as one message, not one per line (RFC 5426)', async () => {
    exporter = testExporter({
      sources: {
        net: {
          input: { kind: 'syslog', protocol: 'udp', listen_address: '127.0.0.1', port: 0 },
          parser: { kind: 'syslog' },
        },
      },
    });
    const e = exporter;
    await e.start();
    const port = e.sources[0]!.input.port!();
    const socket = createSocket('udp4');
    const trace =
      'java.lang.IllegalStateException: closed\n\tat Pool.get(Pool.java:42)\r\n\tat Main.main(Main.java:7)\n';
    await new Promise((resolve) =>
      socket.send(`<11>Jan  5 10:00:00 app1 app[7]: ${trace}`, port, '127.0.0.1', resolve),
    );
    socket.close();
    const read = async () => sample(await e.render(), 'logexporter_lines_read_total{source="net"}');
    await until(async () => (await read()) === 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const page = await e.render();
    expect(await read()).toBe(1);
    expect(sample(page, 'logexporter_lines_by_level_total{source="net",level="error"}')).toBe(1);
    expect(sample(page, 'logexporter_parse_errors_total{source="net"}')).toBe(0);
  });

  it('takes TCP streams with octet-counted and newline framing, and messages split across packets', async () => {
    const e = listen('tcp');
    await e.start();
    const port = e.sources[0]!.input.port!();
    const msg = `<38>1 2025-01-05T10:00:00Z bastion sshd 1 - - ${FAILED.slice(9)}`;
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const stream = `${Buffer.byteLength(msg)} ${msg}<38>Jan  5 10:00:00 bastion ${FAILED}\n${Buffer.byteLength(msg)} ${msg}`;
    socket.write(stream.slice(0, 7));
    await new Promise((resolve) => setTimeout(resolve, 20));
    socket.write(stream.slice(7));
    await until(async () => (await failures(e)) === 3);
    socket.end();
  });
});
