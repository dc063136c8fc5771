/** The bounded set of `level` label values of logexporter_lines_by_level_total. */
export declare const LEVELS: readonly ["critical", "error", "warning", "info", "debug"];
export type Level = (typeof LEVELS)[number];
/**
 * Maps a parsed `level` field (syslog severities, logger names in any case, pino/bunyan numbers) onto
 * LEVELS; undefined for anything else, so a made-up level cannot add a label value.
 */
export declare function normalizeLevel(value: string): Level | undefined;
