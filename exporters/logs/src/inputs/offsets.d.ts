/** Where reading of one file stopped: the end of its last complete line. */
export interface SavedOffset {
    path: string;
    offset: number;
    /**
     * sha256 of the file's first fingerprintBytes bytes (at most 1 KiB): tells a new file reusing the inode
     * from the old, and recognises a copy of the file under another inode.
     */
    fingerprint: string;
    fingerprintBytes: number;
    /** Base64 of the bytes just before `offset` (at most 64): a copy resumed there must hold them too. */
    tail?: string;
}
interface StateDoc {
    version: 1;
    offsets: Record<string, SavedOffset>;
    /**
     * By source: what files held where reading stopped, before they were truncated, rewritten or let go; a
     * new file holding the same content (logrotate's copy) is read on from there. Newest last.
     */
    former?: Record<string, SavedOffset[]>;
}
/**
 * A state file's offsets; undefined when there is none yet (the first start). Throws, naming the file, when
 * it cannot be read or is not one this exporter wrote: the config check says so rather than the start.
 */
export declare function readStateFile(path: string): StateDoc | undefined;
/**
 * File offsets by source and file identity (device:inode, which survives a rename), and what files held
 * before they were truncated or let go (for their copies), kept in a JSON file written atomically (temp file
 * + rename) so that a crash leaves the old state or the new, never half. Without a path it only lives in
 * memory.
 */
export declare class OffsetStore {
    private path?;
    private offsets;
    private formerContent;
    private dirty;
    /** Whether a state file existed at load: files found at the first start are only new without one. */
    readonly restored: boolean;
    constructor(path?: string | undefined);
    private static key;
    get(source: string, identity: string): SavedOffset | undefined;
    set(source: string, identity: string, saved: SavedOffset): void;
    delete(source: string, identity: string): void;
    /** The identities of a source's files with their offsets. */
    entries(source: string): [identity: string, saved: SavedOffset][];
    /** What a source's files held before they were truncated, rewritten or let go; newest last. */
    former(source: string): readonly SavedOffset[];
    /** Keeps what a file held, for a copy of it that may appear (the oldest go beyond 32 per source). */
    addFormer(source: string, saved: SavedOffset): void;
    /** A copy took this content over: from now on it is known by the copy's inode. */
    removeFormer(source: string, saved: SavedOffset): void;
    /**
     * Keeps the offsets in another file from now on (a reload changed `state_file`): what is in memory is the
     * truth, so the next save writes all of it there; undefined keeps them in memory only.
     */
    relocate(path: string | undefined): void;
    /** Writes the state file if anything changed since the last save. */
    save(): void;
}
export {};
