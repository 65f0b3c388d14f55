// The default backend of "quiverdb" in Node: the native addon, or, when it cannot be loaded (no
// prebuilt binary for this platform and no compiler at install time, a broken build), the same
// core compiled to WASM, with a one-line warning instead of a failure.
// QUIVERDB_FORCE_WASM=1 picks the WASM build without trying the addon (to compare backends, or to
// work around a broken addon).

import type { Backend, BackendIndex } from '../backend.js';
import { loadAddon } from './load-addon.cjs';
import { nodeBackend } from './node.js';
import { wasmNodeBackend } from './wasm-node.js';

let chosen: Backend | undefined;

function choose(): Backend {
  if (chosen) return chosen;
  if (process.env.QUIVERDB_FORCE_WASM === '1') {
    console.warn('quiverdb: using the WASM build (QUIVERDB_FORCE_WASM=1)');
    chosen = wasmNodeBackend;
    return chosen;
  }
  const result = loadAddon();
  if ('addon' in result) {
    chosen = nodeBackend;
  } else {
    const { kind, path, cause } = result.failure;
    const why =
      kind === 'missing'
        ? `no native addon for ${process.platform}-${process.arch} in ${path}`
        : `the native addon ${path} failed to load: ${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)}`;
    console.warn(`quiverdb: using the WASM build (slower): ${why}`);
    chosen = wasmNodeBackend;
  }
  return chosen;
}

export const nodeDefaultBackend: Backend = {
  get name() {
    return choose().name;
  },
  exists: (folder: string): Promise<boolean> => choose().exists(folder),
  create: (folder: string, config: string, deleteIfExists: boolean): Promise<void> =>
    choose().create(folder, config, deleteIfExists),
  destroy: (folder: string): Promise<void> => choose().destroy(folder),
  open: (folder: string, options?: string): Promise<BackendIndex> => choose().open(folder, options),
};
