// Compiles test/cross/kernel_check.cpp with the kernel sources for WebAssembly (simd128, the
// flags of scripts/build-wasm.mjs) and runs it under Node: the wasm-simd128 kernels against the
// scalar reference (-sSINGLE_FILE: Node 20's fetch() cannot load a .wasm by path). Run by `npm test` (scripts/test.mjs) after the WASM build.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build', 'wasm', 'kernel-check');
mkdirSync(out, { recursive: true });
const env = { ...process.env, NODE_PATH: ['/usr/share/nodejs', process.env.NODE_PATH].filter(Boolean).join(':') };
const vectors = join(root, 'native/core/src/vectors');
const sources = [
  join(root, 'test/cross/kernel_check.cpp'),
  join(vectors, 'kernels_scalar.cpp'),
  join(vectors, 'kernels_wasm.cpp'),
];
const js = join(out, 'kernel_check.cjs');
execFileSync('em++', ['-O2', '-std=c++17', '-msimd128', '-ffp-contract=off', `-I${join(root, 'native/core/src')}`,
  `-I${join(root, 'native/core/include')}`, ...sources, '-sENVIRONMENT=node', '-sSINGLE_FILE=1', '-o', js],
{ stdio: 'inherit', env });
execFileSync(process.execPath, [js], { stdio: 'inherit' });
