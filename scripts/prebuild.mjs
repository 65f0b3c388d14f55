#!/usr/bin/env node
// Makes the prebuilt binary shipped in the package: prebuilds/<platform>-<arch>/quiverdb.<libc>.node
// (N-API 8, so one file serves every Node version >= 20 on this platform), with prebuildify.
//
// prebuildify drives node-gyp; this project builds with CMake (cmake-js), so prebuildify is told to
// use this very file as its "node-gyp" (--node-gyp). Called that way (`prebuild.mjs rebuild ...`),
// it builds the addon with scripts/build-native.mjs — the same incremental build in build/ that
// `npm test` uses, so nothing is compiled twice — and copies it into a staging folder; prebuildify
// then strips the copy and files it under the name node-gyp-build looks for.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const root = join(dirname(self), '..');
const stage = join(root, 'build', 'prebuild-stage');
const built = join(root, 'build', 'Release', 'quiver_node.node');

if (process.argv[2] === 'rebuild') {
  // prebuildify's node-gyp call: its arguments (--target, --devdir, --arch) only matter to
  // node-gyp; an N-API build is the same for every target.
  execFileSync(process.execPath, [join(root, 'scripts', 'build-native.mjs')], { stdio: 'inherit', cwd: root });
  mkdirSync(join(stage, 'build', 'Release'), { recursive: true });
  copyFileSync(built, join(stage, 'build', 'Release', 'quiver_node.node'));
} else {
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  const prebuildify = createRequire(import.meta.url).resolve('prebuildify/bin.js');
  execFileSync(
    process.execPath,
    [prebuildify, '--napi', '--strip', '--tag-libc', '--name=quiverdb', `--cwd=${stage}`, `--out=${root}`,
      `--node-gyp=${self}`, '--target=node@20.17.0'],
    { stdio: 'inherit', cwd: root },
  );
  const dir = join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  console.log(`prebuild: ${readdirSync(dir).map((f) => join('prebuilds', `${process.platform}-${process.arch}`, f)).join(', ')}`);
}
