import type { Level } from './levels';

/** Per-source tallies kept as plain numbers on the per-line path; the self metrics read them at scrape. */
export class SourceStats {
  linesRead = 0;
  matched = 0;
  unmatched = 0;
  parseErrors = 0;
  bytesRead = 0;
  truncated = 0;
  invalidUtf8 = 0;
  /** Lines whose parsed `level` field is known, by level. */
  readonly levels = new Map<Level, number>();
  /** File events (opened, renamed, truncated, deleted, copied, unreadable) by name. */
  readonly fileEvents = new Map<string, number>();

  fileEvent(event: 'opened' | 'renamed' | 'truncated' | 'deleted' | 'copied' | 'unreadable'): void {
    this.fileEvents.set(event, (this.fileEvents.get(event) ?? 0) + 1);
  }
}
