import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Also strip types from .cts sources (ts/src/backends/load-addon.cts): Vite's default is .ts,
  // .mts, .tsx and .jsx only.
  oxc: { include: /\.([cm]?ts|[jt]sx)$/ },
  test: {
    // test/browser drives a real headless Chromium (playwright-core) against the built dist/.
    // test/reliability: crash, corruption, bad-input and multi-process campaigns (quick in
    // `npm test`, as its own step; long with `npm run test:reliability -- --long`).
    // test/cli runs the built `quiver` binary. test/pkg has its own config (vitest.pkg.config.ts).
    include: [
      'test/ts/**/*.test.ts',
      'test/browser/**/*.test.ts',
      'test/reliability/**/*.test.ts',
      'test/cli/**/*.test.ts',
    ],
    // Child processes rather than worker threads: each test file gets its own copy of the native
    // addon, and a crash in the core takes down one file, not the runner.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
