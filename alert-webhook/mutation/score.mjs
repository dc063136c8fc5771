/**
 * A module's mutation score from Stryker's JSON report: killed and timed-out mutants over those that ran or
 * were not covered, leaving out the ones equivalent.json lists (matched by file, mutator, replacement and
 * the text of the mutated line, so that they stay matched when lines move).
 */
export function moduleScore(report, equivalent, root) {
  let detected = 0;
  let survived = 0;
  let noCoverage = 0;
  let equivalentCount = 0;
  const undetected = [];
  for (const [file, result] of Object.entries(report.files)) {
    const relative = file.startsWith(root) ? file.slice(root.length + 1) : file;
    const lines = result.source.split('\n');
    for (const m of result.mutants) {
      const line = (lines[m.location.start.line - 1] ?? '').trim();
      const listed = equivalent.some(
        (e) =>
          e.file === relative &&
          e.mutator === m.mutatorName &&
          e.replacement === m.replacement &&
          e.line === line,
      );
      if (m.status === 'Killed' || m.status === 'Timeout') detected++;
      else if (m.status !== 'Survived' && m.status !== 'NoCoverage') continue;
      else if (listed) equivalentCount++;
      else {
        if (m.status === 'Survived') survived++;
        else noCoverage++;
        undetected.push(
          `${relative}:${m.location.start.line} ${m.status} ${m.mutatorName} ${JSON.stringify(m.replacement)}: ${line}`,
        );
      }
    }
  }
  const total = detected + survived + noCoverage;
  return {
    score: total === 0 ? 100 : (100 * detected) / total,
    detected,
    survived,
    noCoverage,
    equivalent: equivalentCount,
    undetected,
  };
}
