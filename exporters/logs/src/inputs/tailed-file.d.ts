import type { FileHandle } from 'node:fs/promises';
import { LineSplitter, type LineSink } from '../lines';
import type { SavedOffset } from './offsets';
/** How much of a file's head identifies its content (as Filebeat's fingerprint: 1 KiB). */
export declare const HEAD_BYTES = 1024;
/** `length` bytes of the file from `position` (fewer at its end). */
export declare function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer>;
export declare const readHead: (handle: FileHandle, size: number) => Promise<Buffer<ArrayBufferLike>>;
/** Whether two heads agree over the shorter one, which is not empty. */
export declare function sameStart(a: Buffer, b: Buffer): boolean;
/** Whether a file whose first bytes are `head` starts with the content `saved` describes. */
export declare function startsLike(head: Buffer, saved: SavedOffset): boolean;
/**
 * Where to read on in a file that starts like `saved`: at saved.offset if it holds there, just before, the
 * very bytes read there (saved.tail); from 0 if it holds others (another content with the same head). A file
 * shorter than saved.offset is, for a copy, one made before reading got that far (all of it was read), and
 * for the same inode, one truncated since (all of it is new).
 */
export declare function resumeOffset(handle: FileHandle, size: number, saved: SavedOffset, shorter: 'read' | 'new'): Promise<number>;
/**
 * One open file, known by its identity (device:inode) whatever it is named now, and by its content: its
 * first bytes (head) and the bytes just before where reading stopped (tail), which a copy of it shares.
 */
export declare class TailedFile {
    readonly identity: string;
    path: string;
    readonly handle: FileHandle;
    /** Bytes read from the file so far. */
    offset: number;
    /** When it stopped matching the globs (renamed away or deleted); it is still read for rotate_wait. */
    orphanedAt: number | undefined;
    /**
     * Set while this file is a copy of `copyOf` (its first bytes, e.g. logrotate's copytruncate copying
     * it): it is not read, since its lines are read from the original, until the original is truncated or let
     * go; then it is read on from where the original's reading had got to.
     */
    copyOf: TailedFile | undefined;
    readonly splitter: LineSplitter;
    /** The bytes before `committed`, at most TAIL_BYTES. */
    private tail;
    private headBytes;
    /** sha256 of the head, computed when the state is saved and the head has changed. */
    private hashed;
    constructor(identity: string, path: string, handle: FileHandle, 
    /** Bytes read from the file so far. */
    offset: number, head: Buffer, maxLineBytes: number, sink: LineSink);
    /** Its first bytes, at most HEAD_BYTES (more as they are read). */
    get head(): Buffer;
    set head(bytes: Buffer);
    /** Where a restart resumes: the end of the last complete line. */
    get committed(): number;
    /** Reads the tail again from the file: after a resume, or when reading starts somewhere new. */
    loadTail(): Promise<void>;
    /** Notes what a chunk read at `at` adds to the head and the tail (called after the splitter took it). */
    saw(chunk: Buffer, at: number): void;
    /** Whether the file still starts with the bytes it started with (else it was truncated and rewritten). */
    headHolds(size: number): Promise<boolean>;
    /** Reading starts again from byte 0: the file was truncated or rewritten. */
    restart(): void;
    /** What the state file keeps of it: the offset of its last complete line, its head and its tail. */
    record(): SavedOffset;
    /**
     * Whether, as a copy waiting for its original to be truncated, it still is one: no longer than the original,
     * and the same bytes at its start and at its end. A copy being written grows and stays one; a file that only
     * began like the original (a new log whose first bytes happened to match) stops being one, and is read whole.
     */
    stillCopyOf(original: TailedFile): Promise<boolean>;
}
