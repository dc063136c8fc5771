import {
  PromqlError,
  formatSelector,
  matches,
  parsePromql,
  regexProblems,
  selectors,
  vectorSelector,
} from '../src/promql';

describe('PromQL read with the Prometheus grammar', () => {
  it('finds every selector with its metric and matchers, inside functions, ranges and binary operators', () => {
    const found = selectors(
      'sum(rate(http_requests_total{service="demo",status_class=~"5xx"}[5m])) or vector(0)\n/\nsum by (job) (up{job!="x"}) + {__name__="probe_success",check!~"a|b"}',
    );
    expect(found).toEqual([
      {
        metric: 'http_requests_total',
        matchers: [
          { label: 'service', op: '=', value: 'demo' },
          { label: 'status_class', op: '=~', value: '5xx' },
        ],
        text: 'http_requests_total{service="demo",status_class=~"5xx"}',
      },
      { metric: 'up', matchers: [{ label: 'job', op: '!=', value: 'x' }], text: 'up{job!="x"}' },
      {
        metric: 'probe_success',
        matchers: [{ label: 'check', op: '!~', value: 'a|b' }],
        text: '{__name__="probe_success",check!~"a|b"}',
      },
    ]);
  });

  it('reads string escapes and the three quotes PromQL allows', () => {
    expect(vectorSelector(String.raw`m{a="x\"y",b='it\'s',c=` + '`raw\\d`}').matchers).toEqual([
      { label: 'a', op: '=', value: 'x"y' },
      { label: 'b', op: '=', value: "it's" },
      { label: 'c', op: '=', value: 'raw\\d' },
    ]);
  });

  it('names the expression and the column where the grammar stops', () => {
    expect(() => parsePromql('rate(x[5m]')).toThrow(
      new PromqlError('cannot parse "rate(x[5m]": unexpected input at the end (column 11)'),
    );
    expect(() => parsePromql('sum(x) by job')).toThrow(
      /cannot parse "sum\(x\) by job": unexpected input at /,
    );
  });

  it('takes as a series selector only a lone selector naming a metric', () => {
    expect(vectorSelector('up').metric).toBe('up');
    expect(() => vectorSelector('rate(up[5m])')).toThrow('is not a series selector');
    expect(() => vectorSelector('up + up')).toThrow('is not a series selector');
    expect(() => vectorSelector('{job="x"}')).toThrow('names no metric');
    expect(() => vectorSelector('up{job="x"')).toThrow('cannot parse');
    expect(() => vectorSelector('up{"job"="x"}')).toThrow('quoted label names');
  });

  it('matches labels as PromQL does: regexes anchored, a missing label as empty', () => {
    const { matchers } = vectorSelector('m{a=~"5..",b!="x",c!~"y|z",d=""}');
    expect(matches(matchers, { a: '503', b: 'w', c: 'q' })).toBe(true);
    expect(matches(matchers, { a: '1503', b: 'w' })).toBe(false);
    expect(matches(matchers, { a: '503', b: 'x' })).toBe(false);
    expect(matches(matchers, { a: '503', c: 'y' })).toBe(false);
    expect(matches(matchers, { a: '503', d: 'set' })).toBe(false);
  });

  it('reports regular expressions that cannot compile, or that RE2 refuses, and writes selectors back', () => {
    expect(regexProblems(vectorSelector('m{a=~"(5xx",b="("}'))).toEqual([
      expect.stringMatching(/^a=~"\(5xx" is not a regular expression Prometheus takes: /),
    ]);
    // JavaScript compiles a lookahead; Prometheus (RE2) refuses it at load.
    expect(regexProblems(vectorSelector('m{status_class=~"(?!2xx).*"}'))).toEqual([
      expect.stringMatching(
        /^status_class=~"\(\?!2xx\)\.\*" is not a regular expression Prometheus takes: .*lookahead/,
      ),
    ]);
    expect(formatSelector('m', [{ label: 'a', op: '=~', value: 'x"y' }])).toBe('m{a=~"x\\"y"}');
    expect(formatSelector('m', [])).toBe('m');
  });
});
