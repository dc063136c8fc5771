import { connect as netConnect, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { secret } from '@vigil/service-kit';
import { z } from 'zod';
import { defineKind } from './kind';
import { hostPortTarget } from './target';
import { earliestExpiry, tlsOptions, tlsSettings } from './tls';

/** A server that talks this much without ending a reply is not an SMTP server worth waiting for. */
const MAX_REPLY_BYTES = 64 * 1024;

const settings = z.strictObject({
  /** The name sent with EHLO. */
  ehlo_name: z
    .string()
    .regex(/^[A-Za-z0-9.-]+$/, 'must be a hostname')
    .default(hostname()),
  /** With tls, mode starttls upgrades after EHLO (the server must offer it); implicit is TLS from the start (port 465). */
  tls: tlsSettings.extend({ mode: z.enum(['starttls', 'implicit']).default('starttls') }).optional(),
  /** Log in after the (last) EHLO: AUTH PLAIN when the server offers it, else LOGIN. */
  auth: z.strictObject({ username: z.string().min(1), password: secret }).optional(),
  /** Without it, auth without tls is refused rather than sending the password in clear (as Go's net/smtp does). */
  allow_insecure_auth: z.boolean().default(false),
});

interface Reply {
  code: number;
  lines: string[];
}

/** Reads SMTP replies ("250-first", "250 last") from one socket, one reply per next(). */
class ReplyReader {
  private buffer = '';
  private lines: string[] = [];
  private readonly replies: Reply[] = [];
  private failure?: Error;
  private waiting?: { resolve: (r: Reply) => void; reject: (e: Error) => void };

  constructor(private readonly socket: Socket) {
    socket.on('data', this.onData);
    socket.on('error', this.fail);
    socket.on('close', this.onClose);
  }

  next(): Promise<Reply> {
    const ready = this.replies.shift();
    if (ready) return Promise.resolve(ready);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  /** Stops reading, before the socket is handed to TLS. */
  detach(): void {
    this.socket.off('data', this.onData);
    this.socket.off('error', this.fail);
    this.socket.off('close', this.onClose);
  }

  private readonly onData = (chunk: Buffer) => {
    this.buffer += chunk.toString('latin1');
    for (let end = this.buffer.indexOf('\n'); end >= 0; end = this.buffer.indexOf('\n')) {
      const line = this.buffer.slice(0, end).replace(/\r$/, '');
      this.buffer = this.buffer.slice(end + 1);
      const match = /^(\d{3})([ -]?)(.*)$/.exec(line);
      if (!match) return this.fail(new Error(`not an SMTP reply: "${line.slice(0, 80)}"`));
      this.lines.push(match[3] as string);
      if (match[2] !== '-') this.push({ code: Number(match[1]), lines: this.lines.splice(0) });
    }
    if (this.buffer.length > MAX_REPLY_BYTES) this.fail(new Error('reply too long'));
  };

  private readonly onClose = () => this.fail(new Error('connection closed by the server'));

  private push(reply: Reply) {
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) waiting.resolve(reply);
    else this.replies.push(reply);
  }

  private readonly fail = (err: Error) => {
    this.failure ??= err;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(this.failure);
  };
}

/** Waits for a reply with the expected code; anything else fails the check, naming the step. */
async function expectReply(reader: ReplyReader, code: number, step: string): Promise<Reply> {
  const reply = await reader.next();
  if (reply.code !== code) throw new Error(`${step}: ${reply.code} ${reply.lines.join(' ').slice(0, 200)}`);
  return reply;
}

/** The SASL mechanisms of the EHLO reply's AUTH lines ("AUTH PLAIN LOGIN", or the older "AUTH=LOGIN"). */
function authMechanisms(ehlo: Reply): Set<string> {
  const mechanisms = new Set<string>();
  for (const line of ehlo.lines.slice(1)) {
    const match = /^AUTH[ =](.*)$/i.exec(line);
    for (const m of match?.[1]?.match(/\S+/g) ?? []) mechanisms.add(m.toUpperCase());
  }
  return mechanisms;
}

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/**
 * AUTH PLAIN (RFC 4616, credentials in the initial response) when offered, else LOGIN. Failure messages
 * carry the server's reply only, never what was sent.
 */
async function authenticate(
  socket: Socket,
  reader: ReplyReader,
  ehlo: Reply,
  auth: { username: string; password: string },
): Promise<void> {
  const offered = authMechanisms(ehlo);
  const step = 'authentication failed';
  if (offered.has('PLAIN')) {
    socket.write(`AUTH PLAIN ${base64(`\0${auth.username}\0${auth.password}`)}\r\n`);
  } else if (offered.has('LOGIN')) {
    socket.write('AUTH LOGIN\r\n');
    await expectReply(reader, 334, step);
    socket.write(`${base64(auth.username)}\r\n`);
    await expectReply(reader, 334, step);
    socket.write(`${base64(auth.password)}\r\n`);
  } else {
    throw new Error(
      offered.size === 0
        ? 'server does not offer AUTH'
        : `server offers AUTH ${[...offered].join(' ')}, neither PLAIN nor LOGIN`,
    );
  }
  await expectReply(reader, 235, step);
}

function connected(socket: Socket, event: 'connect' | 'secureConnect'): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once(event, resolve);
    socket.once('error', reject);
  });
}

