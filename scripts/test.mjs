#!/usr/bin/env node
// `npm test`: builds what it needs, then runs every suite.
//   1. the addon and the core's GoogleTest binary (one CMake build, SQLite compiled once)
//   2. the TypeScript package (dist/)
//   3. ctest on the core
//   4. the core tests again under ASan + UBSan (a separate build folder)
//   5. the WASM build (dist/wasm), then Vitest: the API contract suite against every backend
//      (native addon and WASM), plus crash tests
//   6. Vectra 0.15.0's own LocalIndex spec (mocha) against the native and the WASM build
// --only=cpp|asan|ts|vectra runs one part (with the builds it needs).
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { hasNinja } from './has-ninja.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const only = (process.argv.find((a) => a.startsWith('--only=')) ?? '').slice('--only='.length);
const want = (part) => !only || only === part;
const jobs = String(availableParallelism());

function run(cmd, args, opts = {}) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
}

try {
  if (want('cpp') || want('ts')) {
    run(process.execPath, ['scripts/build-native.mjs']);
  }
  if (want('cpp')) {
    // cmake-js's `build` does not re-apply -D options to a configured tree, so the tests are
    // switched on with plain CMake in the same tree (its cache keeps cmake-js's settings, and
    // SQLite is not compiled again).
    run('cmake', ['-S', '.', '-B', 'build', '-DQUIVER_BUILD_TESTS=ON']);
    run('cmake', ['--build', 'build', '--parallel', jobs]);
  }
  if (want('ts') || only === 'vectra') {
    if (only === 'vectra') run(process.execPath, ['scripts/build-native.mjs']);
    run(process.execPath, ['scripts/build-wasm.mjs']);
    run(process.execPath, ['scripts/build-ts.mjs']);
  }
  if (want('cpp')) run('ctest', ['--test-dir', 'build', '--output-on-failure', '--no-tests=error', '-j', jobs]);
  if (want('asan')) {
    const generator = hasNinja() ? ['-G', 'Ninja'] : [];
    run('cmake', ['-S', '.', '-B', 'build/asan', ...generator, '-DCMAKE_BUILD_TYPE=RelWithDebInfo',
      '-DQUIVER_SANITIZE=ON', '-DQUIVER_BUILD_TESTS=ON']);
    run('cmake', ['--build', 'build/asan', '--parallel', jobs]);
    run('ctest', ['--test-dir', 'build/asan', '--output-on-failure', '--no-tests=error', '-j', jobs], {
      env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1', UBSAN_OPTIONS: 'print_stacktrace=1' },
    });
  }
  if (want('ts')) run(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run']);
  if (want('vectra')) run(process.execPath, ['test/vectra/run.mjs']);
} catch (err) {
  console.error(`\nquiver: tests failed (${err.message.split('\n')[0]})`);
  process.exit(1);
}
