// Entry point "quiverdb/wasm": the core compiled to WebAssembly, in Node, with the index in a real
// folder on disk. Same API, results and errors as "quiverdb"; no compiler needed at install.

import { wasmNodeBackend } from './backends/wasm-node.js';
import { memoryFolder } from './backends/memory-folder.js';
import './document/node-tokenizer.js'; // gpt-tokenizer loaded up front in Node (see tokenizer.ts)
import { entryPointClasses } from './entry-point.js';
import { type ImportVectraIndex, makeImportVectraIndex } from './import/index.js';
import type { MetadataTypes } from './types.js';

// Named as the shared classes they extend (TypeDoc's "Inherited from" shows these names).
const { LocalIndex: BaseLocalIndex, LocalDocumentIndex: BaseLocalDocumentIndex } =
  entryPointClasses({ backend: () => wasmNodeBackend, memoryLocation: memoryFolder });

/**
 * A local vector index stored in a folder: the same API, results and errors as `LocalIndex` from
 * "quiverdb", backed by the WASM build of the core (no native addon needed).
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

export { wasmNodeBackend } from './backends/wasm-node.js';
export * from './document/index.js';

/**
 * Copies a Vectra index folder (index.json or index.pb, with its external metadata files) into a
 * new Quiver index at `quiverFolder`: same ids, vectors, metadata, version and metadata_config.
 * One transaction: on failure the new index is left empty. See README, "Migrating from Vectra".
 */
export const importVectraIndex: ImportVectraIndex = makeImportVectraIndex(LocalIndex);
export type { ImportVectraIndex, ImportVectraIndexOptions, ImportVectraOptions, ImportVectraResult } from './import/index.js';
export { QuiverAbortError, QuiverError } from './errors.js';
export type { QuiverErrorCode } from './errors.js';
export type * from './types.js';
export type * from './backend.js';
