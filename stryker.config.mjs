// Mutation testing of the code that decides who gets paged, one module per run: `npm run test:mutation`
// (alert-webhook/mutation/run.mjs) sets VIGIL_MUTATION_MODULE and checks each module's score.
import modules from './alert-webhook/mutation/modules.cjs';

const module = modules.currentModule();

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    configFile: 'alert-webhook/mutation/jest.config.js',
    enableFindRelatedTests: false,
  },
  coverageAnalysis: 'perTest',
  mutate: module.mutate,
  // The sandbox holds what the tests load; node_modules is linked, not copied.
  ignorePatterns: [
    '/*',
    '!/alert-webhook',
    '!/packages',
    '!/package.json',
    '!/jest.config.js',
    '!/tsconfig*.json',
    'dist',
    '/alert-webhook/mutation/*.json',
  ],
  // Results kept in the repository: a run tests only the mutants whose code or covering tests changed since.
  incremental: true,
  incrementalFile: `alert-webhook/mutation/${module.name}.incremental.json`,
  reporters: ['clear-text', 'progress-append-only', 'json'],
  jsonReporter: { fileName: `reports/mutation/${module.name}.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, reportMutants: false },
  // run.mjs holds each module to the threshold, with the equivalent mutants left out of its score.
  thresholds: { high: 95, low: 90, break: null },
  // Test runner processes; VIGIL_MUTATION_CONCURRENCY=1 on a machine shared with others.
  concurrency: Number(process.env.VIGIL_MUTATION_CONCURRENCY ?? 2),
  timeoutMS: 20000,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
