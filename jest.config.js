/** One jest run for every workspace; TypeScript via SWC (types are checked by `tsc -b` in lint). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/alert-webhook'],
  testMatch: ['**/test/**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  testTimeout: 60000,
};
