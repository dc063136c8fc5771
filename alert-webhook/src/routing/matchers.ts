import { RE2JS } from 're2js';

/** Alertmanager label matchers: `name="value"`, `!=`, `=~`, `!~`, alone or as a comma-separated list. */

export type MatchOperator = '=' | '!=' | '=~' | '!~';

export type Labels = Readonly<Record<string, string>>;

/**
 * Plain data, so that it crosses to the merge thread as it is; the regular expression of `=~` and `!~` is
 * compiled once per thread and pattern (see `compile`).
 */
export interface Matcher {
  readonly name: string;
  readonly op: MatchOperator;
  readonly value: string;
}

export class MatcherSyntaxError extends Error {
  override name = 'MatcherSyntaxError';
}

// `=~` is listed before `=` so that the `~` is not read as the first character of the value.
const MATCHER = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|!~|!=|=)\s*([\s\S]*?)\s*$/;

/**
 * Reads the value the way Alertmanager's classic parser does: optionally double-quoted, with `\"`, `\\`
 * and `\n` as escapes; any other backslash is kept, so regexes like `5\d\d` need no doubling.
 */
function unquote(raw: string): string {
  const quoted = raw.startsWith('"');
  const body = quoted ? raw.slice(1) : raw;
  let out = '';
  let closed = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (closed) throw new MatcherSyntaxError('unexpected text after the closing double quote');
    if (c === '\\' && i + 1 < body.length) {
      const next = body[++i] as string;
      out += next === 'n' ? '\n' : next === '"' || next === '\\' ? next : `\\${next}`;
    } else if (c === '"') {
      if (!quoted) throw new MatcherSyntaxError('unescaped double quote in the value');
      closed = true;
    } else {
      out += c;
    }
  }
  if (quoted && !closed) throw new MatcherSyntaxError('missing closing double quote');
  return out;
}

/** A compiled matcher regex: `test` runs in time linear in the value's length, whatever the pattern. */
interface Pattern {
  test(value: string): boolean;
}

/** Compiled patterns of this thread by their text; the oldest goes first past the cap (API-made windows add some). */
const compiled = new Map<string, Pattern>();
export const MAX_COMPILED = 1000;

/** How many compiled patterns this thread keeps (for tests of the cap). */
export const compiledPatterns = (): number => compiled.size;

function explain(err: Error, pattern: string): string {
  const why = err.message.replace(/^error parsing regexp: /, '');
  const backreference = /invalid escape sequence: `(\\[1-9])/.exec(why);
  if (backreference) {
    return `backreferences (${backreference[1]}) are not supported: matchers are RE2 regular expressions, as in Alertmanager`;
  }
  const look = /\(\?<?[=!]/.exec(pattern);
  if (look) {
    return `lookaround (${look[0]}) is not supported: matchers are RE2 regular expressions, as in Alertmanager`;
  }
  return why;
}

/**
 * Compiles a matcher regex as Alertmanager does: RE2 syntax (Go's regexp, inline flags such as `(?i)`
 * included), anchored as `^(?:…)$`, run by RE2's linear-time engine (re2js): no pattern can make a match
 * backtrack for seconds. What RE2 cannot express (backreferences, lookaround) is refused.
 */
function compile(pattern: string): Pattern {
  const known = compiled.get(pattern);
  if (known) return known;
  let re: RE2JS;
  try {
    re = RE2JS.compile(`^(?:${pattern})$`);
  } catch (err) {
    throw new MatcherSyntaxError(`invalid regular expression: ${explain(err as Error, pattern)}`);
  }
  // A pattern that is a regex of its own (nearly all) needs a match of the whole value: testExact, RE2's
  // fastest path. One that is not, such as `a)|(b`, means what Alertmanager's `^(?:a)|(b)$` means: a search.
  let whole = true;
  try {
    RE2JS.compile(pattern);
  } catch {
    whole = false;
  }
  const compiledPattern: Pattern = whole ? { test: (v) => re.testExact(v) } : { test: (v) => re.test(v) };
  if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value as string);
  compiled.set(pattern, compiledPattern);
  return compiledPattern;
}

export function parseMatcher(text: string): Matcher {
  const parts = MATCHER.exec(text);
  if (!parts) throw new MatcherSyntaxError(`invalid matcher ${JSON.stringify(text)}: expected name="value"`);
  const [, name, op, raw] = parts as unknown as [string, string, MatchOperator, string];
  try {
    const value = unquote(raw);
    if (op === '=~' || op === '!~') compile(value);
    return { name, op, value };
  } catch (err) {
    throw new MatcherSyntaxError(`invalid matcher ${JSON.stringify(text)}: ${(err as Error).message}`);
  }
}

/**
 * Splits on commas outside double quotes; surrounding braces and a trailing comma are optional. Braces
 * are removed only as a pair, so a closing brace of an unquoted value (`code=~5\d{2}`) stays in it.
 */
export function parseMatchers(text: string): Matcher[] {
  const trimmed = text.trim();
  const inner = /^\{[\s\S]*\}$/.test(trimmed) ? trimmed.slice(1, -1) : trimmed;
  const tokens: string[] = [];
  let token = '';
  let quoted = false;
  let escaped = false;
  for (const c of inner) {
    if (c === ',' && !quoted) {
      tokens.push(token);
      token = '';
      continue;
    }
    if (c === '"' && !escaped) quoted = !quoted;
    escaped = c === '\\' && !escaped;
    token += c;
  }
  if (token.trim() !== '') tokens.push(token);
  return tokens.map(parseMatcher);
}

/**
 * A label that is absent counts as the empty string, so `team!="db"` matches alerts without a team. Only the
 * labels' own keys count: `constructor` or `__proto__` is a label like any other, never Object's.
 */
export function matches(matcher: Matcher, labels: Labels): boolean {
  const value = Object.hasOwn(labels, matcher.name) ? (labels[matcher.name] as string) : '';
  switch (matcher.op) {
    case '=':
      return value === matcher.value;
    case '!=':
      return value !== matcher.value;
    case '=~':
      return compile(matcher.value).test(value);
    case '!~':
      return !compile(matcher.value).test(value);
  }
}

export function matchesAll(matchers: readonly Matcher[], labels: Labels): boolean {
  return matchers.every((m) => matches(m, labels));
}

/** The canonical text of a matcher, which parseMatcher reads back to the same matcher. */
export function formatMatcher(m: Matcher): string {
  const escaped = m.value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  return `${m.name}${m.op}"${escaped}"`;
}
