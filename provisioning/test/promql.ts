import { selectors } from '@vigil/rules';

/**
 * The metric names an expression selects, read with Prometheus's PromQL grammar (@vigil/rules' reader),
 * for checking dashboards and rules against the metrics this repository produces. Grafana's variables are
 * filled in first, so the grammar sees what Prometheus would; an expression it cannot parse throws.
 */
export function metricNames(expr: string): string[] {
  const filled = fillVariables(expr, (name) => BUILT_IN[name] ?? 'x');
  return [...new Set(selectors(filled).flatMap((s) => (s.metric ? [s.metric] : [])))];
}

/** Grafana's built-in interval variables, as a Prometheus duration. */
const BUILT_IN: Record<string, string> = { __rate_interval: '5m', __interval: '1m', __range: '1h' };

/**
 * The expression with every variable ($name, ${name}, ${name:format}, [[name]]) replaced by a value of the
 * right kind (a duration for the built-in intervals, a label value for the dashboard's own variables), as
 * Grafana sends it. Throws for a variable that is neither.
 */
export function withVariables(expr: string, variables: string[]): string {
  return fillVariables(expr, (name, match) => {
    const value = BUILT_IN[name] ?? (variables.includes(name) ? 'x' : undefined);
    if (value === undefined) throw new Error(`${match} is not a variable of the dashboard: ${expr}`);
    return value;
  });
}

/** expr with each variable replaced by what valueOf gives for its name. */
function fillVariables(expr: string, valueOf: (name: string, match: string) => string): string {
  return expr.replace(
    /\$\{([A-Za-z_]\w*)(?::[^}]*)?\}|\$([A-Za-z_]\w*)|\[\[([A-Za-z_]\w*)\]\]/g,
    (match, ...groups) => valueOf((groups[0] ?? groups[1] ?? groups[2]) as string, match),
  );
}
