// Unit tests sit next to the code (*.spec.ts); e2e tests (*.e2e.ts) drive real processes built into dist/.
const { pathsToModuleNameMapper } = require('./tools/jest/paths');

const shared = {
  transform: { '^.+\\.(ts|js)$': ['@swc/jest', require('./tools/jest/swc.json')] },
  // The Parquet reader and its codecs ship ESM only: compiled to CommonJS here, as Node >= 20.19 loads them in dist/.
  transformIgnorePatterns: ['/node_modules/(?!(hyparquet|hyparquet-compressors|hysnappy|fzstd)/)'],
  moduleNameMapper: pathsToModuleNameMapper(),
  // onnxruntime-node creates typed arrays in the main realm; this environment shares them with the test realm.
  testEnvironment: '<rootDir>/tools/jest/onnx-runtime-environment.js',
};

module.exports = {
  // E2E hooks start whole stacks; per-project testTimeout is not honoured, so it is set here for all.
  testTimeout: 60000,
  // One file at a time: e2e files each start a whole stack, and timing assertions need the 2 cores.
  maxWorkers: 1,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,tools,bench}/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/e2e/**/*.e2e.ts'],
    },
  ],
};
