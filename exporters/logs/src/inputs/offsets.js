"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.OffsetStore = void 0;
exports.readStateFile = readStateFile;
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
/** Content no longer under the inode it was read from, kept for the copies that may hold it (per source). */
const MAX_FORMER = 32;
/**
 * A state file's offsets; undefined when there is none yet (the first start). Throws, naming the file, when
 * it cannot be read or is not one this exporter wrote: the config check says so rather than the start.
 */
function readStateFile(path) {
    let text;
    try {
        text = (0, node_fs_1.readFileSync)(path, 'utf8');
    }
    catch (err) {
        const code = err.code;
        if (code === 'ENOENT')
            return undefined;
        if (code === 'ENOTDIR')
            throw new Error(`${path}: a directory on its path is a file`);
        throw new Error(`${path}: cannot read it (${code ?? err.message})`);
    }
    let doc;
    try {
        doc = JSON.parse(text);
    }
    catch (err) {
        throw new Error(`${path}: not a state file of the log exporter (${err.message})`);
    }
    if (doc?.version !== 1 || typeof doc.offsets !== 'object' || doc.offsets === null)
        throw new Error(`${path}: not a state file of the log exporter (version 1 with offsets)`);
    return doc;
}
/**
 * File offsets by source and file identity (device:inode, which survives a rename), and what files held
 * before they were truncated or let go (for their copies), kept in a JSON file written atomically (temp file
 * + rename) so that a crash leaves the old state or the new, never half. Without a path it only lives in
 * memory.
 */
class OffsetStore {
    path;
    offsets = {};
    formerContent = {};
    dirty = false;
    /** Whether a state file existed at load: files found at the first start are only new without one. */
    restored;
    constructor(path) {
        this.path = path;
        const doc = path ? readStateFile(path) : undefined;
        if (doc) {
            this.offsets = doc.offsets;
            this.formerContent = doc.former ?? {};
        }
        this.restored = doc !== undefined;
    }
    static key(source, identity) {
        return `${source}/${identity}`;
    }
    get(source, identity) {
        return this.offsets[OffsetStore.key(source, identity)];
    }
    set(source, identity, saved) {
        const key = OffsetStore.key(source, identity);
        const old = this.offsets[key];
        if (old &&
            old.offset === saved.offset &&
            old.path === saved.path &&
            old.fingerprint === saved.fingerprint)
            return;
        this.offsets[key] = saved;
        this.dirty = true;
    }
    delete(source, identity) {
        const key = OffsetStore.key(source, identity);
        if (key in this.offsets) {
            delete this.offsets[key];
            this.dirty = true;
        }
    }
    /** The identities of a source's files with their offsets. */
    entries(source) {
        const prefix = `${source}/`;
        return Object.entries(this.offsets)
            .filter(([key]) => key.startsWith(prefix))
            .map(([key, saved]) => [key.slice(prefix.length), saved]);
    }
    /** What a source's files held before they were truncated, rewritten or let go; newest last. */
    former(source) {
        return this.formerContent[source] ?? [];
    }
    /** Keeps what a file held, for a copy of it that may appear (the oldest go beyond 32 per source). */
    addFormer(source, saved) {
        if (saved.offset === 0 || saved.fingerprintBytes === 0)
            return; // nothing read, or nothing to know it by
        this.formerContent[source] = [...this.former(source), saved].slice(-MAX_FORMER);
        this.dirty = true;
    }
    /** A copy took this content over: from now on it is known by the copy's inode. */
    removeFormer(source, saved) {
        const list = this.former(source).filter((s) => s !== saved);
        if (list.length)
            this.formerContent[source] = list;
        else
            delete this.formerContent[source];
        this.dirty = true;
    }
    /**
     * Keeps the offsets in another file from now on (a reload changed `state_file`): what is in memory is the
     * truth, so the next save writes all of it there; undefined keeps them in memory only.
     */
    relocate(path) {
        if (path === this.path)
            return;
        this.path = path;
        this.dirty = true;
    }
    /** Writes the state file if anything changed since the last save. */
    save() {
        if (!this.path || !this.dirty)
            return;
        (0, node_fs_1.mkdirSync)((0, node_path_1.dirname)(this.path), { recursive: true });
        const tmp = `${this.path}.tmp`;
        const doc = { version: 1, offsets: this.offsets, former: this.formerContent };
        (0, node_fs_1.writeFileSync)(tmp, JSON.stringify(doc));
        (0, node_fs_1.renameSync)(tmp, this.path);
        this.dirty = false;
    }
}
exports.OffsetStore = OffsetStore;
//# sourceMappingURL=offsets.js.map