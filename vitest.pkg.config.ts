import { defineConfig } from 'vitest/config';

// Tests of the package as users get it, run after the other suites by `npm test` (steps "pkg" and
// "export" of scripts/test.mjs), one file at a time: test/pkg packs the package, which rebuilds
// dist/, so nothing may read dist/ beside it.
//   test/pkg     npm pack + install into an empty project without a compiler
//   test/export  LanceDB / Parquet export (LanceDB installed in test/export by its setup script)
export default defineConfig({
  test: {
    include: ['test/pkg/**/*.test.ts', 'test/export/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 600_000,
  },
});
