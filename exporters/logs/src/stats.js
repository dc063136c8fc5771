"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SourceStats = void 0;
/** Per-source tallies kept as plain numbers on the per-line path; the self metrics read them at scrape. */
class SourceStats {
    linesRead = 0;
    matched = 0;
    unmatched = 0;
    parseErrors = 0;
    bytesRead = 0;
    truncated = 0;
    invalidUtf8 = 0;
    /** Lines whose parsed `level` field is known, by level. */
    levels = new Map();
    /** File events (opened, renamed, truncated, deleted, copied) by name. */
    fileEvents = new Map();
    fileEvent(event) {
        this.fileEvents.set(event, (this.fileEvents.get(event) ?? 0) + 1);
    }
}
exports.SourceStats = SourceStats;
//# sourceMappingURL=stats.js.map