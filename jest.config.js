// Unit tests sit next to the code (*.spec.ts); e2e tests (*.e2e.ts) drive real processes built into dist/.
const { pathsToModuleNameMapper } = require('./tools/jest/paths');

const shared = {
  transform: { '^.+\\.ts$': ['@swc/jest', require('./tools/jest/swc.json')] },
  moduleNameMapper: pathsToModuleNameMapper(),
  testEnvironment: 'node',
};

module.exports = {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,tools}/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/e2e/**/*.e2e.ts'],
      testTimeout: 60000,
      maxWorkers: 1,
    },
  ],
};
