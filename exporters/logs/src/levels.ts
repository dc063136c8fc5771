import type { Fields } from './parsers/kind';

/** The bounded set of `level` label values of logexporter_lines_by_level_total. */
export const LEVELS = ['critical', 'error', 'warning', 'info', 'debug'] as const;
export type Level = (typeof LEVELS)[number];

const NAMES: Record<string, Level> = {
  emerg: 'critical',
  emergency: 'critical',
  panic: 'critical',
  dpanic: 'critical', // zap's "development panic": an error that panics in development builds
  alert: 'critical',
  crit: 'critical',
  critical: 'critical',
  fatal: 'critical',
  err: 'error',
  error: 'error',
  eror: 'error',
  severe: 'error', // java.util.logging, as SLF4J's bridge maps it
  warn: 'warning',
  warning: 'warning',
  notice: 'info',
  info: 'info',
  information: 'info',
  informational: 'info',
  config: 'info', // java.util.logging
  debug: 'debug',
  trace: 'debug',
  verbose: 'debug',
  fine: 'debug', // java.util.logging's fine, finer, finest
  finer: 'debug',
  finest: 'debug',
};

/**
 * Go's log/slog names a level between its own as the one below plus an offset ("ERROR+2", "DEBUG-4"), on
 * its scale DEBUG -4, INFO 0, WARN 4, ERROR 8.
 */
const SLOG_OFFSET = /^(debug|info|warn|error)([+-]\d+)$/;
const SLOG_SCALE: Record<string, number> = { debug: -4, info: 0, warn: 4, error: 8 };

/**
 * The fields a level is read from, in this order; the first present is taken (known or not): `level`
 * (pino, bunyan, zap, logrus, the syslog parsers), `severity` (Google Cloud Logging), `lvl` (log15),
 * `levelname` (python-json-logger), `log.level` (ECS; the json parser flattens {log: {level}} to it).
 */
const LEVEL_FIELDS = ['level', 'severity', 'lvl', 'levelname', 'log.level'] as const;

/** A parsed line's level, from the first of LEVEL_FIELDS it has; undefined when unknown. */
export function levelOf(fields: Fields): Level | undefined {
  for (const key of LEVEL_FIELDS) {
    const value = fields[key];
    if (value !== undefined) return normalizeLevel(value);
  }
  return undefined;
}

/**
 * Maps a level (syslog severities, logger names in any case, slog offsets, pino/bunyan numbers) onto
 * LEVELS; undefined for anything else, so a made-up level cannot add a label value.
 */
export function normalizeLevel(value: string): Level | undefined {
  const lower = value.toLowerCase();
  const named = NAMES[lower];
  if (named) return named;
  const slog = SLOG_OFFSET.exec(lower);
  if (slog) {
    const n = (SLOG_SCALE[slog[1] as string] as number) + Number(slog[2]);
    return n >= 8 ? 'error' : n >= 4 ? 'warning' : n >= 0 ? 'info' : 'debug';
  }
  const n = Number(value);
  if (!Number.isInteger(n) || n < 10) return undefined;
  if (n >= 60) return 'critical';
  if (n >= 50) return 'error';
  if (n >= 40) return 'warning';
  if (n >= 30) return 'info';
  return 'debug';
}
