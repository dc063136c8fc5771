import { z } from 'zod';
import type { InputKind } from './kind';
declare const settings: z.ZodObject<{
    include: z.ZodArray<z.ZodString>;
    exclude: z.ZodDefault<z.ZodArray<z.ZodString>>;
}, z.core.$strict>;
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
export declare const fileInput: InputKind<typeof settings>;
export {};
