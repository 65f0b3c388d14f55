// Entry point "quiverdb/browser": the core compiled to WebAssembly, with each index persisted in
// IndexedDB. On a page, LocalIndex runs the core in a dedicated worker (the page never blocks);
// inside a worker, it runs the core right there. ESM only: the .wasm file and the worker script
// are located with `new URL(..., import.meta.url)`, which bundlers understand.

import type { Backend } from './backend.js';
import { browserBackend } from './browser/in-thread.js';
import { createWorkerBackend } from './browser/worker-backend.js';
import { entryPointClasses } from './entry-point.js';
import type { MetadataTypes } from './types.js';

let defaultBackend: Backend | undefined;

/**
 * The backend of `new LocalIndex(folder)`: one worker shared by every index of the page, or the
 * in-thread backend when already running in a worker (or wherever `Worker` does not exist).
 */
function browserDefaultBackend(): Backend {
  defaultBackend ??=
    typeof window !== 'undefined' && typeof Worker !== 'undefined'
      ? createWorkerBackend()
      : browserBackend;
  return defaultBackend;
}

// Named as the shared classes they extend (TypeDoc's "Inherited from" shows these names).
const { LocalIndex: BaseLocalIndex, LocalDocumentIndex: BaseLocalDocumentIndex } =
  entryPointClasses({ backend: browserDefaultBackend });

/**
 * A vector index in the browser, with the API of `LocalIndex` from "quiverdb". In browsers,
 * `folderPath` names the index (its IndexedDB database
 * is `/quiver/<folderPath>`); it is not a path on disk. Backed by the WASM core in a dedicated
 * worker on pages, in-thread inside workers.
 */
export class LocalIndex<
  TMetadata extends Record<string, MetadataTypes> = Record<string, MetadataTypes>,
> extends BaseLocalIndex<TMetadata> {}

/**
 * Vectra 0.15's `LocalDocumentIndex` (documents split into chunks, embedded through an injected
 * `EmbeddingsModel`, queried with `queryDocuments`, optionally with BM25), on the same backend as
 * this entry's `LocalIndex`.
 */
export class LocalDocumentIndex extends BaseLocalDocumentIndex {}

export { browserBackend, createBrowserBackend } from './browser/in-thread.js';
export type { BrowserBackendOptions } from './browser/in-thread.js';
export type { IdbDurability } from './browser/idb-storage.js';
export { createWorkerBackend } from './browser/worker-backend.js';
export type { WorkerBackend, WorkerBackendOptions } from './browser/worker-backend.js';
export * from './document/index.js';
export { QuiverAbortError, QuiverError } from './errors.js';
export type { QuiverErrorCode } from './errors.js';
export type * from './types.js';
export type * from './backend.js';
