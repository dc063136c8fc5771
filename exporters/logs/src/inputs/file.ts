import { createHash } from 'node:crypto';
import { fstatSync } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { z } from 'zod';
import { LineSplitter } from '../lines';
import { expandGlob, matchesGlob } from './glob';
import type { Input, InputContext, InputKind } from './kind';

/** Read size: large reads keep a backlog cheap; lines are copied out of the buffer before the next read. */
const CHUNK_BYTES = 1 << 20;
/** How much of a file's head identifies it. */
const FINGERPRINT_BYTES = 1024;

/** One open file, known by its identity (device:inode) whatever it is named now. */
class TailedFile {
  /** Bytes read from the file so far. */
  offset: number;
  /** When it stopped matching the globs (renamed away or deleted); it is still read for rotate_wait. */
  orphanedAt: number | undefined;
  readonly splitter: LineSplitter;
  fingerprint = { hash: '', bytes: 0 };

  constructor(
    readonly identity: string,
    public path: string,
    readonly handle: FileHandle,
    offset: number,
    ctx: InputContext,
  ) {
    this.offset = offset;
    this.splitter = new LineSplitter(ctx.maxLineBytes, ctx.sink);
  }

  /** Where a restart resumes: the end of the last complete line. */
  get committed(): number {
    return this.offset - this.splitter.unfinishedBytes;
  }
}

async function fingerprintOf(handle: FileHandle, bytes: number): Promise<string> {
  const buf = Buffer.alloc(bytes);
  const { bytesRead } = await handle.read(buf, 0, bytes, 0);
  return createHash('sha256').update(buf.subarray(0, bytesRead)).digest('hex');
}

const settings = z.strictObject({
  include: z.array(z.string().min(1)).min(1),
  exclude: z.array(z.string().min(1)).default([]),
});

/**
 * Tails the files matching `include` globs, polling every files.poll_interval (inotify misses files on
 * NFS and in containers' bind mounts; a stat per file per second costs little).
 *
 * - rename + create (logrotate's default): the old file keeps its identity and is read to its end under
 *   its new name (or, when that no longer matches, for files.rotate_wait more), the new file from byte 0;
 * - copytruncate: a file shorter than what was read of it is read again from byte 0;
 * - offsets of complete lines are saved in the state file, so a restart (or a reload that restarts the
 *   input) resumes where the last one stopped; a file present at the very first start (no state yet) or at
 *   the first pass of a source a reload added is read per files.start_at, later files whole;
 * - a file that disappears is read for rotate_wait (its writer may still hold it) and then forgotten.
 */
