import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Also strip types from .cts sources (ts/src/backends/load-addon.cts): Vite's default is .ts,
  // .mts, .tsx and .jsx only.
  oxc: { include: /\.([cm]?ts|[jt]sx)$/ },
  test: {
    // test/browser drives a real headless Chromium (playwright-core) against the built dist/.
    // test/reliability/bad-input: the bad-input table over every backend (fast, so in every run).
    include: [
      'test/ts/**/*.test.ts',
      'test/browser/**/*.test.ts',
      'test/reliability/bad-input*.test.ts',
    ],
    // Child processes rather than worker threads: each test file gets its own copy of the native
    // addon, and a crash in the core takes down one file, not the runner.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
