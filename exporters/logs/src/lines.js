"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.LineSplitter = void 0;
const node_buffer_1 = require("node:buffer");
const NEWLINE = 0x0a;
const PLAIN = { truncated: false, invalidUtf8: false };
/**
 * Splits a byte stream into lines. A last line without its newline is held until the newline comes (a
 * writer may be half-way through it); memory stays bounded because a line longer than maxLineBytes is
 * cut there and the rest of it is skipped up to its newline.
 */
class LineSplitter {
    maxLineBytes;
    sink;
    /** Bytes of the unfinished line, at most maxLineBytes. */
    pending = Buffer.alloc(0);
    /** The unfinished line already passed maxLineBytes: drop its bytes until the newline. */
    overflowing = false;
    /** Bytes of the unfinished line dropped so far. */
    skipped = 0;
    constructor(maxLineBytes, sink) {
        this.maxLineBytes = maxLineBytes;
        this.sink = sink;
    }
    /** Bytes read of the unfinished line, held or dropped: a resume must start that far back. */
    get unfinishedBytes() {
        return this.pending.length + this.skipped;
    }
    push(chunk) {
        let start = 0;
        if (this.pending.length > 0 || this.overflowing) {
            const nl = chunk.indexOf(NEWLINE);
            if (nl < 0) {
                this.hold(chunk);
                return;
            }
            this.hold(chunk.subarray(0, nl));
            this.emitOne(this.pending, this.overflowing);
            this.discard();
            start = nl + 1;
        }
        const last = chunk.lastIndexOf(NEWLINE);
        if (last >= start)
            this.emitMany(chunk.subarray(start, last));
        if (last + 1 < chunk.length)
            this.hold(chunk.subarray(Math.max(start, last + 1)));
    }
    /** Emits the unfinished line as it is: its file is gone or done with, no newline will come. */
    flush() {
        if (this.pending.length > 0 || this.overflowing)
            this.emitOne(this.pending, this.overflowing);
        this.discard();
    }
    /** Forgets the unfinished line (its file was truncated under it). */
    discard() {
        this.pending = Buffer.alloc(0);
        this.overflowing = false;
        this.skipped = 0;
    }
    hold(bytes) {
        const room = this.maxLineBytes - this.pending.length;
        if (bytes.length > room) {
            this.overflowing = true;
            this.skipped += bytes.length - Math.max(room, 0);
            if (room > 0)
                this.pending = Buffer.concat([this.pending, bytes.subarray(0, room)]);
        }
        else if (bytes.length > 0) {
            // Copy: the caller reuses its read buffer.
            this.pending = Buffer.concat([this.pending, bytes]);
        }
    }
    emitOne(bytes, truncated) {
        const line = stripCR(bytes.toString('utf8'));
        this.sink(line, { truncated, invalidUtf8: !(0, node_buffer_1.isUtf8)(bytes) });
    }
    /** Complete lines joined by newlines, without the final newline: decoded at once, the fast path. */
    emitMany(bytes) {
        if (!(0, node_buffer_1.isUtf8)(bytes)) {
            let from = 0;
            for (let nl = bytes.indexOf(NEWLINE);; nl = bytes.indexOf(NEWLINE, from)) {
                const end = nl < 0 ? bytes.length : nl;
                this.emitChecked(bytes.subarray(from, end));
                if (nl < 0)
                    return;
                from = nl + 1;
            }
        }
        const lines = bytes.toString('utf8').split('\n');
        for (const raw of lines) {
            // Characters never outnumber bytes, so only a line this long can be over the byte limit.
            if (raw.length * 3 > this.maxLineBytes && Buffer.byteLength(raw) > this.maxLineBytes) {
                this.emitChecked(Buffer.from(raw));
            }
            else {
                this.sink(stripCR(raw), PLAIN);
            }
        }
    }
    emitChecked(bytes) {
        const truncated = bytes.length > this.maxLineBytes;
        this.emitOne(truncated ? bytes.subarray(0, this.maxLineBytes) : bytes, truncated);
    }
}
exports.LineSplitter = LineSplitter;
/** CRLF files (Windows services, some syslog relays) end lines with \r too. */
function stripCR(line) {
    return line.endsWith('\r') ? line.slice(0, -1) : line;
}
//# sourceMappingURL=lines.js.map