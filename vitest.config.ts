import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 600_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    // The JSON report lets .ci/run print one "N passed, M failed" line for the whole suite.
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
  },
});
