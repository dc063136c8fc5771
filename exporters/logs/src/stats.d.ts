/** Per-source tallies kept as plain numbers on the per-line path; the self metrics read them at scrape. */
export declare class SourceStats {
    linesRead: number;
    matched: number;
    unmatched: number;
    parseErrors: number;
    bytesRead: number;
    truncated: number;
    invalidUtf8: number;
    /** Lines whose parsed `level` field is known, by level. */
    readonly levels: Map<"error" | "debug" | "info" | "critical" | "warning", number>;
    /** File events (opened, renamed, truncated, deleted, copied) by name. */
    readonly fileEvents: Map<string, number>;
    fileEvent(event: 'opened' | 'renamed' | 'truncated' | 'deleted' | 'copied'): void;
}
