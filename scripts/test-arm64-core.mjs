// The whole core on 64-bit ARM: cross-compiles the core and its GoogleTest suite for AArch64
// (Debian's g++-aarch64-linux-gnu, cmake/aarch64-linux-gnu.cmake, GoogleTest from Debian's
// /usr/src/googletest, statically linked) and runs the suite under qemu-aarch64 (qemu-user).
// The kernel check (scripts/test-neon-kernels.mjs) covers the NEON kernels alone; this runs
// everything above them too: dispatch choosing NEON, hnswlib's portable path (its SSE code is
// x86-only), SQLite, the files, the cross-process protocol, the exact scores, with ARM's memory
// model and its fused multiply-add.
//
// `npm run test:arm64` (not part of `npm test`: the build takes ~8 min and the run ~5 min on 2
// cores under emulation). Extra arguments go to the test binary, e.g. --gtest_filter=Vector*.
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { found, requireTools, xsimdOnlyInclude } from './cross-tools.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build', 'arm64');

requireTools('test-arm64-core', [
  ['aarch64-linux-gnu-g++', 'g++-aarch64-linux-gnu'],
  ['qemu-aarch64', 'qemu-user'],
  ['/usr/include/xsimd', 'libxsimd-dev'],
  ['/usr/src/googletest/CMakeLists.txt', 'googletest'],
]);

const include = xsimdOnlyInclude(out);

function run(cmd, args, env = process.env) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { stdio: 'inherit', cwd: root, env });
}

const generator = found('ninja') ? ['-G', 'Ninja'] : [];
run('cmake', ['-S', '.', '-B', out, ...generator, `-DCMAKE_TOOLCHAIN_FILE=${join(root, 'cmake', 'aarch64-linux-gnu.cmake')}`,
  '-DQUIVER_BUILD_TESTS=ON', '-DQUIVER_GTEST_SOURCE=/usr/src/googletest', `-DQUIVER_XSIMD_INCLUDE=${include}`]);
run('cmake', ['--build', out, '--parallel', String(availableParallelism()), '--target', 'quiver_core_tests']);
// The binary says which kernels it chose; QUIVER_SIMD is cleared so that it picks NEON itself.
const env = { ...process.env };
delete env.QUIVER_SIMD;
run('qemu-aarch64', [join(out, 'quiver_core_tests'), ...process.argv.slice(2)], env);
