"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.LEVELS = void 0;
exports.normalizeLevel = normalizeLevel;
/** The bounded set of `level` label values of logexporter_lines_by_level_total. */
exports.LEVELS = ['critical', 'error', 'warning', 'info', 'debug'];
const NAMES = {
    emerg: 'critical',
    emergency: 'critical',
    panic: 'critical',
    alert: 'critical',
    crit: 'critical',
    critical: 'critical',
    fatal: 'critical',
    err: 'error',
    error: 'error',
    eror: 'error',
    warn: 'warning',
    warning: 'warning',
    notice: 'info',
    info: 'info',
    information: 'info',
    informational: 'info',
    debug: 'debug',
    trace: 'debug',
};
/**
 * Maps a parsed `level` field (syslog severities, logger names in any case, pino/bunyan numbers) onto
 * LEVELS; undefined for anything else, so a made-up level cannot add a label value.
 */
function normalizeLevel(value) {
    const named = NAMES[value.toLowerCase()];
    if (named)
        return named;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 10)
        return undefined;
    if (n >= 60)
        return 'critical';
    if (n >= 50)
        return 'error';
    if (n >= 40)
        return 'warning';
    if (n >= 30)
        return 'info';
    return 'debug';
}
//# sourceMappingURL=levels.js.map