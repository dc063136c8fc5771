import { isUtf8 } from 'node:buffer';

/** What an input hands to the pipeline for every complete line. */
export interface LineInfo {
  /** The line had more than max_line_bytes; only its first max_line_bytes are kept. */
  truncated: boolean;
  /** The line's bytes were not valid UTF-8; invalid sequences read as U+FFFD. */
  invalidUtf8: boolean;
}

export type LineSink = (line: string, info: LineInfo) => void;

const NEWLINE = 0x0a;
const PLAIN: LineInfo = { truncated: false, invalidUtf8: false };

/**
 * Splits a byte stream into lines. A last line without its newline is held until the newline comes (a
 * writer may be half-way through it); memory stays bounded because a line longer than maxLineBytes is
 * cut there and the rest of it is skipped up to its newline.
 */
export class LineSplitter {
  /** Bytes of the unfinished line, at most maxLineBytes. */
  private pending: Buffer = Buffer.alloc(0);
  /** The unfinished line already passed maxLineBytes: drop its bytes until the newline. */
  private overflowing = false;
  /** Bytes of the unfinished line dropped so far. */
  private skipped = 0;

  constructor(
    private readonly maxLineBytes: number,
    private readonly sink: LineSink,
  ) {}

  /** Bytes read of the unfinished line, held or dropped: a resume must start that far back. */
  get unfinishedBytes(): number {
    return this.pending.length + this.skipped;
  }

  push(chunk: Buffer): void {
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
    if (last >= start) this.emitMany(chunk.subarray(start, last));
    if (last + 1 < chunk.length) this.hold(chunk.subarray(Math.max(start, last + 1)));
  }

  /** Emits the unfinished line as it is: its file is gone or done with, no newline will come. */
  flush(): void {
    if (this.pending.length > 0 || this.overflowing) this.emitOne(this.pending, this.overflowing);
    this.discard();
  }

  /** Forgets the unfinished line (its file was truncated under it). */
  discard(): void {
    this.pending = Buffer.alloc(0);
    this.overflowing = false;
    this.skipped = 0;
  }

  private hold(bytes: Buffer): void {
    const room = this.maxLineBytes - this.pending.length;
    if (bytes.length > room) {
      this.overflowing = true;
      this.skipped += bytes.length - Math.max(room, 0);
      if (room > 0) this.pending = Buffer.concat([this.pending, bytes.subarray(0, charStart(bytes, room))]);
    } else if (bytes.length > 0) {
      // Copy: the caller reuses its read buffer.
      this.pending = Buffer.concat([this.pending, bytes]);
    }
  }

  private emitOne(bytes: Buffer, truncated: boolean): void {
    const line = stripCR(bytes.toString('utf8'));
    this.sink(line, { truncated, invalidUtf8: !isUtf8(bytes) });
  }

  /** Complete lines joined by newlines, without the final newline: decoded at once, the fast path. */
  private emitMany(bytes: Buffer): void {
    if (!isUtf8(bytes)) {
      let from = 0;
      for (let nl = bytes.indexOf(NEWLINE); ; nl = bytes.indexOf(NEWLINE, from)) {
        const end = nl < 0 ? bytes.length : nl;
        this.emitChecked(bytes.subarray(from, end));
        if (nl < 0) return;
        from = nl + 1;
      }
    }
    const lines = bytes.toString('utf8').split('\n');
    for (const raw of lines) {
      // Characters never outnumber bytes, so only a line this long can be over the byte limit.
      if (raw.length * 3 > this.maxLineBytes && Buffer.byteLength(raw) > this.maxLineBytes) {
        this.emitChecked(Buffer.from(raw));
      } else {
        this.sink(stripCR(raw), PLAIN);
      }
    }
  }

  private emitChecked(bytes: Buffer): void {
    const truncated = bytes.length > this.maxLineBytes;
    this.emitOne(truncated ? bytes.subarray(0, charStart(bytes, this.maxLineBytes)) : bytes, truncated);
  }
}

/**
 * Where to cut bytes at `at` without splitting a UTF-8 character: back to the start of the one `at` falls
 * in (at most 3 bytes back), so that a valid line cut at max_line_bytes stays valid UTF-8.
 */
function charStart(bytes: Buffer, at: number): number {
  let cut = at;
  while (cut > 0 && at - cut < 3 && cut < bytes.length && ((bytes[cut] as number) & 0xc0) === 0x80) cut--;
  return cut;
}

/** CRLF files (Windows services, some syslog relays) end lines with \r too. */
function stripCR(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
