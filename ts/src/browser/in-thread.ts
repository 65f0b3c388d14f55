// The browser backend that runs the core on the calling thread: in a worker of the app's own,
// or on a page that accepts that long writes block it. Pages normally use the worker backend
// (worker-backend.ts), which runs exactly this backend inside a dedicated worker.

import type { Backend } from '../backend.js';
import { createWasmBackend } from '../backends/wasm.js';
import { type IdbDurability, createIdbStorage } from './idb-storage.js';
import { type BrowserModuleOptions, loadBrowserModule } from './load-module.js';

/** Options of {@link createBrowserBackend}. */
export interface BrowserBackendOptions extends BrowserModuleOptions {
  /**
   * How IndexedDB commits each write (default `'strict'`): `'strict'` writes are flushed to disk
   * before their promise resolves; `'relaxed'` ones survive tab and browser crashes but may be
   * lost in an OS crash or power cut within seconds of resolving. Relaxed is faster for many
   * small writes.
   */
  durability?: IdbDurability;
}

/**
 * A backend running the WASM core on this thread, with each index persisted in its own
 * IndexedDB database. The module is loaded on first use. Every backend loads its own copy of the
 * module: create one and share it.
 */
export function createBrowserBackend(options: BrowserBackendOptions = {}): Backend {
  return createWasmBackend(
    'browser',
    () => loadBrowserModule(options),
    createIdbStorage(options.durability),
  );
}

/**
 * The in-thread browser backend with default options (name "browser"). Blocks the thread it runs
 * on during each call: use it inside a worker, or pass it explicitly on a page
 * (`new LocalIndex(folder, undefined, { backend: browserBackend })`).
 */
export const browserBackend: Backend = createBrowserBackend();
