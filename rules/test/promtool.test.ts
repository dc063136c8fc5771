import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { tempDir } from '@vigil/testkit';
import { checkRules, testRules } from '../src/promtool';
import { ruleFilePaths, testFilePaths } from '../src/rulefiles';
import { generate } from '../src/slo/generate';

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

  it("generates tests that pass for a 0/1 gauge left at the default guard, whose one-a-minute samples can't page", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const specs = join(dir, 'specs');
      mkdirSync(specs);
      writeFileSync(
        join(specs, 'probes.yml'),
        [
          'service: probes',
          'team: ops',
          'slos:',
          '  - name: checks',
          '    description: The checks pass',
          '    objective: 99.5',
          '    sli:',
          '      bool_gauge:',
          '        selector: probe_success{service="probes"}',
          '        test_series: probe_success{service="probes",check="http"}',
          '',
        ].join('\n'),
      );
      const out = join(dir, 'generated');
      await generate(specs, out);
      const tests = readdirSync(out).filter((f) => f.endsWith('.test.yml'));
      expect(tests).toHaveLength(1);
      const file = join(out, tests[0] as string);
      expect(readFileSync(file, 'utf8')).toContain('fewer than min_events_to_page (100), does not page');
      const result = testRules(file);
      expect(result.output).toContain('SUCCESS');
      expect(result.ok).toBe(true);
    } finally {
      cleanup();
    }
  });
});
