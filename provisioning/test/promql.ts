/**
 * Just enough PromQL lexing to list the metric names an expression selects, for checking dashboards
 * against the metrics this repository produces. promtool checks the syntax; this assumes it is valid.
 */

/** Words that are neither metrics nor followed by "(" as functions are. */
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan', 'atan2']);
/** Aggregations may take their grouping before the parenthesis: `sum by (x) (…)`. */
const AGGREGATIONS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
]);

export function metricNames(expr: string): string[] {
  const bare = expr
    // Strings, label matchers and ranges hold no metric names.
    .replace(/"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    // Nor do the label lists of grouping and matching modifiers.
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '$1');
  const names = new Set<string>();
  // Not preceded by a word character or a dot: 1e3, 0x1f and 5m are numbers and durations.
  for (const [, name, call] of bare.matchAll(/(?<![\w:.])([A-Za-z_:][\w:]*)(\s*\()?/g)) {
    const word = name as string;
    const grouping = /^(by|without|on|ignoring|group_left|group_right)$/.test(word);
    if (call || grouping || KEYWORDS.has(word.toLowerCase()) || AGGREGATIONS.has(word)) continue;
    names.add(word);
  }
  return [...names];
}

/** Grafana's built-in interval variables, as a Prometheus duration. */
const BUILT_IN: Record<string, string> = { __rate_interval: '5m', __interval: '1m', __range: '1h' };

/**
 * The expression with every variable ($name, ${name}, ${name:format}, [[name]]) replaced by a value of the
 * right kind (a duration for the built-in intervals, a label value for the dashboard's own variables), as
 * Grafana sends it. Throws for a variable that is neither.
 */
export function withVariables(expr: string, variables: string[]): string {
  return expr.replace(
    /\$\{([A-Za-z_]\w*)(?::[^}]*)?\}|\$([A-Za-z_]\w*)|\[\[([A-Za-z_]\w*)\]\]/g,
    (match, ...groups) => {
      const name = (groups[0] ?? groups[1] ?? groups[2]) as string;
      const value = BUILT_IN[name] ?? (variables.includes(name) ? 'x' : undefined);
      if (value === undefined) throw new Error(`${match} is not a variable of the dashboard: ${expr}`);
      return value;
    },
  );
}
