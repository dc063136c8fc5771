import { PassThrough } from 'node:stream';
import { normalizeLevel } from '../src/levels';
import { sample, testExporter } from './helpers';

/** JSON lines through a stdin source: the lines_by_level_total tallies once stdin has ended. */
async function levelsOf(lines: object[]) {
  const stdin = new PassThrough();
  const exporter = testExporter(
    { sources: { app: { input: { kind: 'stdin' }, parser: { kind: 'json' } } } },
    stdin,
  );
  await exporter.start();
  const ended = new Promise((resolve) => stdin.once('end', resolve));
  stdin.end(lines.map((l) => JSON.stringify(l)).join('\n'));
  await ended;
  const text = await exporter.render();
  await exporter.stop();
  const count = (level: string) =>
    sample(text, `logexporter_lines_by_level_total{source="app",level="${level}"}`);
  return {
    critical: count('critical'),
    error: count('error'),
    warning: count('warning'),
    info: count('info'),
    debug: count('debug'),
  };
}

describe('the level of a line', () => {
  it('is read from level, severity, lvl, levelname or log.level (flat or nested), the first present', async () => {
    expect(
      await levelsOf([
        { lvl: 'eror', msg: 'log15' },
        { levelname: 'WARNING', message: 'python-json-logger' },
        { 'log.level': 'error', message: 'ECS, flat' },
        { log: { level: 'info', logger: 'ECS, nested' } },
        { severity: 'ERROR', message: 'Cloud Logging' },
        // When several are present the first in that order is taken, known or not.
        { level: 'debug', lvl: 'crit' },
        { severity: 'warning', levelname: 'ERROR' },
        { level: 'custom', lvl: 'crit' },
      ]),
    ).toEqual({ critical: 0, error: 3, warning: 2, info: 1, debug: 1 });
  });

  it("knows zap's dpanic, java.util.logging's names and verbose", () => {
    const names = [
      'dpanic',
      'SEVERE',
      'WARNING',
      'INFO',
      'CONFIG',
      'FINE',
      'FINER',
      'FINEST',
      'verbose',
      'Verbose',
    ];
    expect(names.map(normalizeLevel)).toEqual([
      'critical',
      'error',
      'warning',
      'info',
      'info',
      'debug',
      'debug',
      'debug',
      'debug',
      'debug',
    ]);
  });

  it("places Go slog's levels between names (ERROR+2, INFO-4) on slog's scale", () => {
    const names = ['ERROR+2', 'ERROR-1', 'WARN+3', 'WARN-1', 'INFO+2', 'INFO-4', 'DEBUG-4', 'DEBUG+3'];
    expect(names.map(normalizeLevel)).toEqual([
      'error',
      'warning',
      'warning',
      'info',
      'info',
      'debug',
      'debug',
      'debug',
    ]);
  });

  it('leaves anything else out, so that no made-up level adds a label value', () => {
    expect(['custom', 'ERROR+', 'ERROR+x', 'FATAL+2', '+2', 'dpanic2', ''].map(normalizeLevel)).toEqual(
      Array(7).fill(undefined),
    );
  });
});
