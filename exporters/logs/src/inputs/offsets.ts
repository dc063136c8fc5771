import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Where reading of one file stopped: the end of its last complete line. */
export interface SavedOffset {
  path: string;
  offset: number;
  /** sha256 of the file's first fingerprintBytes bytes: tells a new file reusing the inode from the old. */
  fingerprint: string;
  fingerprintBytes: number;
}

interface StateDoc {
  version: 1;
  offsets: Record<string, SavedOffset>;
}

/**
 * File offsets by source and file identity (device:inode, which survives a rename), kept in a JSON file
 * written atomically (temp file + rename) so that a crash leaves the old state or the new, never half.
 * Without a path it only lives in memory.
 */
export class OffsetStore {
  private offsets: Record<string, SavedOffset> = {};
  private dirty = false;
  /** Whether a state file existed at load: files found at the first start are only new without one. */
  readonly restored: boolean;

  constructor(private path?: string) {
    let restored = false;
    if (path) {
      let text: string | undefined;
      try {
        text = readFileSync(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      if (text !== undefined) {
        const doc = JSON.parse(text) as StateDoc;
        if (doc.version !== 1) throw new Error(`${path}: unknown state version ${String(doc.version)}`);
        this.offsets = doc.offsets;
        restored = true;
      }
    }
    this.restored = restored;
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

  /**
   * Keeps the offsets in another file from now on (a reload changed `state_file`): what is in memory is the
   * truth, so the next save writes all of it there; undefined keeps them in memory only.
   */
  relocate(path: string | undefined): void {
    if (path === this.path) return;
    this.path = path;
    this.dirty = true;
  }

  /** Writes the state file if anything changed since the last save. */
  save(): void {
    if (!this.path || !this.dirty) return;
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp`;
    const doc: StateDoc = { version: 1, offsets: this.offsets };
    writeFileSync(tmp, JSON.stringify(doc));
    renameSync(tmp, this.path);
    this.dirty = false;
  }
}
