import { formatValue, GaugeFamily, labelText, renderFamilies } from '../src/exposition';
import { createMetrics } from '../src/metrics';
import { parseConfig } from '../src/config';
import type { Scheduler } from '../src/scheduler';
import { silentLog } from './helpers';

describe('the exposition writer', () => {
  it('escapes label values and spells special values as Prometheus does', () => {
    expect(labelText({ a: 'x"y', b: 'back\\slash', c: 'two\nlines' })).toBe(
      '{a="x\\"y",b="back\\\\slash",c="two\\nlines"}',
    );
    expect(labelText({})).toBe('');
    expect([NaN, Infinity, -Infinity, 0.25, 1800000000].map(formatValue)).toEqual([
      'NaN',
      '+Inf',
      '-Inf',
      '0.25',
      '1800000000',
    ]);
  });

  it('lays families out with a blank line between, empty ones keeping HELP and TYPE', () => {
    const a = new GaugeFamily('a_value', 'First.');
    const b = new GaugeFamily('b_value', 'Second.');
    a.add(labelText({ k: 'v' }), 1);
    a.push(a.line('', 2));
    expect(renderFamilies([a, b]).toString()).toBe(
      '# HELP a_value First.\n# TYPE a_value gauge\na_value{k="v"} 1\na_value 2\n\n' +
        '# HELP b_value Second.\n# TYPE b_value gauge\n',
    );
    a.reset();
    expect(renderFamilies([a]).toString()).toBe('# HELP a_value First.\n# TYPE a_value gauge\n');
  });

  it('serves healthcheck_up 0 and no half-filled series when the results cannot be evaluated', () => {
    const config = parseConfig({
      services: { api: { checks: [{ name: 'tcp', kind: 'tcp', host: '127.0.0.1', port: 1 }] } },
    });
    const broken = {
      clock: { now: () => 0, monotonic: () => 0 },
      result: () => {
        throw new Error('corrupt state');
      },
    } as unknown as Scheduler;
    const text = createMetrics(config, broken, silentLog).render().toString();
    expect(text).toMatch(/^healthcheck_up 0$/m);
    expect(text).not.toMatch(/^probe_success\{/m);
    expect(text).toMatch(/^healthcheck_scrape_duration_seconds 0$/m);
  });
});
