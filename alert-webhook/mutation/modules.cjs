/**
 * The modules `npm run test:mutation` tests, each run on its own (its own incremental file and score, held
 * to THRESHOLD): the files mutated and the tests (alert-webhook/test/NAME.test.ts) that the run repeats.
 */
const THRESHOLD = 90;

const MODULES = {
  ingest: {
    // The merge reads its state, merges in memory and writes back in multi-row statements (merge-*.ts).
    mutate: ['alert-webhook/src/incidents/ingest.ts', 'alert-webhook/src/incidents/merge-*.ts'],
    // correlation: the merge's correlation lookups (opening under a rule's key, joining an open incident).
    tests: ['ingest', 'merge-*', 'correlation'],
  },
  routing: {
    mutate: ['alert-webhook/src/routing/**/*.ts'],
    tests: ['routing', 'routing-matchers', 'matchers-*', 'hardening-redos'],
  },
  escalation: {
    mutate: ['alert-webhook/src/escalation/**/*.ts'],
    tests: ['escalation', 'escalation-steps', 'escalation-edges', 'merge-scenarios'],
  },
  noise: {
    mutate: ['alert-webhook/src/noise/**/*.ts'],
    // The rules at the database level. The app-level noise-* tests (which npm test runs) would triple the
    // run's time: each test file is loaded again for every mutant.
    tests: ['noise-rules', 'noise-config'],
  },
  oncall: {
    mutate: ['alert-webhook/src/oncall/**/*.ts'],
    tests: ['oncall', 'oncall-*'],
  },
  dispatch: {
    mutate: ['alert-webhook/src/dispatch/**/*.ts'],
    tests: ['dispatch-*', 'notify/failure-log', 'escalation', 'http'],
  },
};

/** The module a run is for (VIGIL_MUTATION_MODULE, set by run.mjs). */
function currentModule() {
  const name = process.env.VIGIL_MUTATION_MODULE ?? '';
  const module = MODULES[name];
  if (!module) {
    throw new Error(
      `VIGIL_MUTATION_MODULE must name a module (${Object.keys(MODULES).join(', ')}); run npm run test:mutation`,
    );
  }
  // VIGIL_MUTATION_TESTS (comma-separated names) runs other tests, e.g. to measure a module's score before new ones.
  const tests = process.env.VIGIL_MUTATION_TESTS?.split(',') ?? module.tests;
  return { name, ...module, tests };
}

module.exports = { THRESHOLD, MODULES, currentModule };
