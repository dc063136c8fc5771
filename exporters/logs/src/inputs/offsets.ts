import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { makeDirectory } from '@vigil/service-kit';

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

/** Content no longer under the inode it was read from, kept for the copies that may hold it (per source). */
const MAX_FORMER = 32;

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
export function readStateFile(path: string): StateDoc | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') throw new Error(`${path}: a directory on its path is a file`);
    throw new Error(`${path}: cannot read it (${code ?? (err as Error).message})`);
  }
  let doc: Partial<StateDoc> | null;
  try {
    doc = JSON.parse(text) as Partial<StateDoc> | null;
  } catch (err) {
    throw new Error(`${path}: not a state file of the log exporter (${(err as Error).message})`);
  }
  if (doc?.version !== 1 || typeof doc.offsets !== 'object' || doc.offsets === null)
    throw new Error(`${path}: not a state file of the log exporter (version 1 with offsets)`);
  return doc as StateDoc;
}

/**
 * File offsets by source and file identity (device:inode, which survives a rename), and what files held
 * before they were truncated or let go (for their copies), kept in a JSON file written atomically (temp file
 * + rename) so that a crash leaves the old state or the new, never half. Without a path it only lives in
 * memory.
 */
export class OffsetStore {
  private offsets: Record<string, SavedOffset> = {};
  private formerContent: Record<string, SavedOffset[]> = {};
  private dirty = false;
  /** Whether a state file existed at load: files found at the first start are only new without one. */
  readonly restored: boolean;

  constructor(private path?: string) {
    const doc = path ? readStateFile(path) : undefined;
    if (doc) {
      this.offsets = doc.offsets;
      this.formerContent = doc.former ?? {};
    }
    this.restored = doc !== undefined;
  }

  private static key(source: string, identity: string) {
    return `${source}/${identity}`;
  }

  get(source: string, identity: string): SavedOffset | undefined {
    return this.offsets[OffsetStore.key(source, identity)];
  }

  set(source: string, identity: string, saved: SavedOffset): void {
    const key = OffsetStore.key(source, identity);
    const old = this.offsets[key];
    if (
      old &&
      old.offset === saved.offset &&
      old.path === saved.path &&
      old.fingerprint === saved.fingerprint
    )
      return;
    this.offsets[key] = saved;
    this.dirty = true;
  }

  delete(source: string, identity: string): void {
    const key = OffsetStore.key(source, identity);
    if (key in this.offsets) {
      delete this.offsets[key];
      this.dirty = true;
    }
  }

  /** The identities of a source's files with their offsets. */
  entries(source: string): [identity: string, saved: SavedOffset][] {
    const prefix = `${source}/`;
    return Object.entries(this.offsets)
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, saved]) => [key.slice(prefix.length), saved]);
  }

  /** What a source's files held before they were truncated, rewritten or let go; newest last. */
  former(source: string): readonly SavedOffset[] {
    return this.formerContent[source] ?? [];
  }

  /** Keeps what a file held, for a copy of it that may appear (the oldest go beyond 32 per source). */
  addFormer(source: string, saved: SavedOffset): void {
    if (saved.offset === 0 || saved.fingerprintBytes === 0) return; // nothing read, or nothing to know it by
    this.formerContent[source] = [...this.former(source), saved].slice(-MAX_FORMER);
    this.dirty = true;
  }

  /**
   * Forgets the offsets of every source but these (sources no longer configured): one added again later
   * is a new source, read per files.start_at, not resumed from where it stood when it went.
   */
  keepSources(names: readonly string[]): void {
    const kept = (key: string) => names.some((name) => key.startsWith(`${name}/`));
    for (const key of Object.keys(this.offsets)) {
      if (!kept(key)) {
        delete this.offsets[key];
        this.dirty = true;
      }
    }
    for (const source of Object.keys(this.formerContent)) {
      if (!names.includes(source)) {
        delete this.formerContent[source];
        this.dirty = true;
      }
    }
  }

  /** A copy took this content over: from now on it is known by the copy's inode. */
  removeFormer(source: string, saved: SavedOffset): void {
    const list = this.former(source).filter((s) => s !== saved);
    if (list.length) this.formerContent[source] = list;
    else delete this.formerContent[source];
    this.dirty = true;
  }

  /**
   * Keeps the offsets in another file from now on (a reload changed `state_file`): what is in memory is the
   * truth, so the next save writes all of it there; undefined keeps them in memory only.
   */
  relocate(path: string | undefined): void {
    if (path === this.path) return;
    this.path = path;
    this.dirty = true;
  }

  /** Writes the state file if anything changed since the last save, or now: whether it can be written. */
  save(now = false): void {
    if (!this.path || !(this.dirty || now)) return;
    makeDirectory(dirname(this.path));
    const tmp = `${this.path}.tmp`;
    const doc: StateDoc = { version: 1, offsets: this.offsets, former: this.formerContent };
    writeFileSync(tmp, JSON.stringify(doc));
    renameSync(tmp, this.path);
    this.dirty = false;
  }
}
