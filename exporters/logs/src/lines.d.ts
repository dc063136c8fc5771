/** What an input hands to the pipeline for every complete line. */
export interface LineInfo {
    /** The line had more than max_line_bytes; only its first max_line_bytes are kept. */
    truncated: boolean;
    /** The line's bytes were not valid UTF-8; invalid sequences read as U+FFFD. */
    invalidUtf8: boolean;
}
export type LineSink = (line: string, info: LineInfo) => void;
/**
 * Splits a byte stream into lines. A last line without its newline is held until the newline comes (a
 * writer may be half-way through it); memory stays bounded because a line longer than maxLineBytes is
 * cut there and the rest of it is skipped up to its newline.
 */
export declare class LineSplitter {
    private readonly maxLineBytes;
    private readonly sink;
    /** Bytes of the unfinished line, at most maxLineBytes. */
    private pending;
    /** The unfinished line already passed maxLineBytes: drop its bytes until the newline. */
    private overflowing;
    /** Bytes of the unfinished line dropped so far. */
    private skipped;
    constructor(maxLineBytes: number, sink: LineSink);
    /** Bytes read of the unfinished line, held or dropped: a resume must start that far back. */
    get unfinishedBytes(): number;
    push(chunk: Buffer): void;
    /** Emits the unfinished line as it is: its file is gone or done with, no newline will come. */
    flush(): void;
    /** Forgets the unfinished line (its file was truncated under it). */
    discard(): void;
    private hold;
    private emitOne;
    /** Complete lines joined by newlines, without the final newline: decoded at once, the fast path. */
    private emitMany;
    private emitChecked;
}
