import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { GENERATED_DIR, HANDWRITTEN_DIR } from './paths';

export interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface RuleFile {
  path: string;
  groups: { name: string; rules: Rule[] }[];
}

interface PromtoolTestFile {
  tests?: {
    alert_rule_test?: {
      alertname: string;
      exp_alerts?: { exp_labels?: Record<string, string | number> }[];
    }[];
  }[];
}

const RULE_DIRS = [HANDWRITTEN_DIR, GENERATED_DIR];

function filesEndingWith(suffix: string): string[] {
  return RULE_DIRS.flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith(suffix))
      .sort()
      .map((f) => join(dir, f)),
  );
}

/** Every Prometheus rule file of the suite, hand-written and generated. */
export const ruleFilePaths = () => filesEndingWith('.rules.yml');
/** Every promtool unit-test file. */
export const testFilePaths = () => filesEndingWith('.test.yml');

export function readRuleFile(path: string): RuleFile {
  const doc = yaml.load(readFileSync(path, 'utf8')) as { groups: RuleFile['groups'] };
  return { path, groups: doc.groups };
}

export interface AlertTestCoverage {
  /** By alert name, the labels of each alert some test expects to fire. */
  firing: Map<string, Record<string, string>[]>;
  /** Alert names some test expects to stay silent (`exp_alerts: []` holds for every rule of the name). */
  notFiring: Set<string>;
}

/** Which alerts some promtool test expects to fire, with their labels, and which it expects to stay silent. */
export function alertTestCoverage(testFiles: string[]): AlertTestCoverage {
  const coverage: AlertTestCoverage = { firing: new Map(), notFiring: new Set() };
  for (const file of testFiles) {
    const doc = yaml.load(readFileSync(file, 'utf8')) as PromtoolTestFile;
    for (const group of doc.tests ?? []) {
      for (const t of group.alert_rule_test ?? []) {
        if (!t.exp_alerts?.length) coverage.notFiring.add(t.alertname);
        for (const expected of t.exp_alerts ?? []) {
          const labels = Object.fromEntries(
            Object.entries(expected.exp_labels ?? {}).map(([k, v]) => [k, String(v)]),
          );
          coverage.firing.set(t.alertname, [...(coverage.firing.get(t.alertname) ?? []), labels]);
        }
      }
    }
  }
  return coverage;
}
