/** Alertmanager label matchers: `name="value"`, `!=`, `=~`, `!~`, alone or as a comma-separated list. */

export type MatchOperator = '=' | '!=' | '=~' | '!~';

export type Labels = Readonly<Record<string, string>>;

export interface Matcher {
  readonly name: string;
  readonly op: MatchOperator;
  readonly value: string;
  /** Compiled for =~ and !~, anchored at both ends as Alertmanager does. */
  readonly regex?: RegExp;
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

/**
 * Anchors the pattern like Alertmanager's `^(?:…)$`. A leading `(?i)`, common in Alertmanager configs, becomes
 * the `i` flag, since JavaScript regexes have no inline flags; the rest is JavaScript regex syntax.
 */
function compile(pattern: string): RegExp {
  const insensitive = pattern.startsWith('(?i)');
  const body = insensitive ? pattern.slice(4) : pattern;
  try {
    return new RegExp(`^(?:${body})$`, insensitive ? 'i' : '');
  } catch (err) {
    throw new MatcherSyntaxError(`invalid regular expression: ${(err as Error).message}`);
  }
}

export function parseMatcher(text: string): Matcher {
  const parts = MATCHER.exec(text);
  if (!parts) throw new MatcherSyntaxError(`invalid matcher ${JSON.stringify(text)}: expected name="value"`);
  const [, name, op, raw] = parts as unknown as [string, string, MatchOperator, string];
  try {
    const value = unquote(raw);
    return op === '=~' || op === '!~' ? { name, op, value, regex: compile(value) } : { name, op, value };
  } catch (err) {
    throw new MatcherSyntaxError(`invalid matcher ${JSON.stringify(text)}: ${(err as Error).message}`);
  }
}

/** Splits on commas outside double quotes; surrounding braces and a trailing comma are optional. */
export function parseMatchers(text: string): Matcher[] {
  const inner = text.trim().replace(/^\{/, '').replace(/\}$/, '');
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

/** A label that is absent counts as the empty string, so `team!="db"` matches alerts without a team. */
export function matches(matcher: Matcher, labels: Labels): boolean {
  const value = labels[matcher.name] ?? '';
  switch (matcher.op) {
    case '=':
      return value === matcher.value;
    case '!=':
      return value !== matcher.value;
    case '=~':
      return (matcher.regex as RegExp).test(value);
    case '!~':
      return !(matcher.regex as RegExp).test(value);
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
