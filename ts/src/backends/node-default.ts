// The default backend of "quiverdb" in Node: the native addon, or, when it cannot be loaded (no
// compiler at install time, an unsupported platform, a Node ABI mismatch), the same core compiled
// to WASM, with a one-line warning instead of a failure.

import type { Backend, BackendIndex } from '../backend.js';
import { loadAddon } from './load-addon.cjs';
import { nodeBackend } from './node.js';
import { wasmNodeBackend } from './wasm-node.js';

let chosen: Backend | undefined;

function choose(): Backend {
  if (chosen) return chosen;
  const result = loadAddon();
  if ('addon' in result) {
    chosen = nodeBackend;
  } else {
    const why = result.failure.kind === 'missing' ? 'not built' : 'failed to load';
    console.warn(`quiverdb: native addon ${why} (${result.failure.path}); using the WASM build`);
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
  open: (folder: string): Promise<BackendIndex> => choose().open(folder),
};
