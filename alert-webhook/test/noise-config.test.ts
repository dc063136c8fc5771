import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, parseConfig } from '../src/config';
import { tempDir } from './helpers';

const refused = (doc: Record<string, unknown>) => {
  try {
    parseConfig(doc, {});
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('the configuration was accepted');
};

describe('noise control configuration', () => {
  it('is all off by default', () => {
    const config = parseConfig({}, {});
    expect(config.noise).toEqual({});
    expect(config.maintenance_windows).toEqual([]);
  });

  it('reads thresholds, windows and maintenance windows (YAML times quoted or not)', () => {
    const { dir, cleanup } = tempDir();
    try {
      const path = join(dir, 'config.yml');
      writeFileSync(
        path,
        [
          'noise:',
          '  flapping: { transitions: 4, window: 30m }',
          '  storm: { incidents: 10 }',
          '  alertmanager_silences: { url: "http://127.0.0.1:9093" }',
          'maintenance_windows:',
          '  - name: db-upgrade',
          '    matchers: [\'service="db"\', \'env=~"prod|staging"\']',
          '    starts_at: 2026-12-01T22:00:00Z',
          "    ends_at: '2026-12-02T02:00:00+01:00'",
        ].join('\n'),
      );
      const config = loadConfig(path, {});
      expect(config.noise).toEqual({
        flapping: { transitions: 4, window: 1_800_000 },
        storm: { incidents: 10, window: 60_000, digest_interval: 60_000 },
        alertmanager_silences: { url: 'http://127.0.0.1:9093', timeout: 10_000 },
      });
      expect(config.maintenance_windows).toEqual([
        expect.objectContaining({
          name: 'db-upgrade',
          starts_at: '2026-12-01T22:00:00.000Z',
          ends_at: '2026-12-02T01:00:00.000Z',
          comment: '',
        }),
      ]);
      expect(config.maintenance_windows[0]!.matchers.map((m) => `${m.name}${m.op}${m.value}`)).toEqual([
        'service=db',
        'env=~prod|staging',
      ]);
    } finally {
      cleanup();
    }
  });

  it('takes a time YAML read as a date, and a window with one matcher narrowing it', () => {
    const [window] = parseConfig(
      {
        maintenance_windows: [
          {
            name: 'w',
            matchers: ['env!="prod"', 'service="db"'],
            starts_at: new Date('2026-12-01T22:00:00Z'),
            ends_at: '2026-12-02T02:00:00Z',
          },
        ],
      },
      {},
    ).maintenance_windows;
    expect(window!.starts_at).toBe('2026-12-01T22:00:00.000Z');
  });

  it('names the bad key', () => {
    expect(refused({ noise: { flapping: { transitions: 0, window: '30m' } } })).toContain(
      'noise.flapping.transitions',
    );
    expect(refused({ noise: { storm: { incidents: 5, window: 'soon' } } })).toContain('noise.storm.window');
    expect(refused({ noise: { storms: {} } })).toContain('noise.storms: unknown field');
    expect(refused({ noise: { alertmanager_silences: { url: 'ftp://am' } } })).toContain(
      'noise.alertmanager_silences.url',
    );
    const window = {
      name: 'w',
      matchers: ['service="db"'],
      starts_at: '2026-12-01T22:00:00Z',
      ends_at: '2026-12-02T02:00:00Z',
    };
    expect(refused({ maintenance_windows: [{ ...window, ends_at: '2026-12-01T21:00:00Z' }] })).toContain(
      'maintenance_windows[0].ends_at: must be after starts_at',
    );
    expect(refused({ maintenance_windows: [{ ...window, matchers: ['service=~"("'] }] })).toContain(
      'maintenance_windows[0].matchers[0]',
    );
    expect(refused({ maintenance_windows: [{ ...window, starts_at: 'now' }] })).toContain(
      'maintenance_windows[0].starts_at',
    );
    expect(refused({ maintenance_windows: [{ ...window, ends_at: window.starts_at }] })).toContain(
      'maintenance_windows[0].ends_at: must be after starts_at',
    );
    expect(refused({ maintenance_windows: [{ ...window, starts_at: 'now' }] })).toContain(
      'maintenance_windows[0].starts_at: must be an RFC 3339 time',
    );
    expect(refused({ maintenance_windows: [{ ...window, starts_at: 5 }] })).toContain(
      'maintenance_windows[0].starts_at: expected an RFC 3339 time',
    );
    expect(refused({ maintenance_windows: [{ ...window, starts_at: new Date('soon') }] })).toContain(
      'maintenance_windows[0].starts_at: expected an RFC 3339 time',
    );
    expect(
      refused({ maintenance_windows: [{ ...window, matchers: ['env!="prod"', 'team=~".*"'] }] }),
    ).toContain(
      'maintenance_windows[0].matchers: needs at least one matcher that does not match the empty string',
    );
    expect(refused({ noise: { flapping: { transitions: 2, window: '0s' } } })).toContain(
      'noise.flapping.window: must be longer than 0s',
    );
    for (const url of ['xhttp://am:9093', 'httpx://am:9093'])
      expect(refused({ noise: { alertmanager_silences: { url } } })).toContain(
        'noise.alertmanager_silences.url: must be an http:// or https:// URL',
      );
    expect(refused({ maintenance_windows: [window, window] })).toContain(
      'maintenance_windows[1].name: duplicate window name "w"',
    );
  });
});
