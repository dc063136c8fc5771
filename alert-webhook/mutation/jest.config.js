/**
 * The jest run that Stryker repeats for each mutant of one module (modules.cjs): that module's tests, on
 * SQLite only (a PostgreSQL server per run would cost each mutant seconds; `npm test` runs both), with
 * merging in process (test/helpers.ts mergeInProcess), since Stryker switches mutants on in this thread only.
 */
process.env.VIGIL_TEST_MERGE_IN_PROCESS = '1';
process.env.VIGIL_TEST_BACKENDS = 'sqlite';

const { tests } = require('./modules.cjs').currentModule();

module.exports = {
  rootDir: '../..',
  displayName: 'mutation',
  testEnvironment: 'node',
  testTimeout: 60000,
  testMatch: tests.map((name) => `<rootDir>/alert-webhook/test/${name}.test.ts`),
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  moduleNameMapper: {
    '^@vigil/service-kit$': '<rootDir>/packages/service-kit/src/index.ts',
    '^@vigil/testkit$': '<rootDir>/packages/testkit/src/index.ts',
  },
};
