#!/usr/bin/env node
// `npm test`: builds what it needs, then runs every suite.
//   1. the addon and the core's GoogleTest binary (one CMake build, SQLite compiled once)
//   2. the TypeScript package (dist/)
//   3. ctest on the core, and the NEON kernels under qemu-aarch64 (scripts/test-neon-kernels.mjs)
//   4. the core tests again under ASan + UBSan (a separate build folder)
//   5. the WASM build (dist/wasm), a type check of sources and tests (tsconfig.json), its
//      simd128 kernels against the scalar ones
//      (scripts/test-wasm-kernels.mjs), then Vitest: the API contract suite against every backend
//      (native addon and WASM), plus crash tests and the `quiver` CLI; the contract and ingest
//      suites again in 2 shards, then in 2 shards with f16 and with i8 graphs
//   6. the reliability suite, quick mode (test/reliability; see scripts/test-reliability.mjs), then
//      again on i8 graphs in 2 shards
//   7. Vectra 0.15.0's own LocalIndex and ItemSelector specs (mocha) against the native and the WASM build
//   8. the libFuzzer targets (test/fuzz), 16 s each under ASan + UBSan (scripts/fuzz.mjs)
//   9. the API reference (TypeDoc, zero warnings)
//  10. export to LanceDB and Parquet (test/export)
//  11. the packed tarball installed on a PATH without a compiler (test/pkg)
// --only=cpp|asan|ts|vectra|fuzz|docs|export|pkg runs one part (with the builds it needs);
// --only=reliability runs step 6 alone (without building: `npm run test:reliability` builds first).
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
  // Sources and tests type-checked together (tsconfig.json, no output): Vitest strips types
  // without checking them, so a test could otherwise drift from the API's types unnoticed.
  if (want('ts')) run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
  // The wasm-simd128 kernels against the scalar reference (GoogleTest does not build for wasm).
  if (want('ts')) run(process.execPath, ['scripts/test-wasm-kernels.mjs']);
  if (want('cpp')) run('ctest', ['--test-dir', 'build', '--output-on-failure', '--no-tests=error', '-j', jobs]);
  // The AArch64 NEON kernels against the scalar reference, cross-compiled and run under qemu.
  if (want('cpp')) run(process.execPath, ['scripts/test-neon-kernels.mjs']);
  if (want('asan')) {
    const generator = hasNinja() ? ['-G', 'Ninja'] : [];
    run('cmake', ['-S', '.', '-B', 'build/asan', ...generator, '-DCMAKE_BUILD_TYPE=RelWithDebInfo',
      '-DQUIVER_SANITIZE=ON', '-DQUIVER_BUILD_TESTS=ON']);
    run('cmake', ['--build', 'build/asan', '--parallel', jobs]);
    run('ctest', ['--test-dir', 'build/asan', '--output-on-failure', '--no-tests=error', '-j', jobs], {
      env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1', UBSAN_OPTIONS: 'print_stacktrace=1' },
    });
  }
  const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
  if (want('ts')) run(process.execPath, [vitest, 'run', '--exclude', 'test/reliability/**']);
  // The contract suite again with every index split into 2 HNSW shards (test/default-quantization.ts;
  // ~25 s): sharding must not change any observable behaviour. Every contract file runs (Vitest
  // takes the prefix as a filter).
  if (want('ts')) {
    const contract = ['test/ts/contract-'];
    run(process.execPath, [vitest, 'run', ...contract, 'test/ts/ingest.test.ts'], {
      env: { ...process.env, QUIVER_TEST_SHARDS: '2' },
    });
    // ... and with every index quantized, f16 then i8 (with rescoring; ~30 s each), still in 2
    // shards: the quantized graphs must not change what a user sees either.
    for (const quantization of ['f16', 'i8']) {
      run(process.execPath, [vitest, 'run', ...contract, 'test/ts/ingest.test.ts'], {
        env: { ...process.env, QUIVER_TEST_SHARDS: '2', QUIVER_TEST_QUANTIZATION: quantization },
      });
    }
  }
  // 6. The reliability suite's quick mode (kill -9 loop, corruption sweep, bad inputs, several
  // processes on one index) as its own step: its child processes then do not compete with the
  // other suites for the CPU. Long mode: `npm run test:reliability -- --long`.
  if (want('ts') || only === 'reliability') {
    run(process.execPath, [vitest, 'run', 'test/reliability']);
    // ... and once more on i8 graphs in 2 shards (~2 min; test/default-quantization.ts): a kill -9
    // or a damaged file must lose nothing on a quantized, sharded index either.
    run(process.execPath, [vitest, 'run', 'test/reliability'], {
      env: { ...process.env, QUIVER_TEST_SHARDS: '2', QUIVER_TEST_QUANTIZATION: 'i8' },
    });
  }
  // 7. Vectra's own LocalIndex and ItemSelector specs against both builds
  if (want('vectra')) run(process.execPath, ['test/vectra/run.mjs']);
  // 8. the libFuzzer targets, a bounded time each
  if (want('fuzz')) run(process.execPath, ['scripts/fuzz.mjs']);
  // 9. the API reference (TypeDoc, warnings are errors)
  if (want('docs')) run(process.execPath, ['scripts/docs.mjs']);
  // 10. export to LanceDB/Parquet (LanceDB lives in test/export, installed by its setup script)
  if (want('export')) {
    if (only === 'export') run(process.execPath, ['scripts/build-ts.mjs']);
    run('npm', ['run', 'setup'], { cwd: join(root, 'test', 'export') });
    run(process.execPath, [vitest, 'run', '--config', 'vitest.pkg.config.ts', 'test/export']);
  }
  // 11. the packed tarball installed without a compiler (npm pack rebuilds dist/: runs last)
  if (want('pkg')) {
    run(process.execPath, [vitest, 'run', '--config', 'vitest.pkg.config.ts', 'test/pkg']);
  }
} catch (err) {
  console.error(`\nquiver: tests failed (${err.message.split('\n')[0]})`);
  process.exit(1);
}