export const fileInput: InputKind<typeof settings> = {
  kind: 'file',
  settings,
  create: ({ include, exclude }, ctx): Input => {
    const tailed = new Map<string, TailedFile>();
    const buffer = Buffer.alloc(CHUNK_BYTES);
    let firstPass = true;
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> | undefined;
    let stopped = false;

    function matchingPaths(): string[] {
      const paths = new Set(include.flatMap(expandGlob));
      return [...paths].filter((p) => !exclude.some((x) => matchesGlob(p, x)));
    }

    async function startOffset(identity: string, handle: FileHandle, size: number): Promise<number> {
      const saved = ctx.offsets.get(ctx.source, identity);
      if (saved && size >= saved.fingerprintBytes) {
        const same = (await fingerprintOf(handle, saved.fingerprintBytes)) === saved.fingerprint;
        // Shorter than the saved offset: truncated while we were down, so all of it is new.
        if (same) return size >= saved.offset ? saved.offset : 0;
      }
      if (firstPass && ctx.fresh && ctx.files.start_at === 'end') return size;
      return 0;
    }

    async function openFile(path: string, identity: string): Promise<void> {
      let handle: FileHandle;
      try {
        handle = await open(path, 'r');
      } catch (err) {
        ctx.log.warn({ source: ctx.source, path, err: (err as Error).message }, 'cannot open log file');
        return;
      }
      const { dev, ino, size } = await handle.stat();
      // The path may have been rotated between stat and open: track what was actually opened.
      const opened = `${dev}:${ino}`;
      if (opened !== identity && tailed.has(opened)) {
        await handle.close();
        return;
      }
      const file = new TailedFile(opened, path, handle, await startOffset(opened, handle, size), ctx);
      tailed.set(opened, file);
      ctx.stats.fileEvent('opened');
      ctx.log.info({ source: ctx.source, path, offset: file.offset }, 'following log file');
    }

    async function readToEnd(file: TailedFile): Promise<void> {
      const { size } = await file.handle.stat();
      if (size < file.offset) {
        ctx.stats.fileEvent('truncated');
        ctx.log.info({ source: ctx.source, path: file.path }, 'log file truncated, reading from its start');
        file.splitter.discard();
        file.offset = 0;
        file.fingerprint = { hash: '', bytes: 0 };
      }
      for (;;) {
        const { bytesRead } = await file.handle.read(buffer, 0, CHUNK_BYTES, file.offset);
        if (bytesRead === 0) break;
        file.offset += bytesRead;
        ctx.stats.bytesRead += bytesRead;
        file.splitter.push(buffer.subarray(0, bytesRead));
        if (stopped) break;
      }
    }

    async function remember(file: TailedFile): Promise<void> {
      const committed = file.committed;
      if (file.fingerprint.bytes < FINGERPRINT_BYTES && committed > file.fingerprint.bytes) {
        const bytes = Math.min(committed, FINGERPRINT_BYTES);
        file.fingerprint = { hash: await fingerprintOf(file.handle, bytes), bytes };
      }
      ctx.offsets.set(ctx.source, file.identity, {
        path: file.path,
        offset: committed,
        fingerprint: file.fingerprint.hash,
        fingerprintBytes: file.fingerprint.bytes,
      });
    }

    async function forget(file: TailedFile): Promise<void> {
      // No newline will come to the last line of a file nobody writes to any more.
      file.splitter.flush();
      tailed.delete(file.identity);
      ctx.offsets.delete(ctx.source, file.identity);
      await file.handle.close();
      ctx.log.info({ source: ctx.source, path: file.path }, 'stopped following log file');
    }

    async function poll(): Promise<void> {
      const now = Date.now();
      const seen = new Set<string>();
      for (const path of matchingPaths()) {
        let st;
        try {
          st = await stat(path);
        } catch {
          continue; // gone between listing and stat
        }
        if (!st.isFile()) continue;
        const identity = `${st.dev}:${st.ino}`;
        seen.add(identity);
        const known = tailed.get(identity);
        if (known) {
          if (known.path !== path) ctx.stats.fileEvent('renamed');
          known.path = path;
          known.orphanedAt = undefined;
        } else {
          await openFile(path, identity);
        }
      }
      for (const file of [...tailed.values()]) {
        if (!seen.has(file.identity) && file.orphanedAt === undefined) {
          file.orphanedAt = now;
          ctx.stats.fileEvent(fstatSync(file.handle.fd).nlink === 0 ? 'deleted' : 'renamed');
        }
        await readToEnd(file);
        if (file.orphanedAt !== undefined && now - file.orphanedAt >= ctx.files.rotate_wait)
          await forget(file);
        else await remember(file);
      }
      firstPass = false;
      ctx.offsets.save();
    }

    /** Passes never overlap: a catchUp() during a scheduled pass runs after it. */
    function pass(): Promise<void> {
      const next = (running ?? Promise.resolve()).then(poll);
      running = next.catch((err: unknown) =>
        ctx.log.error({ source: ctx.source, err }, 'cannot read log files'),
      );
      return next;
    }

    function schedule() {
      if (stopped) return;
      timer = setTimeout(() => void pass().then(schedule, schedule), ctx.files.poll_interval);
    }

    return {
      async start() {
        try {
          await pass();
        } finally {
          schedule(); // a first pass that failed (logged) is tried again at the next poll
        }
      },
      catchUp: pass,
      async stop() {
        stopped = true;
        clearTimeout(timer);
        await running;
        for (const file of tailed.values()) await remember(file);
        ctx.offsets.save();
        for (const file of tailed.values()) await file.handle.close();
        tailed.clear();
      },
      lagBytes() {
        let lag = 0;
        for (const file of tailed.values()) lag += Math.max(0, fstatSync(file.handle.fd).size - file.offset);
        return lag;
      },
      openFiles: () => tailed.size,
    };
  },
};
