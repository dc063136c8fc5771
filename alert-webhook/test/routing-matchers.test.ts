import {
  compiledPatterns,
  formatMatcher,
  MAX_COMPILED,
  matches,
  MatcherSyntaxError,
  parseMatcher,
  parseMatchers,
  type Matcher,
} from '../src/routing/matchers';

const plain = (m: Matcher) => ({ name: m.name, op: m.op, value: m.value });

describe('parseMatcher', () => {
  it.each([
    ['severity="critical"', { name: 'severity', op: '=', value: 'critical' }],
    ['severity=critical', { name: 'severity', op: '=', value: 'critical' }],
    ['  team != "db"  ', { name: 'team', op: '!=', value: 'db' }],
    ['team=~"db|infra"', { name: 'team', op: '=~', value: 'db|infra' }],
    ['job!~"node.*"', { name: 'job', op: '!~', value: 'node.*' }],
    ['instance="a:9100"', { name: 'instance', op: '=', value: 'a:9100' }],
    ['team=""', { name: 'team', op: '=', value: '' }],
    ['team=', { name: 'team', op: '=', value: '' }],
    ['__name__:x="y"', { name: '__name__:x', op: '=', value: 'y' }],
    ['summary="say \\"hi\\", twice"', { name: 'summary', op: '=', value: 'say "hi", twice' }],
    ['path="C:\\\\temp"', { name: 'path', op: '=', value: 'C:\\temp' }],
    ['text="a\\nb"', { name: 'text', op: '=', value: 'a\nb' }],
    // A backslash before anything else is kept, so that regex escapes need no doubling.
    ['code=~"5\\d\\d"', { name: 'code', op: '=~', value: '5\\d\\d' }],
    ['spaces="  a b  "', { name: 'spaces', op: '=', value: '  a b  ' }],
  ])('reads %s', (text, expected) => {
    expect(plain(parseMatcher(text))).toEqual(expected);
  });

  it.each([
    ['severity', /expected name="value"/],
    ['1team="x"', /expected name="value"/],
    ['sev erity="x"', /expected name="value"/],
    ['team=="x"', /unescaped double quote/],
    ['team="db', /missing closing double quote/],
    ['team="db"x', /after the closing double quote/],
    ['team=d"b', /unescaped double quote/],
    ['team="d"b"', /after the closing double quote/],
    ['team=~"(db"', /invalid regular expression/],
  ])('refuses %s', (text, message) => {
    expect(() => parseMatcher(text)).toThrow(MatcherSyntaxError);
    expect(() => parseMatcher(text)).toThrow(message);
  });

  it('names the matcher it refuses', () => {
    expect(() => parseMatcher('team=~"(db"')).toThrow('invalid matcher "team=~\\"(db\\"": invalid regular');
  });

  it("says what RE2 cannot do, in RE2's words without its prefix", () => {
    const why = (text: string) => {
      try {
        parseMatcher(text);
      } catch (err) {
        return { name: (err as Error).name, message: (err as Error).message };
      }
      throw new Error(`${text} was accepted`);
    };
    expect(why('x=~"(a)\\2"')).toEqual({
      name: 'MatcherSyntaxError',
      message:
        'invalid matcher "x=~\\"(a)\\\\2\\"": invalid regular expression: backreferences (\\2) are not supported: matchers are RE2 regular expressions, as in Alertmanager',
    });
    expect(why('x=~"a("').message).toBe(
      'invalid matcher "x=~\\"a(\\"": invalid regular expression: missing closing ): `^(?:a()$`',
    );
  });

  it('keeps at most MAX_COMPILED compiled patterns, dropping the oldest', () => {
    const labels = { x: 'v' };
    const before = compiledPatterns();
    matches({ name: 'x', op: '=~', value: 'cap-first-.*' }, labels);
    matches({ name: 'x', op: '=~', value: 'cap-second-.*' }, labels);
    expect(compiledPatterns()).toBe(Math.min(before + 2, MAX_COMPILED));
    for (let i = 0; i < MAX_COMPILED + 5; i++) matches({ name: 'x', op: '=~', value: `cap-${i}` }, labels);
    expect(compiledPatterns()).toBe(MAX_COMPILED);
    // The dropped patterns are compiled again when needed, and still match as before.
    expect(matches({ name: 'x', op: '=~', value: 'cap-first-.*' }, { x: 'cap-first-1' })).toBe(true);
  });
});

