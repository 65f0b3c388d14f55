#!/usr/bin/env node
// `npm pack` / `npm publish` run this first (the "prepack" script), so that a package can never be
// packed without what makes it install anywhere:
//   prebuilds/<platform>-<arch>/   the prebuilt N-API addon of this machine (scripts/prebuild.mjs)
//   dist/wasm/                     the WASM build, the fallback when no addon loads
//   dist/esm, dist/cjs             the TypeScript API
// Each step reuses the caches in build/ (CMake tree, WASM objects), so after `npm test` packing
// only relinks. A release gathers the prebuilds of its other platforms into prebuilds/ first.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const step = (script) =>
  execFileSync(process.execPath, [join(root, 'scripts', script)], { stdio: 'inherit', cwd: root });

step('prebuild.mjs');
step('build-wasm.mjs');
step('build-ts.mjs');

const tuple = `${process.platform}-${process.arch}`;
const required = [
  `prebuilds/${tuple}`,
  'dist/wasm/quiver.mjs',
  'dist/wasm/quiver.wasm',
  'dist/wasm/quiver-node.cjs',
  'dist/wasm/quiver-node.wasm',
  'dist/esm/index.js',
  'dist/cjs/index.js',
];
const missing = required.filter((f) => !existsSync(join(root, f)));
if (missing.length > 0) {
  console.error(`prepack: refusing to pack without ${missing.join(', ')}`);
  process.exit(1);
}
console.log('prepack: prebuilt addon, WASM build and TypeScript API are in place');
