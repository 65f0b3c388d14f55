#!/usr/bin/env node
// Builds the Node addon (build/Release/quiver_node.node): fetches the pinned sources, then lets
// cmake-js drive CMake. Extra arguments are passed to cmake-js (e.g. --CDQUIVER_BUILD_TESTS=ON).
// --if-possible (the install script): a failed build is a warning, not an error, because
// "quiverdb" then falls back to the WASM build that ships in dist/wasm.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { hasNinja } from './has-ninja.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

const ifPossible = process.argv.includes('--if-possible');
const cmakeArgs = process.argv.slice(2).filter((a) => a !== '--if-possible');

try {
  execFileSync(process.execPath, [join(root, 'scripts', 'fetch-deps.mjs')], { stdio: 'inherit', cwd: root });
  const cmakeJs = join(dirname(require.resolve('cmake-js/package.json')), 'bin', 'cmake-js');
  const generator = hasNinja() ? ['--generator', 'Ninja'] : [];
  const jobs = String(Math.max(1, (await import('node:os')).availableParallelism()));
  execFileSync(process.execPath, [cmakeJs, 'build', '--out', 'build', ...generator, '--parallel', jobs, ...cmakeArgs], {
    stdio: 'inherit',
    cwd: root,
  });
} catch (err) {
  if (!ifPossible) throw err;
  console.warn(
    'quiverdb: the native addon could not be built (see above); quiverdb will use its WASM build. ' +
      'Install a C++17 compiler and CMake, then run `npm run build:native` for full speed.',
  );
}
