/** One jest run for every workspace; TypeScript via SWC (types are checked by `tsc -b` in lint). */
const shared = {
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  // Workspace libraries from source, so that tests need no build first.
  moduleNameMapper: {
    '^@vigil/service-kit$': '<rootDir>/packages/service-kit/src/index.ts',
    '^@vigil/testkit$': '<rootDir>/packages/testkit/src/index.ts',
  },
};

const ESM_ONLY = [
  'marked',
  'd3',
  'd3-[a-z-]+',
  'internmap',
  'ol',
  'react-calendar',
  'react-colorful',
  'uuid',
  '@wojtekmaj/date-utils',
  'get-user-locale',
  'memoize',
  'mimic-function',
  'yocto-queue',
  'quick-lru',
  'rbush',
  'quickselect',
  'earcut',
  'pbf',
];

module.exports = {
  testTimeout: 60000,
  projects: [
    {
      ...shared,
      displayName: 'node',
      testEnvironment: 'node',
      testMatch: [
        '<rootDir>/{alert-webhook,exporters,packages,rules,provisioning}/**/test/**/*.test.ts',
        // The browser harness drives Chromium from Node.
        '<rootDir>/grafana-plugins/harness/test/**/*.test.ts',
      ],
      transform: { '^.+\\.ts$': ['@swc/jest'] },
    },
    {
      ...shared,
      // Grafana plugins: React components in a DOM, tests beside their components.
      displayName: 'grafana-plugins',
      moduleNameMapper: {
        ...shared.moduleNameMapper,
        // Stylesheets that @grafana/ui imports are the bundler's business, not the DOM tests'.
        '\\.css$': '<rootDir>/grafana-plugins/jest-style-stub.js',
      },
      testEnvironment: 'jsdom',
      testMatch: ['<rootDir>/grafana-plugins/**/src/**/*.test.{ts,tsx}'],
      transform: {
        '^.+\\.(tsx?|jsx?|mjs)$': ['@swc/jest', { jsc: { transform: { react: { runtime: 'automatic' } } } }],
      },
      // Packages that @grafana/* pulls in as ES modules only (as in Grafana's create-plugin jest config).
      transformIgnorePatterns: [`node_modules/(?!(${ESM_ONLY.join('|')})/)`],
      setupFiles: ['<rootDir>/grafana-plugins/jest-setup.ts'],
      setupFilesAfterEnv: ['@testing-library/jest-dom'],
    },
  ],
};
