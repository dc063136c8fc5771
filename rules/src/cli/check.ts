import { relative } from 'node:path';
import { lintRuleFiles, ruleStats, untestedAlerts } from '../lint';
import { GENERATED_DIR, RULES_ROOT, SPECS_DIR } from '../paths';
import { staleFiles } from '../slo/generate';
import { checkRules, testRules } from '../promtool';
import { alertTestCoverage, readRuleFile, ruleFilePaths, testFilePaths } from '../rulefiles';

/**
 * Generated files up to date, promtool check + test on every file, then the conventions lint; the last line
 * is the rule statistics.
 */
async function main(): Promise<void> {
  let failed = false;
  try {
    for (const s of await staleFiles(SPECS_DIR, GENERATED_DIR)) {
      console.error(`${relative(`${RULES_ROOT}/..`, s)} (run npm run rules:generate)`);
      failed = true;
    }
  } catch (err) {
    // A spec the generator refuses, named as it refuses it.
    console.error(err instanceof Error ? err.message : err);
    failed = true;
  }
  const ruleFiles = ruleFilePaths();
  const testFiles = testFilePaths();
  const check = checkRules(ruleFiles);
  if (!check.ok) {
    console.error(check.output);
    failed = true;
  }
  // An alert counts as tested only by test files that pass.
  const passing = testFiles.filter((file) => {
    const result = testRules(file);
    if (!result.ok) console.error(result.output);
    return result.ok;
  });
  failed ||= passing.length < testFiles.length;
  const parsed = ruleFiles.map(readRuleFile);
  const coverage = alertTestCoverage(passing);
  const problems = [
    ...lintRuleFiles(parsed),
    ...untestedAlerts(parsed, coverage).map(
      (a) => `alert ${a}: needs promtool tests that fire it and that do not`,
    ),
  ];
  for (const p of problems) console.error(p);
  console.log(
    `promtool: ${ruleFiles.length} rule files, ${testFiles.length} test files; ${problems.length} lint problems`,
  );
  console.log(ruleStats(parsed, coverage));
  process.exitCode = failed || problems.length > 0 ? 1 : 0;
}

void main();
