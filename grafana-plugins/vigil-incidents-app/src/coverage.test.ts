import { incident } from './test-support/fakeVigil';
import { compileMatchers, coveredBy, covers } from './coverage';

const alert = incident().alerts[0]!;
const withAlerts = (...labels: Array<[Record<string, string>, 'firing' | 'resolved']>) =>
  incident({ alerts: labels.map(([l, status], i) => ({ ...alert, id: i, labels: l, status })) });

describe('which incidents a window covers', () => {
  it('needs every firing alert to match every matcher, regular expressions anchored', () => {
    const both = withAlerts(
      [{ service: 'db', env: 'prod' }, 'firing'],
      [{ service: 'db-replica' }, 'firing'],
    );
    expect(covers(compileMatchers(['service=~"db.*"']), both)).toBe(true);
    expect(covers(compileMatchers(['service=~"db"']), both)).toBe(false);
    expect(covers(compileMatchers(['service=~"db.*", env="prod"']), both)).toBe(false);
    expect(covers(compileMatchers(['service=~"db.*"', 'env!="staging"']), both)).toBe(true);
  });

  it('judges by the resolved alerts once none fires, and an incident without alerts is never covered', () => {
    const resolved = withAlerts([{ service: 'db' }, 'resolved']);
    expect(covers(compileMatchers(['service="db"']), resolved)).toBe(true);
    const mixed = withAlerts([{ service: 'db' }, 'firing'], [{ service: 'web' }, 'resolved']);
    expect(covers(compileMatchers(['service="db"']), mixed)).toBe(true);
    expect(covers(compileMatchers(['service="db"']), withAlerts())).toBe(false);
  });

  it('covers nothing with matchers that do not parse, or with none', () => {
    expect(compileMatchers(['service="db'])).toBeUndefined();
    const db = withAlerts([{ service: 'db' }, 'firing']);
    expect(coveredBy(['service="db'], [db])).toEqual([]);
    expect(coveredBy([], [db])).toEqual([]);
    expect(coveredBy(['service="db"'], [db])).toEqual([db]);
  });
});
