// The native backend: the N-API addon built from native/node (compiled from source into
// build/Release, or prebuilt in prebuilds/<platform>-<arch>; see load-addon.cts). The addon already
// implements the Backend contract (its exports are exactly exists/create/destroy/open), so this
// file only finds it, loads it once, and reports a missing or broken build clearly.

import type { Backend, BackendIndex } from '../backend.js';
import { QuiverError } from '../errors.js';
import { loadAddon } from './load-addon.cjs';

type Addon = Omit<Backend, 'name'>;

let addon: Addon | undefined;

/** Loads the addon on first use; throws a QuiverError explaining how to fix a missing build. */
function load(): Addon {
  if (addon) return addon;
  const result = loadAddon();
  if ('failure' in result) {
    const { kind, path, cause } = result.failure;
    if (kind === 'missing') {
      throw new QuiverError(
        'INTERNAL',
        `quiverdb: no native addon for ${process.platform}-${process.arch} (looked in ${path}); ` +
          'build it from source with `npm run build:native` (needs a C++17 compiler and CMake), ' +
          'or use "quiverdb/wasm"',
      );
    }
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new QuiverError(
      'INTERNAL',
      `quiverdb: cannot load the native addon ${path}: ${reason}; ` +
        'rebuild it for this Node version with `npm run build:native`',
    );
  }
  addon = result.addon as Addon;
  return addon;
}

/**
 * The native Node backend (name "native"). The addon is loaded on the first call rather than at
 * import time, so that a missing build surfaces as a rejected promise with instructions.
 */
export const nodeBackend: Backend = {
  name: 'native',
  exists: async (folder: string): Promise<boolean> => load().exists(folder),
  create: async (folder: string, config: string, deleteIfExists: boolean): Promise<void> =>
    load().create(folder, config, deleteIfExists),
  destroy: async (folder: string): Promise<void> => load().destroy(folder),
  open: async (folder: string, options?: string): Promise<BackendIndex> => load().open(folder, options),
};
