import { lintRuleFiles, ruleStats, untestedAlerts } from '../lint';
import { checkRules, testRules } from '../promtool';
import { alertTestCoverage, readRuleFile, ruleFilePaths, testFilePaths } from '../rulefiles';

/** promtool check + test on every file, then the conventions lint; the last line is the rule statistics. */
function main(): number {
  const ruleFiles = ruleFilePaths();
  const testFiles = testFilePaths();
  let failed = false;
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
  return failed || problems.length > 0 ? 1 : 0;
}

process.exitCode = main();
