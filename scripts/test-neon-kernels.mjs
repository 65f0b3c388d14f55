// Cross-compiles test/cross/kernel_check.cpp with the scalar and NEON kernel sources for AArch64
// (Debian's g++-aarch64-linux-gnu, statically linked) and runs it under qemu-aarch64 (Debian's
// qemu-user): the NEON kernels against the scalar reference on a machine that has no ARM CPU.
// Run by `npm test` (scripts/test.mjs) with the other kernel checks.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiler = 'aarch64-linux-gnu-g++';
const emulator = 'qemu-aarch64';

function found(command) {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const missing = [[compiler, 'g++-aarch64-linux-gnu'], [emulator, 'qemu-user'], ['/usr/include/xsimd', 'libxsimd-dev']]
  .filter(([what]) => (what.startsWith('/') ? !existsSync(what) : !found(what)));
if (missing.length > 0) {
  console.error(`test-neon-kernels: missing ${missing.map(([w]) => w).join(', ')}; ` +
    `install with: apt-get install ${missing.map(([, pkg]) => pkg).join(' ')}`);
  process.exit(1);
}

const out = join(root, 'build', 'neon');
mkdirSync(out, { recursive: true });
// xsimd is header-only and target-neutral, but /usr/include also holds this machine's own C
// library headers: the cross compiler gets a folder with xsimd alone.
const include = join(out, 'include');
rmSync(include, { recursive: true, force: true });
mkdirSync(include, { recursive: true });
symlinkSync('/usr/include/xsimd', join(include, 'xsimd'));

const vectors = join(root, 'native/core/src/vectors');
const binary = join(out, 'kernel_check');
execFileSync(compiler, ['-O2', '-std=c++17', '-ffp-contract=off', '-static', '-DQUIVER_HAVE_XSIMD',
  `-I${join(root, 'native/core/src')}`, `-I${join(root, 'native/core/include')}`, `-isystem${include}`,
  join(root, 'test/cross/kernel_check.cpp'), join(vectors, 'kernels_scalar.cpp'), join(vectors, 'kernels_neon.cpp'),
  '-o', binary], { stdio: 'inherit' });
execFileSync(emulator, [binary], { stdio: 'inherit' });
