import { basename } from 'node:path';
import { checkRules, testRules } from '../src/promtool';
import { ruleFilePaths, testFilePaths } from '../src/rulefiles';

describe('promtool', () => {
  it('checks every rule file', () => {
    const result = checkRules(ruleFilePaths());
    expect(result.output).not.toContain('FAILED');
    expect(result.ok).toBe(true);
  });

  it.each(testFilePaths().map((f) => [basename(f), f]))('passes the unit tests of %s', (_name, file) => {
    const result = testRules(file);
    expect(result.output).toContain('SUCCESS');
    expect(result.ok).toBe(true);
  });
});
