import {
  formatMatcher,
  matches,
  matchesAll,
  parseMatcher,
  parseMatchers,
  type Matcher,
} from '../src/routing/matchers';

/** The matcher edge cases that a routing or maintenance window typo runs into (issue 23's survivors). */
const plain = (m: Matcher) => ({ name: m.name, op: m.op, value: m.value });
const list = (text: string) => parseMatchers(text).map(plain);

describe('braces', () => {
  it('keeps a closing brace that belongs to an unquoted value', () => {
    expect(list('code=~5\\d{2}')).toEqual([{ name: 'code', op: '=~', value: '5\\d{2}' }]);
    expect(matches(parseMatchers('code=~5\\d{2}')[0]!, { code: '503' })).toBe(true);
  });

  it('reads a repetition brace inside a quoted value, with or without surrounding braces', () => {
    for (const text of ['code=~"5\\d{2}"', '{code=~"5\\d{2}"}', '{code=~5\\d{2}}']) {
      const [m] = parseMatchers(text);
      expect(plain(m!)).toEqual({ name: 'code', op: '=~', value: '5\\d{2}' });
      expect(matches(m!, { code: '503' })).toBe(true);
      expect(matches(m!, { code: '5000' })).toBe(false);
    }
  });

  it('allows whitespace around the braces, between matchers and after a trailing comma', () => {
    const expected = [
      { name: 'a', op: '=', value: 'b' },
      { name: 'c', op: '!=', value: 'd' },
    ];
    expect(list('  { a="b" , c!="d" }  ')).toEqual(expected);
    expect(list('{a="b",c!="d", }')).toEqual(expected);
    expect(list('{ a="b", c!="d",\t}')).toEqual(expected);
    expect(list('a="b", c!="d",  ')).toEqual(expected);
    expect(list('  {  }  ')).toEqual([]);
  });

  it('refuses a brace left open, naming the matcher', () => {
    expect(() => parseMatchers('{a="b"')).toThrow('invalid matcher "{a=\\"b\\""');
    expect(() => parseMatchers('a="b"}')).toThrow(/after the closing double quote/);
  });
});

describe('equality values are text, not regexes', () => {
  it.each(['=', '!='])('accepts %s with regex syntax characters and compares them literally', (op) => {
    const m = parseMatcher(`job${op}"a(b"`);
    expect(plain(m)).toEqual({ name: 'job', op, value: 'a(b' });
    expect(matches(m, { job: 'a(b' })).toBe(op === '=');
    expect(matches(m, { job: 'ab' })).toBe(op === '!=');
    const star = parseMatcher(`job${op}"a.*"`);
    expect(matches(star, { job: 'abc' })).toBe(op === '!=');
    expect(matches(star, { job: 'a.*' })).toBe(op === '=');
  });

  it('refuses the same value as a regex', () => {
    for (const op of ['=~', '!~']) {
      expect(() => parseMatcher(`job${op}"a(b"`)).toThrow(/invalid regular expression/);
    }
  });
});

describe('backslashes', () => {
  it('keeps a trailing backslash of an unquoted value', () => {
    expect(plain(parseMatcher('path=C:\\'))).toEqual({ name: 'path', op: '=', value: 'C:\\' });
  });

  it('reads a backslash before the closing quote as an escaped quote, so the quote is missing', () => {
    expect(() => parseMatcher('path="C:\\"')).toThrow(/missing closing double quote/);
  });

  it('refuses a regex ending in a lone backslash', () => {
    expect(() => parseMatcher('path=~C:\\')).toThrow(/invalid regular expression/);
  });

  it('writes a trailing backslash back so that it reads the same', () => {
    const m = parseMatcher('path=C:\\');
    expect(formatMatcher(m)).toBe('path="C:\\\\"');
    expect(plain(parseMatcher(formatMatcher(m)))).toEqual(plain(m));
  });
});

describe('regexes', () => {
  it('explains what RE2 cannot do', () => {
    expect(() => parseMatcher('a=~"(x)\\1"')).toThrow(/backreferences \(\\1\) are not supported/);
    expect(() => parseMatcher('a=~"x(?=y)"')).toThrow(/lookaround \(\(\?=\) is not supported/);
    expect(() => parseMatcher('a=~"x(?<!y)"')).toThrow(/lookaround \(\(\?<!\) is not supported/);
    expect(() => parseMatcher('a=~"[z-a]"')).toThrow(
      /^invalid matcher .*: invalid regular expression: invalid character class range/,
    );
  });

  it('reads a pattern that is not a regex of its own as Alertmanager does: either side anchored', () => {
    // ^(?:a)|(b)$: starts with a, or ends with b.
    const m = parseMatcher('x=~"a)|(b"');
    expect(matches(m, { x: 'a' })).toBe(true);
    expect(matches(m, { x: 'axx' })).toBe(true);
    expect(matches(m, { x: 'xxb' })).toBe(true);
    expect(matches(m, { x: 'xax' })).toBe(false);
  });

  it('matches the whole value of a regex of its own', () => {
    const m = parseMatcher('x=~"a|b"');
    expect(matches(m, { x: 'a' })).toBe(true);
    expect(matches(m, { x: 'ab' })).toBe(false);
    expect(matches(parseMatcher('x!~"a|b"'), { x: 'ab' })).toBe(true);
  });

  it('compiles each pattern once and stays correct past the cache cap', () => {
    for (let i = 0; i < 1100; i++) expect(matches(parseMatcher(`n=~"v${i}|w"`), { n: `v${i}` })).toBe(true);
    expect(matches(parseMatcher('n=~"v0|w"'), { n: 'v0' })).toBe(true);
    expect(matches(parseMatcher('n=~"v0|w"'), { n: 'v1' })).toBe(false);
  });
});

describe('label names', () => {
  it('never reads a label from Object.prototype', () => {
    expect(matches(parseMatcher('constructor=""'), {})).toBe(true);
    expect(matches(parseMatcher('toString!=""'), {})).toBe(false);
    expect(matches(parseMatcher('__proto__="x"'), JSON.parse('{"__proto__":"x"}'))).toBe(true);
  });

  it('needs every matcher of a list to match', () => {
    const ms = parseMatchers('a="1", b=~"2|3"');
    expect(matchesAll(ms, { a: '1', b: '3' })).toBe(true);
    expect(matchesAll(ms, { a: '1', b: '4' })).toBe(false);
    expect(matchesAll(ms, { a: '0', b: '3' })).toBe(false);
    expect(matchesAll([], {})).toBe(true);
  });
});