/**
 * Reads the 220 banner, says EHLO and, with tls, upgrades (STARTTLS) or starts encrypted and says EHLO
 * again over TLS; with auth, logs in; then QUIT. No mail is sent.
 */
export const smtpCheck = defineKind({
  kind: 'smtp',
  settings,
  ...hostPortTarget(25),
  async run(spec, { signal }) {
    const tls = spec.tls;
    if (spec.auth && !tls && !spec.allow_insecure_auth) {
      throw new Error(
        'auth without tls would send the password in clear: set tls, or allow_insecure_auth: true',
      );
    }
    const implicit = tls?.mode === 'implicit';
    let socket: Socket = implicit
      ? tlsConnect({ host: spec.host, port: spec.port, ...tlsOptions(tls) })
      : netConnect({ host: spec.host, port: spec.port });
    // Destroys whichever socket is current: the plain one, or the TLS one wrapping it after STARTTLS.
    const abort = () => socket.destroy();
    signal.addEventListener('abort', abort);
    try {
      await connected(socket, implicit ? 'secureConnect' : 'connect');
      let reader = new ReplyReader(socket);
      await expectReply(reader, 220, 'banner');
      socket.write(`EHLO ${spec.ehlo_name}\r\n`);
      let ehlo = await expectReply(reader, 250, 'EHLO');
      if (tls?.mode === 'starttls') {
        if (!ehlo.lines.slice(1).some((l) => /^STARTTLS\b/i.test(l))) {
          throw new Error('server does not offer STARTTLS');
        }
        socket.write('STARTTLS\r\n');
        await expectReply(reader, 220, 'STARTTLS');
        reader.detach();
        socket = tlsConnect({ socket, host: spec.host, ...tlsOptions(tls) });
        await connected(socket, 'secureConnect');
        reader = new ReplyReader(socket);
        socket.write(`EHLO ${spec.ehlo_name}\r\n`);
        // Servers often offer AUTH only now, over TLS.
        ehlo = await expectReply(reader, 250, 'EHLO after STARTTLS');
      }
      if (spec.auth) await authenticate(socket, reader, ehlo, spec.auth);
      socket.write('QUIT\r\n');
      // Said goodbye properly when the server answers; its answer changes nothing.
      await reader.next().catch(() => undefined);
      return {
        success: true,
        sslEarliestCertExpiry: tls
          ? earliestExpiry((socket as TLSSocket).getPeerCertificate(true))
          : undefined,
      };
    } finally {
      signal.removeEventListener('abort', abort);
      socket.end();
      socket.destroy();
    }
  },
});
