import { isUtf8 } from 'node:buffer';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { z } from 'zod';
import { listenAddress, portSchema } from '@vigil/service-kit';
import { LineSplitter } from '../lines';
import type { InputContext, InputKind } from './kind';

const settings = z.strictObject({
  protocol: z.enum(['udp', 'tcp']),
  // Loopback unless said otherwise: a syslog port open to the network accepts lines from anyone.
  listen_address: listenAddress.default('127.0.0.1'),
  port: portSchema(0).default(5514),
  max_connections: z.number().int().positive().default(100),
});

/**
 * One TCP connection's stream, framed per RFC 6587: octet counting ("<len> <msg>") when a frame starts
 * with a digit, else non-transparent framing (one message per line).
 */
class TcpFramer {
  private buffered: Buffer = Buffer.alloc(0);
  private readonly lines: LineSplitter;
  /** Bytes of the octet-counted frame still to come, or -1 between frames. */
  private frameLeft = -1;
  private frame: Buffer[] = [];
  private frameBytes = 0;

  constructor(private readonly ctx: InputContext) {
    this.lines = new LineSplitter(ctx.maxLineBytes, ctx.sink);
  }

  push(chunk: Buffer): void {
    let data = this.buffered.length > 0 ? Buffer.concat([this.buffered, chunk]) : chunk;
    this.buffered = Buffer.alloc(0);
    while (data.length > 0) {
      if (this.frameLeft >= 0) {
        const take = Math.min(this.frameLeft, data.length);
        // Past max_line_bytes a frame is cut, like an over-long line.
        if (this.frameBytes < this.ctx.maxLineBytes) this.frame.push(data.subarray(0, take));
        this.frameBytes += take;
        this.frameLeft -= take;
        data = data.subarray(take);
        if (this.frameLeft === 0) this.endFrame();
        continue;
      }
      if (this.lines.unfinishedBytes === 0 && data[0]! >= 0x30 && data[0]! <= 0x39) {
        const space = data.indexOf(0x20);
        if (space < 0 && data.length < 12) {
          this.buffered = Buffer.from(data); // the length is not complete yet
          return;
        }
        const length = Number(data.subarray(0, space).toString('latin1'));
        if (space > 0 && Number.isInteger(length) && length > 0) {
          this.frameLeft = length;
          data = data.subarray(space + 1);
          continue;
        }
      }
      const nl = data.indexOf(0x0a);
      this.lines.push(nl < 0 ? data : data.subarray(0, nl + 1));
      data = nl < 0 ? Buffer.alloc(0) : data.subarray(nl + 1);
    }
  }

  private endFrame(): void {
    emitMessage(this.ctx, Buffer.concat(this.frame), this.frameBytes);
    this.frame = [];
    this.frameBytes = 0;
    this.frameLeft = -1;
  }

  end(): void {
    this.lines.flush();
  }
}

/**
 * One message, whatever newlines it holds (a stack trace, a multi-line log): a frame or a datagram of
 * `bytes` in all, of which `body` was kept. Past max_line_bytes it is cut, like an over-long line; one
 * trailing newline (some senders add one) is not part of it.
 */
function emitMessage(ctx: InputContext, body: Buffer, bytes = body.length): void {
  const kept = body.subarray(0, ctx.maxLineBytes);
  const text = kept.toString('utf8').replace(/\r?\n$/, '');
  ctx.sink(text, { truncated: bytes > ctx.maxLineBytes, invalidUtf8: !isUtf8(kept) });
}

/** A syslog listener (RFC 3164 and RFC 5424 messages over UDP, or TCP with RFC 6587 framing). */
export const syslogInput: InputKind<typeof settings> = {
  kind: 'syslog',
  settings,
  create: ({ protocol, listen_address, port, max_connections }, ctx) => {
    let udp: UdpSocket | undefined;
    let tcp: Server | undefined;
    const sockets = new Set<Socket>();
    const boundPort = () => {
      const address = udp ? udp.address() : tcp?.address();
      return typeof address === 'object' && address ? address.port : port;
    };
    return {
      async start() {
        if (protocol === 'udp') {
          udp = createSocket(listen_address.includes(':') ? 'udp6' : 'udp4');
          udp.on('message', (msg) => {
            ctx.stats.bytesRead += msg.length;
            // One datagram is one message (RFC 5426), its newlines included.
            emitMessage(ctx, msg);
          });
          await new Promise<void>((resolve, reject) => {
            udp!.once('error', reject);
            udp!.bind(port, listen_address, () => resolve());
          });
        } else {
          tcp = createServer((socket) => {
            if (sockets.size >= max_connections) {
              ctx.log.warn({ source: ctx.source }, 'too many syslog connections, refusing one');
              socket.destroy();
              return;
            }
            sockets.add(socket);
            const framer = new TcpFramer(ctx);
            socket.on('data', (chunk: Buffer) => {
              ctx.stats.bytesRead += chunk.length;
              framer.push(chunk);
            });
            socket.on('error', () => socket.destroy());
            socket.on('close', () => {
              framer.end();
              sockets.delete(socket);
            });
          });
          await new Promise<void>((resolve, reject) => {
            tcp!.once('error', reject);
            tcp!.listen(port, listen_address, () => resolve());
          });
        }
        ctx.log.info({ source: ctx.source, protocol, listen_address, port: boundPort() }, 'syslog listening');
      },
      async stop() {
        if (udp) await new Promise<void>((resolve) => udp!.close(() => resolve()));
        if (tcp) {
          for (const s of sockets) s.destroy();
          await new Promise<void>((resolve) => tcp!.close(() => resolve()));
        }
      },
      catchUp: async () => undefined,
      lagBytes: () => 0,
      openFiles: () => 0,
      port: boundPort,
    };
  },
};
