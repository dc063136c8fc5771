import { selectors } from '../promql';
import type { Rule } from '../rulefiles';
import { OTHER_VIGIL_METRICS, VIGIL_METRICS, exporterMetricNames } from './known-metrics';

/**
 * What is wrong with the selectors of generated rule files, read with the PromQL grammar: an expression
 * that does not parse, or a selector whose metric no known exporter serves and none of these files
 * records. Each problem names the file, the rule and the selector; empty when there is none.
 */
export function selectorProblems(files: Record<string, { groups: { rules: Rule[] }[] }>): string[] {
  const rules = Object.entries(files).flatMap(([file, doc]) =>
    doc.groups.flatMap((g) => g.rules.map((rule) => ({ file, rule }))),
  );
  const known = new Set([
    ...exporterMetricNames(),
    ...Object.keys(VIGIL_METRICS),
    ...OTHER_VIGIL_METRICS,
    ...rules.flatMap(({ rule }) => (rule.record ? [rule.record] : [])),
  ]);
  return rules.flatMap(({ file, rule }) => {
    const where = `${file}: ${rule.record ?? rule.alert}`;
    try {
      return selectors(rule.expr)
        .filter((s) => s.metric === undefined || !known.has(s.metric))
        .map(
          (s) => `${where}: ${s.text} selects no known metric (rules/src/mixin/known-metrics.ts lists them)`,
        );
    } catch (err) {
      return [`${where}: ${(err as Error).message}`];
    }
  });
}
