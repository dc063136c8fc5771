import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseConfig } from '../src/config';
import { tempDir } from './helpers';

const minimal = { prometheus: { url: 'http://127.0.0.1:9090' }, queries: [{ name: 'q', query: 'up' }] };

describe('configuration', () => {
  it('fills defaults: port 9472, 1m step, 14d history, auto seasonality', () => {
    const c = parseConfig(minimal);
    expect(c.server.port).toBe(9472);
    expect(c.stepMs).toBe(60_000);
    expect(c.historyMs).toBe(14 * 86_400_000);
    expect(c.model.seasonality).toBe('auto');
    expect(c.horizonsMs).toEqual([3_600_000, 86_400_000]);
  });

  it('reads settings in Prometheus duration syntax', () => {
    const c = parseConfig({
      ...minimal,
      step: '30s',
      history: '2d',
      model: { seasonality: 'weekly', band_sigmas: 4, short_memory: '1d' },
      forecast: { horizons: ['6h'] },
      queries: [{ name: 'disk', query: 'x', threshold: 0.9 }],
    });
    expect(c).toMatchObject({ stepMs: 30_000, historyMs: 172_800_000, horizonsMs: [21_600_000] });
    expect(c.model).toMatchObject({ seasonality: 'weekly', bandSigmas: 4, shortMemoryMs: 86_400_000 });
    expect(c.queries[0]).toEqual({ name: 'disk', query: 'x', threshold: 0.9 });
  });

  it.each([
    [{ ...minimal, step: '5x' }, 'step: invalid duration "5x"'],
    [{ ...minimal, queries: [] }, 'queries: '],
    [{ ...minimal, queries: [{ name: 'a b', query: 'up' }] }, 'queries[0].name: must be letters'],
    [
      { ...minimal, queries: [minimal.queries[0], minimal.queries[0]] },
      'queries[1].name: duplicate query name "q"',
    ],
    [{ ...minimal, model: { seasonality: 'hourly' } }, 'model.seasonality: '],
    [
      { ...minimal, step: '4h', model: { seasonality: 'daily' } },
      'model.seasonality: daily needs a step of at most 3h (8 steps a period); step is 4h',
    ],
    [{ ...minimal, prometheus: { url: 'ftp://x' } }, 'prometheus.url: must be an http:// or https:// URL'],
    // Each would pass as a URL and fail every pull (a 404, a 405).
    [{ ...minimal, prometheus: { url: 'http://p:9090/api/v1/' } }, 'prometheus.url: leave out /api/v1'],
    [{ ...minimal, prometheus: { url: 'http://p:9090/?x=1' } }, 'prometheus.url: must have no query (?)'],
    [{ ...minimal, prometheus: { url: 'http://p:9090/#top' } }, 'or fragment (#)'],
    [{ ...minimal, surprise: 1 }, 'surprise: unknown field'],
    [{ ...minimal, step: '1h', history: '30m' }, 'history: must be at least one step'],
    // Pulled in requests of 10,000 steps: 100y at 1s would be 315,000 of them before the first answer.
    [
      { ...minimal, step: '1s', history: '100y' },
      'history: must be at most 1,000,000 steps (11d13h46m40s at step 1s)',
    ],
    [
      { ...minimal, step: '1s', history: '99999999999999999999999y' },
      'history: must be at most 1,000,000 steps',
    ],
    [{ ...minimal, forecast: { horizons: ['60m', '1h'] } }, 'forecast.horizons: horizons must differ'],
    [{ ...minimal, prometheus: { timeout: '30d' } }, 'prometheus.timeout: must be at most 24d20h31m23s647ms'],
    [{ ...minimal, step: '1m1m' }, 'step: invalid duration "1m1m"'],
    // Every step is a query_range request per query: a step of a millisecond would flood Prometheus.
    [{ ...minimal, step: '1ms' }, 'step: must be at least 1s'],
    [{ ...minimal, step: '999ms' }, 'step: must be at least 1s'],
  ])('refuses a bad key naming its path (%#)', (doc, message) => {
    expect(() => parseConfig(doc)).toThrow(ConfigError);
    expect(() => parseConfig(doc)).toThrow(message);
  });

  it('loads the example file', () => {
    const c = loadConfig(join(__dirname, '..', 'config.example.yml'));
    expect(c.queries.map((q) => q.name)).toEqual(['http_request_rate', 'filesystem_used_ratio']);
  });

  it('refuses a file that is not YAML', () => {
    const temp = tempDir();
    const path = join(temp.dir, 'bad.yml');
    writeFileSync(path, 'queries: [\n');
    try {
      expect(() => loadConfig(path)).toThrow(/not valid YAML/);
    } finally {
      temp.cleanup();
    }
  });
});
