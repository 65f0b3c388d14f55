// Preloaded (NODE_OPTIONS=--require) into every Node process of `npm run test:arm64-node`, which
// all run as AArch64 guests of qemu-aarch64 (qemu-user). qemu-user does not follow execve: a
// guest that starts a program asks the host kernel to run it, and without a binfmt_misc entry
// for AArch64 (containers and CI machines rarely have one, and it is machine-wide state this
// project should not need) the kernel refuses the ARM binary. Vitest's `forks` pool, the crash
// tests and the cross-process tests all start `process.execPath`; this routes exactly those
// starts through the emulator, so the children are the same ARM Node with the same addon.
// Programs started by name (`npm`, `sh`) are host programs and are left alone.
'use strict';

const childProcess = require('node:child_process');
const { syncBuiltinESMExports } = require('node:module');

const emulator = process.env.QUIVER_ARM64_EMULATOR;
const self = process.execPath;

if (emulator) {
  // fork, spawn, exec and execFile all end in this method, with `file` and the full argv
  // (argv[0] included) already resolved.
  const spawn = childProcess.ChildProcess.prototype.spawn;
  childProcess.ChildProcess.prototype.spawn = function spawnThroughEmulator(options) {
    if (options && options.file === self) {
      options = { ...options, file: emulator, args: [emulator, self, ...options.args.slice(1)] };
    }
    return spawn.call(this, options);
  };

  // The synchronous forms call a native binding directly, so each exported entry point is
  // wrapped; execFileSync calls the module's own spawnSync, not the export, hence both.
  for (const name of ['spawnSync', 'execFileSync']) {
    const original = childProcess[name];
    childProcess[name] = function throughEmulator(file, args, options) {
      if (file !== self) return original.apply(this, arguments);
      if (!Array.isArray(args)) return original.call(this, emulator, [self], args);
      return original.call(this, emulator, [self, ...args], options);
    };
  }
  // ESM `import { spawnSync } from 'node:child_process'` reads a snapshot of the exports.
  syncBuiltinESMExports();
}