describe('parseMatchers', () => {
  it('splits on commas outside quotes, with optional braces and trailing comma', () => {
    expect(parseMatchers('{severity="critical", summary="a, b", team=~"db|infra",}').map(plain)).toEqual([
      { name: 'severity', op: '=', value: 'critical' },
      { name: 'summary', op: '=', value: 'a, b' },
      { name: 'team', op: '=~', value: 'db|infra' },
    ]);
  });

  it('keeps an escaped quote from closing the quoted part', () => {
    expect(parseMatchers('a="x\\",y", b=z').map(plain)).toEqual([
      { name: 'a', op: '=', value: 'x",y' },
      { name: 'b', op: '=', value: 'z' },
    ]);
  });

  it('reads an empty list', () => {
    expect(parseMatchers('')).toEqual([]);
    expect(parseMatchers('{}')).toEqual([]);
  });

  it('refuses an empty matcher between commas', () => {
    expect(() => parseMatchers('a=b,,c=d')).toThrow(MatcherSyntaxError);
  });

  it('removes braces only around the whole list', () => {
    expect(() => parseMatchers('{a=b}c')).toThrow('invalid matcher "{a=b}c": expected name="value"');
  });

  it('lets a leading double quote open a quoted part', () => {
    expect(() => parseMatchers('",a="b"')).toThrow('invalid matcher "\\",a=\\"b\\"": expected name="value"');
  });
});

describe('matches', () => {
  const labels = { severity: 'critical', team: 'db', code: '503' };
  const m = (text: string) => matches(parseMatcher(text), labels);

  it('compares equality and inequality', () => {
    expect(m('severity="critical"')).toBe(true);
    expect(m('severity="Critical"')).toBe(false);
    expect(m('severity!="warning"')).toBe(true);
    expect(m('severity!="critical"')).toBe(false);
  });

  it('anchors regexes at both ends', () => {
    expect(m('team=~"d"')).toBe(false);
    expect(m('team=~"db|infra"')).toBe(true);
    expect(m('team=~"infra|d"')).toBe(false);
    expect(m('code=~"5\\d\\d"')).toBe(true);
    expect(m('code=~"5\\d"')).toBe(false);
    expect(m('team!~"d"')).toBe(true);
    expect(m('team!~"d."')).toBe(false);
  });

  it('treats a missing label as the empty string', () => {
    expect(m('env=""')).toBe(true);
    expect(m('env!="prod"')).toBe(true);
    expect(m('env=~".*"')).toBe(true);
    expect(m('env=~".+"')).toBe(false);
    expect(m('env!~"prod|staging"')).toBe(true);
  });

  it('turns a leading (?i) into a case-insensitive match', () => {
    expect(m('severity=~"(?i)CRITICAL|warning"')).toBe(true);
    expect(m('severity=~"CRITICAL"')).toBe(false);
  });
});

describe('formatMatcher', () => {
  it.each([
    'severity="critical"',
    'team!~"db|infra"',
    'summary="say \\"hi\\"\\n\\\\ done"',
    'code=~"5\\\\d"',
  ])('writes %s back as it reads it', (text) => {
    expect(formatMatcher(parseMatcher(text))).toBe(text);
  });

  it('quotes an unquoted value', () => {
    expect(formatMatcher(parseMatcher('severity = critical'))).toBe('severity="critical"');
  });
});
