/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/example-app'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }] },
  moduleNameMapper: {
    '^passport-wechat-oauth2$': '<rootDir>/lib/index.ts',
    '^passport-wechat-oauth2/testing$': '<rootDir>/lib/testing/index.ts',
    '^passport-wechat-oauth2/redis$': '<rootDir>/lib/redis/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  // nock and jest 30 disagree when globals are cleaned between files (toolchain.md §1.6).
  testEnvironmentOptions: { globalsCleanup: 'off' },
  maxWorkers: 2,
  testTimeout: 30000,
  collectCoverage: true,
  coverageDirectory: 'coverage',
  coverageReporters: ['text-summary', 'json-summary'],
  collectCoverageFrom: ['lib/**/*.ts', '!lib/index.ts', '!lib/testing/cli.ts'],
  // Directory keys are aggregated over the directory (a glob key would apply per file).
  coverageThreshold: {
    './lib/': { lines: 95, branches: 95 },
  },
};
