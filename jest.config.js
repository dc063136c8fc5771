/** One jest run for every workspace; TypeScript via SWC (types are checked by `tsc -b` in lint). */
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/{alert-webhook,exporters,rules,provisioning}/**/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  // Workspace libraries from source, so that tests need no build first.
  moduleNameMapper: { '^@vigil/common$': '<rootDir>/exporters/common/src/index.ts' },
  testTimeout: 60000,
};
