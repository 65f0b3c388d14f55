#!/usr/bin/env node
// npm's install step of quiverdb: picks the fastest core that works on this machine and says which
// in one line (npm shows install output with --foreground-scripts or when a step fails):
//   1. the prebuilt addon shipped in prebuilds/<platform>-<arch> loads here -> use it, compile nothing;
//   2. else a C++ compiler and CMake are on PATH -> compile the addon from source;
//   3. else, or if compiling fails -> the WASM build shipped in dist/wasm (same API, slower).
// In a source checkout (a .git entry beside package.json) or with --build-from-source
// (npm_config_build_from_source=true), step 1 is skipped: developers want their own build.
// This script never fails the install: the last resort (WASM) always remains.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const tuple = `${process.platform}-${process.arch}`;

/** The prebuilt addon for this platform if one exists and loads, else the reason it does not. */
function prebuilt() {
  let path;
  try {
    // prebuilds only: an old build/Release must not pass for a prebuilt binary.
    process.env.PREBUILDS_ONLY = '1';
    path = require('node-gyp-build').path(root);
  } catch {
    return { why: `no prebuilt binary for ${tuple}` };
  } finally {
    delete process.env.PREBUILDS_ONLY;
  }
  try {
    require(path);
    return { path };
  } catch (err) {
    return { why: `the prebuilt binary ${relative(root, path)} does not load here (${String(err.message).split('\n')[0]})` };
  }
}

/** The build tools missing from PATH (a C++ compiler, CMake). */
function missingTools() {
  const works = (cmd) => !spawnSync(cmd, ['--version'], { stdio: 'ignore' }).error;
  const compilers = [process.env.CXX, 'c++', 'g++', 'clang++'].filter(Boolean);
  const missing = [];
  if (!compilers.some(works)) missing.push('a C++17 compiler');
  if (!works('cmake')) missing.push('CMake');
  return missing;
}

function useWasm(why) {
  const hint = existsSync(join(root, 'dist', 'wasm', 'quiver-node.wasm'))
    ? ''
    : ' — but dist/wasm is missing too: run `npm run build:wasm`';
  console.log(`quiverdb: using the WASM build (slower) because ${why}${hint}`);
}

const fromSource =
  existsSync(join(root, '.git')) || process.env.npm_config_build_from_source === 'true';
const found = fromSource
  ? { why: 'this is a source checkout or --build-from-source was given' }
  : prebuilt();

if (found.path) {
  console.log(`quiverdb: using the prebuilt native addon ${relative(root, found.path)} (nothing to compile)`);
} else {
  const missing = missingTools();
  if (missing.length > 0) {
    useWasm(`${found.why} and ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not on PATH to build one`);
  } else {
    try {
      execFileSync(process.execPath, [join(root, 'scripts', 'build-native.mjs')], { stdio: 'inherit', cwd: root });
      console.log(`quiverdb: using the native addon compiled from source because ${found.why}`);
    } catch {
      useWasm(`${found.why} and compiling it from source failed (see above)`);
    }
  }
}
