import { alwaysFires, lintRuleFiles, ruleStats, untestedAlerts } from '../src/lint';
import { runbookUrl } from '../src/paths';
import { alertTestCoverage, readRuleFile, ruleFilePaths, testFilePaths, type Rule } from '../src/rulefiles';

const fileWith = (rule: Rule) => ({ path: 'x.rules.yml', groups: [{ name: 'g', rules: [rule] }] });
const good: Rule = {
  alert: 'ServiceDown',
  expr: 'up == 0',
  for: '5m',
  labels: { severity: 'critical', team: 'web' },
  annotations: { summary: 's', description: 'd', runbook_url: runbookUrl('ServiceDown') },
};

describe('the rule files of the suite', () => {
  const files = ruleFilePaths().map(readRuleFile);
  const coverage = alertTestCoverage(testFilePaths());

  it('follow the alert conventions', () => {
    expect(lintRuleFiles(files)).toEqual([]);
  });

  it('have promtool tests that fire every alert and that keep it silent', () => {
    expect(untestedAlerts(files, coverage)).toEqual([]);
    expect(ruleStats(files, coverage)).toMatch(
      /^rules alerts=\d+ recording=\d+ tested_alerts=\d+ untested_alerts=0$/,
    );
  });
});

describe('the conventions lint', () => {
  it('accepts a complete alert', () => {
    expect(lintRuleFiles([fileWith(good)])).toEqual([]);
  });

  it('names the rule and each problem', () => {
    const bad: Rule = {
      alert: 'service_down',
      expr: 'up == 0',
      labels: { severity: 'page' },
      annotations: {},
    };
    expect(lintRuleFiles([fileWith(bad)])).toEqual(
      [
        'name is not CamelCase',
        'label severity must be one of critical|warning|info',
        'needs a team or component label',
        'needs a summary annotation',
        'needs a description annotation',
        'needs a runbook_url annotation',
        'no runbook rules/runbooks/service_down.md',
        'needs a `for` duration',
      ].map((p) => `x.rules.yml group g alert service_down: ${p}`),
    );
  });

  it('refuses runbook links elsewhere and raw path labels', () => {
    const elsewhere = {
      ...good,
      annotations: { ...good.annotations, runbook_url: 'https://wiki/ServiceDown' },
    };
    expect(lintRuleFiles([fileWith(elsewhere)])).toEqual([
      `x.rules.yml group g alert ServiceDown: runbook_url must be ${runbookUrl('ServiceDown')}`,
    ]);
    const byPath: Rule = {
      record: 'path:http_requests:rate5m',
      expr: 'sum by (path) (rate(http_requests_total[5m]))',
    };
    expect(lintRuleFiles([fileWith(byPath)])).toEqual([
      'x.rules.yml group g record path:http_requests:rate5m: uses a raw path/url label; use route',
    ]);
  });

  it('lets only a constant alert go without `for` or a silent test', () => {
    expect(alwaysFires({ alert: 'Watchdog', expr: 'vector(1)' })).toBe(true);
    expect(alwaysFires(good)).toBe(false);
    const coverage = {
      firing: new Map([['ServiceDown', [{ severity: 'critical', team: 'web' }]]]),
      notFiring: new Set<string>(),
    };
    expect(untestedAlerts([fileWith(good)], coverage)).toEqual(['ServiceDown']);
  });

  it('wants each of two rules sharing a name fired by its own test, told apart by their labels', () => {
    const warning: Rule = { ...good, labels: { ...good.labels, severity: 'warning' } };
    const file = { path: 'x.rules.yml', groups: [{ name: 'g', rules: [good, warning] }] };
    const critical = { alertname: 'ServiceDown', severity: 'critical', team: 'web', instance: 'a' };
    const coverage = {
      firing: new Map([['ServiceDown', [critical]]]),
      notFiring: new Set(['ServiceDown']),
    };
    expect(untestedAlerts([file], coverage)).toEqual(['ServiceDown{severity="warning",team="web"}']);
    coverage.firing.set('ServiceDown', [critical, { ...critical, severity: 'warning' }]);
    expect(untestedAlerts([file], coverage)).toEqual([]);
    // A templated label is the rule's to fill in: any value fires it.
    const templated: Rule = { ...good, labels: { ...good.labels, team: '{{ $labels.team }}' } };
    expect(
      untestedAlerts([fileWith(templated)], {
        ...coverage,
        firing: new Map([['ServiceDown', [{ ...critical, team: 'db' }]]]),
      }),
    ).toEqual([]);
  });
});
