import { regexProblem, regexSchema } from '../src/regex';

describe('regexProblem', () => {
  it('accepts JavaScript patterns that the linear-time engine runs, named groups included', () => {
    expect(regexProblem('^(?<status>[1-5]\\d\\d) [Ee]rror[^]*$')).toBeUndefined();
    expect(regexSchema.parse('(?<user>\\w+)@').exec('ann@host')?.groups).toEqual({ user: 'ann' });
  });

  it('names the JavaScript form of Go (RE2) syntax pasted from a blackbox.yml', () => {
    expect(regexProblem('^(?P<code>\\d+)$')).toBe(
      'Invalid regular expression: /^(?P<code>\\d+)$/: Invalid group; a named group is (?<name>…) in JavaScript, not (?P<name>…)',
    );
    const flags = regexProblem('(?i)error');
    expect(flags).toMatch(/^Invalid regular expression: \/\(\?i\)error\/: Invalid group; /);
    expect(flags).toContain('JavaScript has no inline flags such as (?i)');
    expect(flags).toContain('([Ee]rror)');
    // Both at once, and the scoped form (?s:…).
    expect(regexProblem('(?s:a.b)(?P<x>c)')?.split('; ')).toHaveLength(3);
  });

  it('says what a quantifier after an anchor means, where V8 says only "Nothing to repeat"', () => {
    expect(regexProblem('^+OK')).toBe(
      'Invalid regular expression: /^+OK/: Nothing to repeat; a quantifier after ^ or $ repeats nothing: write \\+ for a literal "+" (as in "^\\+OK")',
    );
    expect(regexProblem('a**')).toBe('Invalid regular expression: /a**/: Nothing to repeat');
  });

  it('gives no hint where the pattern has no RE2 syntax', () => {
    expect(regexProblem('(?<n')).toBe('Invalid regular expression: /(?<n/: Invalid capture group name');
    expect(regexProblem('a)')).toBe("Invalid regular expression: /a)/: Unmatched ')'");
  });

  it('refuses backreferences and lookarounds, which only backtracking can run', () => {
    for (const pattern of ['(a)\\1', 'a(?=b)', '(?<=a)b', '(?<!a)b'])
      expect(regexProblem(pattern)).toMatch(/can only run by backtracking/);
  });
});
