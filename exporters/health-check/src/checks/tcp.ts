import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { regexSchema } from '@vigil/service-kit';
import { z } from 'zod';
import { defineKind, type CheckContext } from './kind';
import { ipProtocolSettings, resolveTarget } from './resolve';
import { hostPortTarget } from './target';
import { tlsOptions, tlsSeries, tlsSettings } from './tls';

/** A line longer than this without a newline is not a line-based protocol worth waiting for. */
const MAX_LINE_BYTES = 64 * 1024;

const settings = z.strictObject({
  ...ipProtocolSettings,
  /**
   * Present (even as `tls: {}`): TLS from the first byte (mode implicit), or only at the query_response
   * step marked starttls (mode starttls).
   */
  tls: tlsSettings.extend({ mode: z.enum(['implicit', 'starttls']).default('implicit') }).optional(),
  /** After connecting: expect a line matching a regex, send a line, upgrade to TLS; in order. */
  query_response: z
    .array(
      z.strictObject({
        expect: regexSchema.optional(),
        send: z.string().optional(),
        starttls: z.boolean().default(false),
      }),
    )
    .default([]),
});

/** Reads a socket line by line (Go's bufio.ScanLines: "\n" ends a line, a "\r" before it is dropped). */
class LineReader {
  private buffer = '';
  private readonly lines: string[] = [];
  private ended = false;
  private failure?: Error;
  private waiting?: () => void;

  constructor(private readonly socket: Socket) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', this.onError);
  }

  /** The next line, or undefined once the peer has closed and every line was read. */
  async next(): Promise<string | undefined> {
    for (;;) {
      const line = this.lines.shift();
      if (line !== undefined) return line;
      if (this.failure) throw this.failure;
      if (this.ended) {
        if (this.buffer === '') return undefined;
        const last = this.buffer;
        this.buffer = '';
        return last;
      }
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  detach(): void {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('error', this.onError);
  }

  private wake() {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }

  private readonly onData = (chunk: Buffer) => {
    this.buffer += chunk.toString('latin1');
    for (let end = this.buffer.indexOf('\n'); end >= 0; end = this.buffer.indexOf('\n')) {
      this.lines.push(this.buffer.slice(0, end).replace(/\r$/, ''));
      this.buffer = this.buffer.slice(end + 1);
    }
    if (this.buffer.length > MAX_LINE_BYTES) this.failure = new Error('line too long');
    this.wake();
  };

  private readonly onEnd = () => {
    this.ended = true;
    this.wake();
  };

  private readonly onError = (err: Error) => {
    this.failure = err;
    this.wake();
  };
}

/** Go's Regexp.Expand template: $1, ${1}, $name, ${name}, $$. */
export function expandTemplate(template: string, match: RegExpExecArray): string {
  return template.replace(/\$(\$|\{(\w+)\}|(\w+))/g, (_, all: string, braced?: string, bare?: string) => {
    if (all === '$') return '$';
    const name = (braced ?? bare) as string;
    const value = /^\d+$/.test(name) ? match[Number(name)] : match.groups?.[name];
    return value ?? '';
  });
}

function connected<T extends Socket>(socket: T, event: 'connect' | 'secureConnect'): Promise<T> {
  return new Promise((resolve, reject) => {
    socket.once(event, () => resolve(socket));
    socket.once('error', reject);
  });
}

const REGEX_HELP = 'Indicates if probe failed due to regex';

/**
 * Succeeds when a TCP (or TLS) connection is established and every query_response step passes; closes it
 * then. As blackbox's tcp prober: probe_failed_due_to_regex, the address series, and the TLS series when
 * TLS was used.
 */
export const tcpCheck = defineKind({
  kind: 'tcp',
  settings,
  ...hostPortTarget(),
  async run(spec, ctx: CheckContext) {
    const { series, log, signal } = ctx;
    series.set('probe_failed_due_to_regex', REGEX_HELP, 0);
    const { address } = await resolveTarget(spec.host, spec, ctx);
    const implicit = spec.tls !== undefined && spec.tls.mode === 'implicit';
    const tlsConfig = spec.tls ?? { insecure_skip_verify: false };
    // Verified against the target's name, as blackbox does when tls_config has no server_name.
    let expiry: number | undefined;
    const serverName = spec.tls?.server_name ?? spec.host;
    log(implicit ? 'Dialing TCP with TLS' : 'Dialing TCP without TLS');
    let socket: Socket = await connected(netConnect({ host: address, port: spec.port, signal }), 'connect');
    if (implicit) {
      socket = await connected(tlsConnect({ socket, ...tlsOptions(tlsConfig, serverName) }), 'secureConnect');
      expiry = tlsSeries(socket as TLSSocket, series);
    }
    log('Successfully dialed');
    let reader = new LineReader(socket);
    try {
      for (const [i, step] of spec.query_response.entries()) {
        log('Processing query response entry', { entry_number: i });
        let send = step.send;
        if (step.expect) {
          let match: RegExpExecArray | null = null;
          for (let line = await reader.next(); line !== undefined; line = await reader.next()) {
            log('Read line', { line }, 'debug');
            match = step.expect.exec(line);
            if (match) {
              log('Regexp matched', { regexp: step.expect.source, line });
              break;
            }
          }
          if (!match) {
            series.set('probe_failed_due_to_regex', REGEX_HELP, 1);
            log('Regexp did not match', { regexp: step.expect.source }, 'error');
            return {
              success: false,
              message: `no line matched ${step.expect}`,
              sslEarliestCertExpiry: expiry,
            };
          }
          series.set('probe_failed_due_to_regex', REGEX_HELP, 0);
          if (send !== undefined) send = expandTemplate(send, match);
        }
        if (send) {
          log('Sending line', { line: send }, 'debug');
          socket.write(`${send}\n`);
        }
        if (step.starttls) {
          reader.detach();
          const plain = socket;
          socket = await connected(
            tlsConnect({ socket: plain, ...tlsOptions(tlsConfig, serverName) }),
            'secureConnect',
          );
          log('TLS Handshake (client) succeeded.');
          expiry = tlsSeries(socket as TLSSocket, series);
          reader = new LineReader(socket);
        }
      }
      return { success: true, sslEarliestCertExpiry: expiry };
    } finally {
      socket.destroy();
    }
  },
});
