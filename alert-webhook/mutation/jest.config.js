/**
 * The jest run that Stryker repeats for each mutant of one module (modules.cjs): that module's tests, on
 * SQLite only (a PostgreSQL server per run would cost each mutant seconds; `npm test` runs both), with
 * merging in process (test/helpers.ts mergeInProcess), since Stryker switches mutants on in this thread only.
 */
process.env.VIGIL_TEST_MERGE_IN_PROCESS = '1';
process.env.VIGIL_TEST_BACKENDS = 'sqlite';

const { tests } = require('./modules.cjs').currentModule();
// Workspace libraries from source, as in every other jest run (no build needed first).
const { moduleNameMapper } = require('../../jest.config.js').projects.find((p) => p.displayName === 'node');

module.exports = {
  rootDir: '../..',
  displayName: 'mutation',
  testEnvironment: 'node',
  testTimeout: 60000,
  testMatch: tests.map((name) => `<rootDir>/alert-webhook/test/${name}.test.ts`),
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  moduleNameMapper,
};
