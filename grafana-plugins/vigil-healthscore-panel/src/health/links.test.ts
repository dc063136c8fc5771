import { getLinksSupplier, type Field, type InterpolateFunction, type ScopedVars } from '@grafana/data';
import { DEFAULT_OPTIONS } from '../types';
import { promSeries } from './frames.testing';
import { drilldownLinks } from './links';
import { servicesFromFrames } from './services';

const NOW = 1_700_000_000_000;

// Grafana's interpolation for what the test needs: scoped variables and the time range.
const replaceVariables: InterpolateFunction = (value: string, scopedVars?: ScopedVars) =>
  value
    .replace('${__url_time_range}', 'from=now-1h&to=now')
    .replace(/\$\{(\w+)\}/g, (_, name: string) => String(scopedVars?.[name]?.value ?? ''));

it('sets ${service} in the URL option, encoded, and keeps the time range', () => {
  const [health] = servicesFromFrames(
    [promSeries('A', { service: 'a b/c' }, [[NOW, 50]])],
    DEFAULT_OPTIONS,
    NOW,
  );
  expect(drilldownLinks(health!, DEFAULT_OPTIONS.drilldownUrl, replaceVariables)).toEqual([
    { title: 'Open a b/c', href: '/d/vigil-service?var-service=a%20b%2Fc&from=now-1h&to=now' },
  ]);
  expect(drilldownLinks(health!, ' ', replaceVariables)).toEqual([]);
});

it("adds the score field's data links, for its newest row", () => {
  const frame = promSeries('A', { service: 'api' }, [
    [NOW - 60_000, 20],
    [NOW, 50],
  ]);
  const field = frame.fields[1]!;
  field.config.links = [{ title: 'Score ${__value.raw}', url: '/explore?service=api' }];
  // What Grafana's template service does with ${__value.raw}: the field's value at the link's row.
  const interpolate: InterpolateFunction = (value, scopedVars) => {
    const context = scopedVars?.__dataContext?.value as { field: Field; rowIndex: number } | undefined;
    return value.replace('${__value.raw}', String(context?.field.values[context.rowIndex]));
  };
  field.getLinks = getLinksSupplier(frame, field, {}, interpolate);
  const [health] = servicesFromFrames([frame], DEFAULT_OPTIONS, NOW);
  expect(drilldownLinks(health!, '', replaceVariables)).toEqual([
    { title: 'Score 50', href: '/explore?service=api' },
  ]);
});
