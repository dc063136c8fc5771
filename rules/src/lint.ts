import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RUNBOOKS_DIR, runbookUrl } from './paths';
import type { AlertTestCoverage, Rule, RuleFile } from './rulefiles';

export const SEVERITIES = ['critical', 'warning', 'info'];
const REQUIRED_ANNOTATIONS = ['summary', 'description', 'runbook_url'];
/** Labels holding raw request paths or URLs have unbounded values; rules must use the route instead. */
const RAW_PATH_LABEL = /\b(path|url|uri)\s*(=~|!~|!=|=)|\b(by|without)\s*\([^)]*\b(path|url|uri)\b/;

/** An alert that is always true by design (a dead man's switch) needs no `for` and cannot be silent. */
export function alwaysFires(rule: Rule): boolean {
  return /^\s*vector\(\s*1\s*\)\s*$/.test(rule.expr);
}

function alertProblems(rule: Rule & { alert: string }): string[] {
  const problems: string[] = [];
  const labels = rule.labels ?? {};
  const annotations = rule.annotations ?? {};
  if (!/^[A-Z][A-Za-z0-9]*$/.test(rule.alert)) problems.push('name is not CamelCase');
  if (!SEVERITIES.includes(labels.severity ?? ''))
    problems.push(`label severity must be one of ${SEVERITIES.join('|')}`);
  if (!labels.team && !labels.component) problems.push('needs a team or component label');
  for (const a of REQUIRED_ANNOTATIONS) if (!annotations[a]) problems.push(`needs a ${a} annotation`);
  if (annotations.runbook_url && annotations.runbook_url !== runbookUrl(rule.alert))
    problems.push(`runbook_url must be ${runbookUrl(rule.alert)}`);
  if (!existsSync(join(RUNBOOKS_DIR, `${rule.alert}.md`)))
    problems.push(`no runbook rules/runbooks/${rule.alert}.md`);
  if (!rule.for && !alwaysFires(rule)) problems.push('needs a `for` duration');
  return problems;
}

/** Convention problems of every rule in the files, each prefixed with the file, group and rule name. */
export function lintRuleFiles(files: RuleFile[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    for (const group of file.groups) {
      for (const rule of group.rules) {
        const where = `${file.path} group ${group.name} ${rule.alert ? `alert ${rule.alert}` : `record ${rule.record}`}`;
        const own = rule.alert ? alertProblems({ ...rule, alert: rule.alert }) : [];
        if (rule.record && !rule.record.includes(':'))
          own.push('recorded name needs the level:metric:operations form');
        if (RAW_PATH_LABEL.test(rule.expr)) own.push('uses a raw path/url label; use route');
        problems.push(...own.map((p) => `${where}: ${p}`));
      }
    }
  }
  return problems;
}

/**
 * Alerting rules lacking a promtool test that fires them or one that expects silence. A rule is fired by
 * a test whose expected alert carries its static labels (templated ones aside): of two rules sharing a
 * name, as a warning and a critical one do, each needs its own. A rule is named by its alert, and by its
 * static labels too where others share the name.
 */
export function untestedAlerts(files: RuleFile[], coverage: AlertTestCoverage): string[] {
  const alerting = files.flatMap((f) => f.groups.flatMap((g) => g.rules)).filter((r) => r.alert);
  const untested = new Set<string>();
  for (const rule of alerting) {
    const alert = rule.alert as string;
    const fixed = Object.entries(rule.labels ?? {}).filter(([, v]) => !v.includes('{{'));
    const fired = (coverage.firing.get(alert) ?? []).some((labels) =>
      fixed.every(([k, v]) => labels[k] === v),
    );
    const silentTested = alwaysFires(rule) || coverage.notFiring.has(alert);
    if (fired && silentTested) continue;
    const shared = alerting.filter((r) => r.alert === alert).length > 1;
    untested.add(shared ? `${alert}{${fixed.map(([k, v]) => `${k}="${v}"`).join(',')}}` : alert);
  }
  return [...untested].sort();
}

export function ruleStats(files: RuleFile[], coverage: AlertTestCoverage): string {
  const rules = files.flatMap((f) => f.groups.flatMap((g) => g.rules));
  const alerts = rules.filter((r) => r.alert).length;
  const untested = untestedAlerts(files, coverage).length;
  const recording = rules.filter((r) => r.record).length;
  return `rules alerts=${alerts} recording=${recording} tested_alerts=${alerts - untested} untested_alerts=${untested}`;
}
