import { regexProblem } from '@vigil/service-kit';
type LezerPromql = typeof import('@prometheus-io/lezer-promql', { with: { 'resolution-mode': 'import' } });
// The package declares only ES module types, but its require entry (dist/index.cjs) is CommonJS, which is
// what this CommonJS package loads on Node 20.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parser } = require('@prometheus-io/lezer-promql') as LezerPromql;

/**
 * PromQL read with Prometheus's own grammar (the lezer parser its web UI uses), so that selectors are
 * found and checked as Prometheus reads them rather than by regular expressions.
 */
export class PromqlError extends Error {
  override name = 'PromqlError';
}

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  label: string;
  op: MatchOp;
  value: string;
}

export interface Selector {
  /** The metric name, whether written before the braces or as a __name__="..." matcher. */
  metric?: string;
  /** Every matcher but the one giving the metric name. */
  matchers: Matcher[];
  /** The selector as written. */
  text: string;
}

type Node = ReturnType<typeof parser.parse>['topNode'];

/** The syntax tree of expr; throws PromqlError pointing at the first place the grammar rejects. */
export function parsePromql(expr: string): Node {
  const tree = parser.parse(expr);
  let error: number | undefined;
  tree.iterate({
    enter(node) {
      if (error === undefined && node.type.isError) error = node.from;
      return error === undefined;
    },
  });
  if (error !== undefined) {
    const near = expr.slice(error, error + 20);
    const where = near ? `at "${near}"` : 'at the end';
    throw new PromqlError(
      `cannot parse ${JSON.stringify(expr)}: unexpected input ${where} (column ${error + 1})`,
    );
  }
  return tree.topNode;
}

/** The value of a PromQL string literal: "double" and 'single' quoted with escapes, or `raw`. */
function stringValue(literal: string): string {
  const quote = literal[0];
  const body = literal.slice(1, -1);
  if (quote === '`') return body;
  const escaped = quote === "'" ? body.replace(/\\'/g, "'").replace(/"/g, '\\"') : body;
  try {
    return JSON.parse(`"${escaped}"`) as string;
  } catch {
    throw new PromqlError(`cannot read the string ${literal}`);
  }
}

function selectorOf(node: Node, expr: string): Selector {
  const text = (n: Node) => expr.slice(n.from, n.to);
  let metric = node.getChild('Identifier') ? text(node.getChild('Identifier') as Node) : undefined;
  const matchers: Matcher[] = [];
  for (const m of node.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher') ?? []) {
    const label = text(m.getChild('LabelName') as Node);
    const op = text(m.getChild('MatchOp') as Node) as MatchOp;
    const value = stringValue(text(m.getChild('StringLiteral') as Node));
    if (label === '__name__' && op === '=') metric = value;
    else matchers.push({ label, op, value });
  }
  for (const m of node.getChild('LabelMatchers')?.getChildren('QuotedLabelMatcher') ?? []) {
    throw new PromqlError(`quoted label names (${text(m)}) need Prometheus 3; Vigil's rules run on 2.x too`);
  }
  if (node.getChild('LabelMatchers')?.getChild('QuotedLabelName')) {
    throw new PromqlError(
      `a quoted metric name in ${text(node)} needs Prometheus 3; Vigil's rules run on 2.x too`,
    );
  }
  return { metric, matchers, text: text(node) };
}

/** Every vector selector of expr, in the order written (those inside range selectors included). */
export function selectors(expr: string): Selector[] {
  const found: Selector[] = [];
  parsePromql(expr)
    .cursor()
    .iterate((ref) => {
      if (ref.name !== 'VectorSelector') return true;
      found.push(selectorOf(ref.node, expr));
      return false;
    });
  return found;
}

/** text as a lone vector selector, e.g. http_requests_total{service="demo"}; throws if it is anything else. */
export function vectorSelector(text: string): Selector {
  const expr = parsePromql(text).firstChild;
  if (!expr || expr.name !== 'VectorSelector' || expr.from !== 0 || expr.to !== text.trimEnd().length) {
    throw new PromqlError(
      `${JSON.stringify(text)} is not a series selector: write metric{label="value",...}`,
    );
  }
  const selector = selectorOf(expr, text);
  if (selector.metric === undefined) throw new PromqlError(`${JSON.stringify(text)} names no metric`);
  return selector;
}

/** Whether a series with these labels is selected by the matchers (regexes anchored, as in PromQL). */
export function matches(matchers: readonly Matcher[], labels: Record<string, string>): boolean {
  return matchers.every(({ label, op, value }) => {
    const actual = labels[label] ?? '';
    if (op === '=') return actual === value;
    if (op === '!=') return actual !== value;
    const full = new RegExp(`^(?:${value})$`).test(actual);
    return op === '=~' ? full : !full;
  });
}

/**
 * Problems with the regular expressions of =~ and !~ matchers: one JavaScript compiles but RE2 (Prometheus's
 * engine) refuses, a lookahead or a backreference, would pass here and fail at Prometheus's load.
 */
export function regexProblems(selector: Selector): string[] {
  return selector.matchers
    .filter((m) => m.op === '=~' || m.op === '!~')
    .flatMap((m) => {
      const problem = regexProblem(m.value);
      return problem
        ? [
            `${m.label}${m.op}${JSON.stringify(m.value)} is not a regular expression Prometheus takes: ${problem}`,
          ]
        : [];
    });
}

/** The selector written back, matchers in the given order. */
export function formatSelector(metric: string, matchers: readonly Matcher[]): string {
  if (!matchers.length) return metric;
  return `${metric}{${matchers.map((m) => `${m.label}${m.op}${JSON.stringify(m.value)}`).join(',')}}`;
}
