// The WASM core in Node ("quiverdb/wasm", and the fallback of "quiverdb" when the native addon
// cannot load). Emscripten's NODERAWFS gives the module the real filesystem, so an index is a
// real folder and a write is on disk when the core's commit returns: nothing to persist later.

import { resolve } from 'node:path';

import type { Backend } from '../backend.js';
import { QuiverError } from '../errors.js';
import { loadWasmNode } from './load-wasm-node.cjs';
import { createWasmBackend, type WasmModule } from './wasm.js';

async function load(): Promise<WasmModule> {
  try {
    return (await loadWasmNode()) as WasmModule;
  } catch (err) {
    throw new QuiverError('INTERNAL', err instanceof Error ? err.message : String(err));
  }
}

/** The WASM backend for Node (name "wasm"): same core, same results and errors as "native". */
export const wasmNodeBackend: Backend = createWasmBackend('wasm', load, {
  attach: async (_module, folder) => resolve(folder),
  persist: async () => {},
});
