/** One jest run for every workspace; TypeScript via SWC (types are checked by `tsc -b` in lint). */
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/{alert-webhook,exporters,rules,provisioning}/**/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  testTimeout: 60000,
};
