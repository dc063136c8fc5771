// `npm run test:mutation [-- MODULE... | --changed [BASE]] [--score-only] [--force]`: Stryker over each module of
// modules.cjs in turn (incremental: only mutants whose code or covering tests changed are tested again), then
// each module's score with the equivalent mutants of equivalent.json left out, failing below the threshold.
// --score-only scores the last report of each module (reports/mutation/NAME.json) without running Stryker,
// e.g. after a run of part of a module (`npx stryker run stryker.config.mjs --mutate FILE:LINES`).
// --force tests every mutant again: incremental mode keeps the earlier result of a mutant that Stryker
// does not see as covered by a new test (those run when the module loads, such as schema definitions).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path, { join } from 'node:path';
import modules from './modules.cjs';
import { moduleScore } from './score.mjs';

const root = join(import.meta.dirname, '..', '..');
const { MODULES, THRESHOLD } = modules;

function changedModules(base) {
  const diff = (args) =>
    execFileSync('git', ['diff', '--name-only', ...args], { cwd: root, encoding: 'utf8' });
  const files = new Set(
    [...diff([`${base}...HEAD`]).split('\n'), ...diff(['HEAD']).split('\n')].filter(Boolean),
  );
  return Object.keys(MODULES).filter((name) => {
    const { mutate, tests } = MODULES[name];
    const globs = [...mutate, ...tests.map((t) => `alert-webhook/test/${t}.test.ts`)];
    return [...files].some((f) => globs.some((g) => path.matchesGlob(f, g)));
  });
}

const args = process.argv.slice(2);
const scoreOnly = args.includes('--score-only');
const force = args.includes('--force');
const changedAt = args.indexOf('--changed');
let names = args.filter((a) => !a.startsWith('--'));
if (changedAt !== -1)
  names = changedModules(
    args[changedAt + 1] && !args[changedAt + 1].startsWith('--') ? args[changedAt + 1] : 'origin/main',
  );
else if (names.length === 0) names = Object.keys(MODULES);
for (const name of names)
  if (!MODULES[name]) throw new Error(`unknown module ${name}: one of ${Object.keys(MODULES).join(', ')}`);
if (names.length === 0) console.log('test:mutation: no module changed');

const equivalent = JSON.parse(readFileSync(join(import.meta.dirname, 'equivalent.json'), 'utf8'));
const rows = [];
for (const name of names) {
  const started = Date.now();
  const run = scoreOnly
    ? { status: 0 }
    : spawnSync('npx', ['stryker', 'run', 'stryker.config.mjs', ...(force ? ['--force'] : [])], {
        cwd: root,
        stdio: 'inherit',
        env: { ...process.env, VIGIL_MUTATION_MODULE: name },
      });
  const report = join(root, 'reports', 'mutation', `${name}.json`);
  if (run.status !== 0 || !existsSync(report)) {
    rows.push({ name, error: scoreOnly ? `no report ${report}` : `stryker exited with ${run.status}` });
    continue;
  }
  const score = moduleScore(JSON.parse(readFileSync(report, 'utf8')), equivalent, root);
  rows.push({ name, seconds: Math.round((Date.now() - started) / 1000), ...score });
}

console.log(`\nmutation score per module (threshold ${THRESHOLD}%; equivalent mutants left out):`);
for (const r of rows) {
  if (r.error) console.log(`  ${r.name}: FAILED, ${r.error}`);
  else {
    console.log(
      `  ${r.name}: ${r.score.toFixed(2)}% (${r.detected} detected, ${r.survived} survived, ${r.noCoverage} not covered, ${r.equivalent} equivalent) in ${r.seconds}s`,
    );
    for (const m of r.undetected) console.log(`    ${m}`);
  }
}
const failed = rows.filter((r) => r.error || r.score < THRESHOLD);
if (failed.length > 0) {
  console.error(`below ${THRESHOLD}%: ${failed.map((r) => r.name).join(', ')}`);
  process.exit(1);
}
