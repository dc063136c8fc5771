import { fstatSync } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { z } from 'zod';
import { expandGlob, globProblem, matchesGlob } from './glob';
import type { Input, InputKind } from './kind';
import type { SavedOffset } from './offsets';
import { readHead, resumeOffset, sameStart, startsLike, TailedFile } from './tailed-file';

/** Read size: large reads keep a backlog cheap; lines are copied out of the buffer before the next read. */
const CHUNK_BYTES = 1 << 20;

/** A file seen for the first time in a poll, opened, not followed yet. */
interface Candidate {
  path: string;
  identity: string;
  handle: FileHandle;
  size: number;
  head: Buffer;
}

const glob = z
  .string()
  .min(1)
  .superRefine((pattern, ctx) => {
    const problem = globProblem(pattern);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
const settings = z.strictObject({
  include: z.array(glob).min(1),
  exclude: z.array(glob).default([]),
});

/**
 * Tails the files matching `include` globs, polling every files.poll_interval (inotify misses files on
 * NFS and in containers' bind mounts; a stat per file per second costs little). A file is known by its
 * identity (device:inode) and by its content (its first KiB, and the bytes before where reading stopped), so
 * that a rename, a copy and a re-open are neither read twice nor skipped:
 *
 * - rename + create (logrotate's default, dateext, delaycompress): the old file keeps its identity and is read
 *   to its end under its new name (or, when that no longer matches, for files.rotate_wait more), the new file
 *   from byte 0;
 * - copytruncate: the copy starts as the original does, so it is not read while the original still holds its
 *   bytes; once the original is truncated (shorter than what was read, or starting with other bytes) the
 *   copy is read on from where the original's reading stopped, and the original from byte 0;
 * - offsets of complete lines are saved in the state file, with the head's fingerprint and the bytes before
 *   the offset, so a restart (or a reload that restarts the input) resumes where the last one stopped, also
 *   in a copy made meanwhile; a file present at the very first start (no state yet) or at the first pass of a
 *   source a reload added is read per files.start_at, later files whole;
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

    /**
     * Counts a matched file that cannot be read. Gone since the glob saw it is a rotation's race, not
     * counted; anything else (EACCES on a root-only auth.log, a link loop) stays until someone acts.
     */
    function noteUnreadable(err: unknown): void {
      if ((err as { code?: string }).code !== 'ENOENT') ctx.stats.fileEvent('unreadable');
    }

    function matchingPaths(): string[] {
      const paths = new Set(include.flatMap(expandGlob));
      return [...paths].filter((p) => !exclude.some((x) => matchesGlob(p, x)));
    }

    async function follow(c: Candidate, offset: number, copyOf?: TailedFile): Promise<TailedFile> {
      const file = new TailedFile(c.identity, c.path, c.handle, offset, c.head, ctx.maxLineBytes, ctx.sink);
      file.copyOf = copyOf;
      await file.loadTail();
      tailed.set(c.identity, file);
      ctx.stats.fileEvent('opened');
      if (copyOf) {
        ctx.stats.fileEvent('copied');
        ctx.log.info(
          { source: ctx.source, path: c.path, original: copyOf.path },
          'following log file: a copy of another one, read only for what that one loses',
        );
      } else ctx.log.info({ source: ctx.source, path: c.path, offset }, 'following log file');
      return file;
    }

    /** Opens a file seen for the first time; undefined when it is gone, already followed, or empty. */
    async function openCandidate(path: string, taken: Set<string>): Promise<Candidate | undefined> {
      let handle: FileHandle;
      try {
        handle = await open(path, 'r');
      } catch (err) {
        ctx.log.warn({ source: ctx.source, path, err: (err as Error).message }, 'cannot open log file');
        noteUnreadable(err);
        return undefined;
      }
      // The path may have been rotated between stat and open: what was actually opened counts.
      const { dev, ino, size } = await handle.stat();
      const identity = `${dev}:${ino}`;
      // Empty: nothing to read yet, and it may be a copy about to be written; looked at again next poll.
      if (taken.has(identity) || size === 0) {
        await handle.close();
        // Read before and empty now: truncated while we were away (a copytruncate), its lines maybe in a
        // copy that this same poll adopts, read on from where this one was rather than counted again.
        const saved = size === 0 && !taken.has(identity) ? ctx.offsets.get(ctx.source, identity) : undefined;
        if (saved && saved.offset > 0) {
          ctx.offsets.addFormer(ctx.source, saved);
          ctx.offsets.delete(ctx.source, identity);
        }
        return undefined;
      }
      taken.add(identity);
      return { path, identity, handle, size, head: await readHead(handle, size) };
    }

    /**
     * Starts following the files a poll found. Known by their inode and head, they resume at their saved
     * offset. Then, largest first (of a file and its copy, the original comes first): a file that starts as
     * a followed one does is its copy, read only for what the original loses (see TailedFile.copyOf); one
     * holding what a file held before it was truncated or let go (a copytruncate seen late, or while we were
     * down) is read on from where that one's reading had got to; any other is new.
     */
    async function adopt(paths: string[]): Promise<void> {
      const taken = new Set(tailed.keys());
      const fresh: Candidate[] = [];
      for (const path of paths) {
        const c = await openCandidate(path, taken);
        if (!c) continue;
        const saved = ctx.offsets.get(ctx.source, c.identity);
        if (saved && (saved.fingerprintBytes === 0 || startsLike(c.head, saved))) {
          const offset = await resumeOffset(c.handle, c.size, saved, 'new');
          // Read again from 0: it no longer holds what was read (truncated while we were away).
          if (offset < saved.offset) ctx.offsets.addFormer(ctx.source, saved);
          await follow(c, offset);
          continue;
        }
        if (saved) {
          // The inode holds other content now (rewritten while we were away, or reused): what it held may be
          // in a copy.
          ctx.offsets.addFormer(ctx.source, saved);
          ctx.offsets.delete(ctx.source, c.identity);
        }
        fresh.push(c);
      }
      fresh.sort((a, b) => b.size - a.size);
      for (const c of fresh) {
        const original = [...tailed.values()].find((t) => !t.copyOf && sameStart(t.head, c.head));
        if (original) {
          await follow(c, 0, original);
          continue;
        }
        // The same content may have been let go more than once (an original truncated, then its copy
        // deleted): the one read furthest counts.
        const formers = ctx.offsets.former(ctx.source).filter((f) => startsLike(c.head, f));
        const former = formers.reduce<SavedOffset | undefined>(
          (best, f) => (best && best.offset >= f.offset ? best : f),
          undefined,
        );
        if (former) {
          for (const f of formers) ctx.offsets.removeFormer(ctx.source, f);
          const offset = await resumeOffset(c.handle, c.size, former, 'read');
          ctx.stats.fileEvent('copied');
          ctx.log.info(
            { source: ctx.source, path: c.path, original: former.path, offset },
            'following log file: a copy of one read before, read on from where that one was',
          );
          await follow(c, offset);
          continue;
        }
        await follow(c, firstPass && ctx.fresh && ctx.files.start_at === 'end' ? c.size : 0);
      }
    }

    /** A copy whose original was truncated or let go: from now on it is read, from where the original was. */
    async function release(copy: TailedFile, original: SavedOffset): Promise<void> {
      copy.copyOf = undefined;
      const { size } = await copy.handle.stat();
      // Its head was found the original's (when it was adopted, and at every poll since): where the original's
      // reading stopped, it must hold the very bytes read there.
      copy.head = await readHead(copy.handle, size);
      copy.offset = await resumeOffset(copy.handle, size, original, 'read');
      await copy.loadTail();
      ctx.log.info(
        { source: ctx.source, path: copy.path, original: original.path, offset: copy.offset },
        'reading the copy of a truncated log file on from where the original was',
      );
    }

    const copiesOf = (file: TailedFile) => [...tailed.values()].filter((t) => t.copyOf === file);

    /** Shorter than what was read, or starting with other bytes: truncated (and maybe written again since). */
    async function wasTruncated(file: TailedFile): Promise<boolean> {
      const { size } = await file.handle.stat();
      return size < file.offset || (size > file.offset && !(await file.headHolds(size)));
    }

    async function readToEnd(file: TailedFile): Promise<void> {
      if (await wasTruncated(file)) {
        const before = file.record();
        ctx.stats.fileEvent('truncated');
        ctx.log.info({ source: ctx.source, path: file.path }, 'log file truncated, reading from its start');
        file.restart();
        ctx.offsets.addFormer(ctx.source, before);
        for (const copy of copiesOf(file)) await release(copy, before);
      }
      for (;;) {
        const { bytesRead } = await file.handle.read(buffer, 0, CHUNK_BYTES, file.offset);
        if (bytesRead === 0) break;
        const chunk = buffer.subarray(0, bytesRead);
        const at = file.offset;
        file.offset += bytesRead;
        ctx.stats.bytesRead += bytesRead;
        file.splitter.push(chunk);
        file.saw(chunk, at);
        if (stopped) break;
      }
    }

    function remember(file: TailedFile): void {
      // A waiting copy has read nothing of its own: at a restart it is found to be a copy again.
      if (file.copyOf) ctx.offsets.delete(ctx.source, file.identity);
      else ctx.offsets.set(ctx.source, file.identity, file.record());
    }

    async function forget(file: TailedFile): Promise<void> {
      tailed.delete(file.identity);
      ctx.offsets.delete(ctx.source, file.identity);
      if (!file.copyOf) {
        const before = file.record();
        const copies = copiesOf(file);
        // No newline will come to the last line of a file nobody writes to any more, unless a copy has it.
        if (copies.length === 0) file.splitter.flush();
        ctx.offsets.addFormer(ctx.source, before);
        for (const copy of copies) await release(copy, before);
      }
      await file.handle.close();
      ctx.log.info({ source: ctx.source, path: file.path }, 'stopped following log file');
    }

    async function poll(): Promise<void> {
      const now = Date.now();
      const seen = new Set<string>();
      const found: string[] = [];
      for (const path of matchingPaths()) {
        let st;
        try {
          st = await stat(path);
        } catch (err) {
          noteUnreadable(err);
          continue;
        }
        if (!st.isFile()) continue;
        const identity = `${st.dev}:${st.ino}`;
        if (seen.has(identity)) continue; // another name of a file seen (a hard link)
        seen.add(identity);
        const known = tailed.get(identity);
        if (known) {
          if (known.path !== path) ctx.stats.fileEvent('renamed');
          known.path = path;
          known.orphanedAt = undefined;
        } else found.push(path);
      }
      if (firstPass) {
        // Saved files not found now went while we were away (deleted, compressed): a copy may hold them.
        for (const [identity, saved] of ctx.offsets.entries(ctx.source)) {
          if (seen.has(identity)) continue;
          ctx.offsets.addFormer(ctx.source, saved);
          ctx.offsets.delete(ctx.source, identity);
        }
      }
      if (found.length > 0) await adopt(found);
      for (const file of tailed.values()) {
        if (!seen.has(file.identity) && file.orphanedAt === undefined) {
          file.orphanedAt = now;
          ctx.stats.fileEvent(fstatSync(file.handle.fd).nlink === 0 ? 'deleted' : 'renamed');
        }
      }
      // Originals first, so that a copy whose original was truncated meanwhile is read on from the right place.
      const done = new Set<TailedFile>();
      for (const file of [...tailed.values()]) {
        if (file.copyOf) continue;
        done.add(file);
        await readToEnd(file);
      }
      for (const file of [...tailed.values()]) {
        const original = file.copyOf;
        if (original && !(await file.stillCopyOf(original))) {
          // Its original was truncated since it was read (which releases this copy), or it is no copy.
          if (await wasTruncated(original)) await readToEnd(original);
          else {
            ctx.log.info(
              { source: ctx.source, path: file.path },
              'log file is not a copy after all, reading it whole',
            );
            file.copyOf = undefined;
          }
        }
        if (!file.copyOf && !done.has(file)) await readToEnd(file);
      }
      for (const file of [...tailed.values()]) {
        if (file.orphanedAt !== undefined && now - file.orphanedAt >= ctx.files.rotate_wait)
          await forget(file);
        else remember(file);
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
      async stop(atEnd = false) {
        stopped = true;
        clearTimeout(timer);
        await running;
        if (atEnd) for (const file of tailed.values()) file.splitter.flush();
        for (const file of tailed.values()) remember(file);
        ctx.offsets.save();
        for (const file of tailed.values()) await file.handle.close();
        tailed.clear();
      },
      lagBytes() {
        let lag = 0;
        for (const file of tailed.values()) {
          if (!file.copyOf) lag += Math.max(0, fstatSync(file.handle.fd).size - file.offset);
        }
        return lag;
      },
      openFiles: () => tailed.size,
    };
  },
};
