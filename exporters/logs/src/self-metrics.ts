import { Counter, Gauge, type Registry } from 'prom-client';
import type { Input } from './inputs/kind';
import { LEVELS } from './levels';
import type { SourceStats } from './stats';

export interface Source {
  name: string;
  stats: SourceStats;
  input: Input;
}

/**
 * The exporter's own metrics, read from the per-source tallies at scrape time (the tallies are plain
 * numbers so that the per-line path does no label lookups for them).
 */
export function createSelfMetrics(sources: Source[], registry: Registry) {
  const tally = (name: string, help: string, read: (s: SourceStats) => number) =>
    new Counter({
      name,
      help,
      labelNames: ['source'],
      registers: [registry],
      collect() {
        this.reset();
        for (const s of sources) this.inc({ source: s.name }, read(s.stats));
      },
    });
  tally('logexporter_lines_read_total', 'Lines read, matched or not.', (s) => s.linesRead);
  tally(
    'logexporter_lines_matched_total',
    "Lines the source's parser recognised and handed to the metrics.",
    (s) => s.matched,
  );
  tally(
    'logexporter_lines_unmatched_total',
    "Lines not of the parser's format (other programs' lines in a shared log, a regex that does not match).",
    (s) => s.unmatched,
  );
  tally(
    'logexporter_parse_errors_total',
    "Lines of the parser's format that could not be decoded (invalid JSON, a malformed syslog header).",
    (s) => s.parseErrors,
  );
  tally('logexporter_read_bytes_total', 'Bytes read from the source.', (s) => s.bytesRead);
  tally(
    'logexporter_lines_truncated_total',
    'Lines longer than max_line_bytes; only their first max_line_bytes were used.',
    (s) => s.truncated,
  );
  tally(
    'logexporter_invalid_utf8_lines_total',
    'Lines that were not valid UTF-8; their invalid bytes read as U+FFFD.',
    (s) => s.invalidUtf8,
  );
  new Counter({
    name: 'logexporter_lines_by_level_total',
    help: 'Matched lines by the level their parser found (syslog severity, a JSON or regex level field).',
    labelNames: ['source', 'level'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of sources) {
        for (const level of LEVELS) this.inc({ source: s.name, level }, s.stats.levels.get(level) ?? 0);
      }
    },
  });
  new Counter({
    name: 'logexporter_file_events_total',
    help: 'Log files opened, renamed (rotated), truncated (copytruncate), found to be copies of one read (copied) and deleted, as the exporter saw them; unreadable counts each poll that could not open a matched file (permissions).',
    labelNames: ['source', 'event'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of sources)
        for (const [event, n] of s.stats.fileEvents) this.inc({ source: s.name, event }, n);
    },
  });
  new Gauge({
    name: 'logexporter_lag_bytes',
    help: "Bytes written to the source's files and not read yet; it grows when the exporter falls behind.",
    labelNames: ['source'],
    registers: [registry],
    collect() {
      for (const s of sources) this.set({ source: s.name }, s.input.lagBytes());
    },
  });
  new Gauge({
    name: 'logexporter_open_files',
    help: 'Log files the source has open (followed, or draining after rotation).',
    labelNames: ['source'],
    registers: [registry],
    collect() {
      for (const s of sources) this.set({ source: s.name }, s.input.openFiles());
    },
  });
}
