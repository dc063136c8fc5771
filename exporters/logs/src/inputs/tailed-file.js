"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.TailedFile = exports.readHead = exports.HEAD_BYTES = void 0;
exports.readAt = readAt;
exports.sameStart = sameStart;
exports.startsLike = startsLike;
exports.resumeOffset = resumeOffset;
const node_crypto_1 = require("node:crypto");
const lines_1 = require("../lines");
/** How much of a file's head identifies its content (as Filebeat's fingerprint: 1 KiB). */
exports.HEAD_BYTES = 1024;
/** How much of what precedes the offset is kept, to check that a copy holds there the very bytes read. */
const TAIL_BYTES = 64;
/** How much of a copy's end is compared with its original's, each poll, while it waits. */
const END_BYTES = 256;
/** `length` bytes of the file from `position` (fewer at its end). */
async function readAt(handle, position, length) {
    const buf = Buffer.alloc(Math.max(0, length));
    const { bytesRead } = await handle.read(buf, 0, buf.length, position);
    return buf.subarray(0, bytesRead);
}
const readHead = (handle, size) => readAt(handle, 0, Math.min(size, exports.HEAD_BYTES));
exports.readHead = readHead;
const sha256 = (bytes) => (0, node_crypto_1.createHash)('sha256').update(bytes).digest('hex');
/** Whether two heads agree over the shorter one, which is not empty. */
function sameStart(a, b) {
    const n = Math.min(a.length, b.length);
    return n > 0 && a.subarray(0, n).equals(b.subarray(0, n));
}
/** Whether a file whose first bytes are `head` starts with the content `saved` describes. */
function startsLike(head, saved) {
    const n = saved.fingerprintBytes;
    return n > 0 && head.length >= n && sha256(head.subarray(0, n)) === saved.fingerprint;
}
/**
 * Where to read on in a file that starts like `saved`: at saved.offset if it holds there, just before, the
 * very bytes read there (saved.tail); from 0 if it holds others (another content with the same head). A file
 * shorter than saved.offset is, for a copy, one made before reading got that far (all of it was read), and
 * for the same inode, one truncated since (all of it is new).
 */
async function resumeOffset(handle, size, saved, shorter) {
    if (size < saved.offset)
        return shorter === 'read' ? size : 0;
    const tail = Buffer.from(saved.tail ?? '', 'base64');
    if (tail.length === 0)
        return saved.offset;
    const there = await readAt(handle, saved.offset - tail.length, tail.length);
    return there.equals(tail) ? saved.offset : 0;
}
/**
 * One open file, known by its identity (device:inode) whatever it is named now, and by its content: its
 * first bytes (head) and the bytes just before where reading stopped (tail), which a copy of it shares.
 */
class TailedFile {
    identity;
    path;
    handle;
    offset;
    /** When it stopped matching the globs (renamed away or deleted); it is still read for rotate_wait. */
    orphanedAt;
    /**
     * Set while this file is a copy of `copyOf` (its first bytes, e.g. logrotate's copytruncate copying
     * it): it is not read, since its lines are read from the original, until the original is truncated or let
     * go; then it is read on from where the original's reading had got to.
     */
    copyOf;
    splitter;
    /** The bytes before `committed`, at most TAIL_BYTES. */
    tail;
    headBytes;
    /** sha256 of the head, computed when the state is saved and the head has changed. */
    hashed;
    constructor(identity, path, handle, 
    /** Bytes read from the file so far. */
    offset, head, maxLineBytes, sink) {
        this.identity = identity;
        this.path = path;
        this.handle = handle;
        this.offset = offset;
        this.splitter = new lines_1.LineSplitter(maxLineBytes, sink);
        this.tail = Buffer.alloc(0);
        this.headBytes = head;
    }
    /** Its first bytes, at most HEAD_BYTES (more as they are read). */
    get head() {
        return this.headBytes;
    }
    set head(bytes) {
        this.headBytes = bytes;
        this.hashed = undefined;
    }
    /** Where a restart resumes: the end of the last complete line. */
    get committed() {
        return this.offset - this.splitter.unfinishedBytes;
    }
    /** Reads the tail again from the file: after a resume, or when reading starts somewhere new. */
    async loadTail() {
        const from = Math.max(0, this.offset - TAIL_BYTES);
        this.tail = await readAt(this.handle, from, this.offset - from);
    }
    /** Notes what a chunk read at `at` adds to the head and the tail (called after the splitter took it). */
    saw(chunk, at) {
        const known = this.head.length;
        if (known < exports.HEAD_BYTES && at <= known && at + chunk.length > known) {
            const more = chunk.subarray(known - at, Math.min(chunk.length, exports.HEAD_BYTES - at));
            this.head = Buffer.concat([this.head, more]);
        }
        const committed = this.committed;
        if (committed > at) {
            this.tail = Buffer.from(chunk.subarray(Math.max(0, committed - at - TAIL_BYTES), committed - at));
        }
    }
    /** Whether the file still starts with the bytes it started with (else it was truncated and rewritten). */
    async headHolds(size) {
        const n = Math.min(this.head.length, size);
        if (n === 0)
            return true;
        return (await readAt(this.handle, 0, n)).equals(this.head.subarray(0, n));
    }
    /** Reading starts again from byte 0: the file was truncated or rewritten. */
    restart() {
        this.splitter.discard();
        this.offset = 0;
        this.head = Buffer.alloc(0);
        this.tail = Buffer.alloc(0);
    }
    /** What the state file keeps of it: the offset of its last complete line, its head and its tail. */
    record() {
        this.hashed ??= sha256(this.head);
        return {
            path: this.path,
            offset: this.committed,
            fingerprint: this.hashed,
            fingerprintBytes: this.head.length,
            tail: this.tail.toString('base64'),
        };
    }
    /**
     * Whether, as a copy waiting for its original to be truncated, it still is one: no longer than the original,
     * and the same bytes at its start and at its end. A copy being written grows and stays one; a file that only
     * began like the original (a new log whose first bytes happened to match) stops being one, and is read whole.
     */
    async stillCopyOf(original) {
        const [{ size }, { size: originalSize }] = await Promise.all([
            this.handle.stat(),
            original.handle.stat(),
        ]);
        if (size > originalSize)
            return false;
        this.head = await (0, exports.readHead)(this.handle, size);
        if (!sameStart(this.head, original.head))
            return false;
        const n = Math.min(size, END_BYTES);
        const [mine, theirs] = await Promise.all([
            readAt(this.handle, size - n, n),
            readAt(original.handle, size - n, n),
        ]);
        return mine.equals(theirs);
    }
}
exports.TailedFile = TailedFile;
//# sourceMappingURL=tailed-file.js.map