#!/usr/bin/env node
// Builds the Node addon (build/Release/quiver_node.node): fetches the pinned sources, then lets
// cmake-js drive CMake. Extra arguments are passed to cmake-js (e.g. --CDQUIVER_BUILD_TESTS=ON).
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

execFileSync(process.execPath, [join(root, 'scripts', 'fetch-deps.mjs')], { stdio: 'inherit', cwd: root });

const cmakeJs = join(dirname(require.resolve('cmake-js/package.json')), 'bin', 'cmake-js');
const generator = hasNinja() ? ['--generator', 'Ninja'] : [];
const jobs = String(Math.max(1, (await import('node:os')).availableParallelism()));
execFileSync(process.execPath, [cmakeJs, 'build', '--out', 'build', ...generator, '--parallel', jobs, ...process.argv.slice(2)], {
  stdio: 'inherit',
  cwd: root,
});

function hasNinja() {
  try {
    execFileSync('ninja', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
