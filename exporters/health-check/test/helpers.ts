import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { Runtime } from '@vigil/service-kit';
import pino, { type Logger } from 'pino';
import { createApp } from '../src/app';
import { CHECK_KINDS } from '../src/checks';
import type { CheckKind } from '../src/checks/kind';
import { parseConfig, type CheckConfig, type Config } from '../src/config';
import { Exporter } from '../src/exporter';
import { IDENTITY } from '../src/identity';
import { runCheck, systemClock, type Clock } from '../src/run';

export const silentLog = pino({ level: 'silent' });

import { freePort, listenLocal, startHttp, tempDir } from '@vigil/testkit';

export { freePort as closedPort, listenLocal, startHttp, tempDir };

export async function startTcp(): Promise<{ port: number; close: () => Promise<void>; server: TcpServer }> {
  const server = createTcpServer((socket) => socket.end());
  return { ...(await listenLocal(server)), server };
}

/**
 * A TCP server that accepts connections and never says a word, so protocol checks time out (and must
 * close their connections then).
 */
export async function startSilentTcp() {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // Read (and drop) what the client sends, or its closing would go unnoticed in the paused stream.
    socket.resume();
  });
  const { port, close } = await listenLocal(server);
  return {
    port,
    /** Whether every connection is closed, waiting up to 2 s for the last ones. */
    allClosed: async () => {
      for (let i = 0; i < 200 && sockets.size > 0; i++) await new Promise((res) => setTimeout(res, 10));
      return sockets.size === 0;
    },
    close: () => {
      sockets.forEach((s) => s.destroy());
      return close();
    },
  };
}

/**
 * A self-signed certificate for 127.0.0.1 made with the openssl CLI, valid for `days`; certFile stays
 * on disk (to be given as ca_file) until cleanup().
 */
export function selfSignedCert(days: number) {
  const { dir, cleanup } = tempDir('vigil-cert-');
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-keyout', keyFile, '-out', certFile, '-days', String(days), '-subj', '/CN=localhost'],
      ...['-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    ],
    { stdio: 'ignore' },
  );
  const cert = readFileSync(certFile, 'utf8');
  const key = readFileSync(keyFile, 'utf8');
  return {
    cert,
    key,
    certFile,
    keyFile,
    notAfter: Date.parse(new X509Certificate(cert).validTo) / 1000,
    cleanup,
  };
}

export async function startHttps(tls: { cert: string; key: string }, handler: http.RequestListener) {
  const server = https.createServer(tls, handler);
  const { port, close } = await listenLocal(server);
  return { url: `https://127.0.0.1:${port}`, port, close };
}

/**
 * A TLS server with `tls`'s certificate that records the SNI name each client sends (none for a client
 * that sends none) and drops the connection after the handshake. `negotiate` runs first on each connection,
 * for protocols that ask for TLS in clear (PostgreSQL's SSLRequest).
 */
export async function startSniRecorder(
  tls: { cert: string; key: string },
  negotiate: (socket: Socket) => Promise<void> = async () => undefined,
) {
  const names: string[] = [];
  const secure = createTlsServer(
    {
      ...tls,
      SNICallback: (name, done) => {
        names.push(name);
        done(null); // No context: the server's own certificate.
      },
    },
    // Destroyed, not ended: a client that keeps its side open would keep close() waiting.
    (socket) => socket.destroy(),
  );
  secure.on('tlsClientError', () => undefined);
  const plain = createTcpServer((socket) => {
    socket.on('error', () => undefined);
    negotiate(socket).then(
      () => secure.emit('connection', socket),
      () => socket.destroy(),
    );
  });
  return { ...(await listenLocal(plain)), names };
}

/** A tiny UDP DNS server answering A queries from `records`, NXDOMAIN otherwise. */
export async function startDns(records: Record<string, string>) {
  const socket = createSocket('udp4');
  socket.on('message', (query, peer) => {
    let offset = 12;
    const labels: string[] = [];
    for (let len = query[offset] as number; len > 0; len = query[offset] as number) {
      labels.push(query.subarray(offset + 1, offset + 1 + len).toString());
      offset += len + 1;
    }
    const question = query.subarray(12, offset + 5);
    const ip = query.readUInt16BE(offset + 1) === 1 ? records[labels.join('.')] : undefined;
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2);
    header.writeUInt16BE(ip ? 0x8180 : 0x8183, 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(ip ? 1 : 0, 6);
    const answer = ip
      ? Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ...ip.split('.').map(Number)])
      : Buffer.alloc(0);
    socket.send(Buffer.concat([header, question, answer]), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    server: `127.0.0.1:${socket.address().port}`,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** Parses one check as the config would (so its schema applies) and returns it. */
export function checkFrom(doc: Record<string, unknown>): CheckConfig {
  const config = parseConfig({ services: { svc: { checks: [{ name: 'c', ...doc }] } } });
  return config.services[0]!.checks[0]!;
}

/** Runs one check, given as its config document, once. */
export function runOnce(doc: Record<string, unknown>) {
  const check = checkFrom(doc);
  return runCheck(CHECK_KINDS.get(check.kind) as CheckKind, check.spec, check.timeoutMs, systemClock);
}

/**
 * The exporter's whole HTTP app (as main builds it) on a config whose checks have each run once; stop the
 * exporter when done.
 */
export async function exporterApp(config: Config, options: { log?: Logger; clock?: Clock } = {}) {
  const log = options.log ?? silentLog;
  const exporter = new Exporter(config, log, options.clock);
  await exporter.current.scheduler.runAll();
  return { app: createApp(exporter, new Runtime(IDENTITY), log), exporter };
}
