"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.syslogInput = void 0;
const node_buffer_1 = require("node:buffer");
const node_dgram_1 = require("node:dgram");
const node_net_1 = require("node:net");
const zod_1 = require("zod");
const lines_1 = require("../lines");
const settings = zod_1.z.strictObject({
    protocol: zod_1.z.enum(['udp', 'tcp']),
    // Loopback unless said otherwise: a syslog port open to the network accepts lines from anyone.
    listen_address: zod_1.z.string().default('127.0.0.1'),
    port: zod_1.z.number().int().min(0).max(65535).default(5514),
    max_connections: zod_1.z.number().int().positive().default(100),
});
/**
 * One TCP connection's stream, framed per RFC 6587: octet counting ("<len> <msg>") when a frame starts
 * with a digit, else non-transparent framing (one message per line).
 */
class TcpFramer {
    ctx;
    buffered = Buffer.alloc(0);
    lines;
    /** Bytes of the octet-counted frame still to come, or -1 between frames. */
    frameLeft = -1;
    frame = [];
    frameBytes = 0;
    constructor(ctx) {
        this.ctx = ctx;
        this.lines = new lines_1.LineSplitter(ctx.maxLineBytes, ctx.sink);
    }
    push(chunk) {
        let data = this.buffered.length > 0 ? Buffer.concat([this.buffered, chunk]) : chunk;
        this.buffered = Buffer.alloc(0);
        while (data.length > 0) {
            if (this.frameLeft >= 0) {
                const take = Math.min(this.frameLeft, data.length);
                // Past max_line_bytes a frame is cut, like an over-long line.
                if (this.frameBytes < this.ctx.maxLineBytes)
                    this.frame.push(data.subarray(0, take));
                this.frameBytes += take;
                this.frameLeft -= take;
                data = data.subarray(take);
                if (this.frameLeft === 0)
                    this.endFrame();
                continue;
            }
            if (this.lines.unfinishedBytes === 0 && data[0] >= 0x30 && data[0] <= 0x39) {
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
    endFrame() {
        const body = Buffer.concat(this.frame);
        const truncated = this.frameBytes > this.ctx.maxLineBytes;
        const kept = body.subarray(0, this.ctx.maxLineBytes);
        this.ctx.sink(kept.toString('utf8').replace(/\n$/, ''), { truncated, invalidUtf8: !(0, node_buffer_1.isUtf8)(kept) });
        this.frame = [];
        this.frameBytes = 0;
        this.frameLeft = -1;
    }
    end() {
        this.lines.flush();
    }
}
/** A syslog listener (RFC 3164 and RFC 5424 messages over UDP, or TCP with RFC 6587 framing). */
exports.syslogInput = {
    kind: 'syslog',
    settings,
    create: ({ protocol, listen_address, port, max_connections }, ctx) => {
        let udp;
        let tcp;
        const sockets = new Set();
        const lines = new lines_1.LineSplitter(ctx.maxLineBytes, ctx.sink);
        const boundPort = () => {
            const address = udp ? udp.address() : tcp?.address();
            return typeof address === 'object' && address ? address.port : port;
        };
        return {
            async start() {
                if (protocol === 'udp') {
                    udp = (0, node_dgram_1.createSocket)(listen_address.includes(':') ? 'udp6' : 'udp4');
                    udp.on('message', (msg) => {
                        ctx.stats.bytesRead += msg.length;
                        // One datagram is one message; a trailing newline (some senders add one) is not a second.
                        lines.push(msg);
                        lines.flush();
                    });
                    await new Promise((resolve, reject) => {
                        udp.once('error', reject);
                        udp.bind(port, listen_address, () => resolve());
                    });
                }
                else {
                    tcp = (0, node_net_1.createServer)((socket) => {
                        if (sockets.size >= max_connections) {
                            ctx.log.warn({ source: ctx.source }, 'too many syslog connections, refusing one');
                            socket.destroy();
                            return;
                        }
                        sockets.add(socket);
                        const framer = new TcpFramer(ctx);
                        socket.on('data', (chunk) => {
                            ctx.stats.bytesRead += chunk.length;
                            framer.push(chunk);
                        });
                        socket.on('error', () => socket.destroy());
                        socket.on('close', () => {
                            framer.end();
                            sockets.delete(socket);
                        });
                    });
                    await new Promise((resolve, reject) => {
                        tcp.once('error', reject);
                        tcp.listen(port, listen_address, () => resolve());
                    });
                }
                ctx.log.info({ source: ctx.source, protocol, listen_address, port: boundPort() }, 'syslog listening');
            },
            async stop() {
                if (udp)
                    await new Promise((resolve) => udp.close(() => resolve()));
                if (tcp) {
                    for (const s of sockets)
                        s.destroy();
                    await new Promise((resolve) => tcp.close(() => resolve()));
                }
            },
            catchUp: async () => undefined,
            lagBytes: () => 0,
            openFiles: () => 0,
            port: boundPort,
        };
    },
};
//# sourceMappingURL=syslog.js.map