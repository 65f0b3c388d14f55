// Cross-compiles test/cross/kernel_check.cpp with the scalar and NEON kernel sources for AArch64
// (Debian's g++-aarch64-linux-gnu, statically linked) and runs it under qemu-aarch64 (Debian's
// qemu-user): the NEON kernels against the scalar reference on a machine that has no ARM CPU.
// Run by `npm test` (scripts/test.mjs) with the other kernel checks.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { requireTools, xsimdOnlyInclude } from './cross-tools.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiler = 'aarch64-linux-gnu-g++';
const emulator = 'qemu-aarch64';

requireTools('test-neon-kernels', [
  [compiler, 'g++-aarch64-linux-gnu'], [emulator, 'qemu-user'], ['/usr/include/xsimd', 'libxsimd-dev'],
]);

const out = join(root, 'build', 'neon');
mkdirSync(out, { recursive: true });
const include = xsimdOnlyInclude(out);

const vectors = join(root, 'native/core/src/vectors');
const binary = join(out, 'kernel_check');
execFileSync(compiler, ['-O2', '-std=c++17', '-ffp-contract=off', '-static', '-DQUIVER_HAVE_XSIMD',
  `-I${join(root, 'native/core/src')}`, `-I${join(root, 'native/core/include')}`, `-isystem${include}`,
  join(root, 'test/cross/kernel_check.cpp'), join(vectors, 'kernels_scalar.cpp'), join(vectors, 'kernels_neon.cpp'),
  '-o', binary], { stdio: 'inherit' });
execFileSync(emulator, [binary], { stdio: 'inherit' });
