// Public entry point of quiverdb in Node: the native addon, or the WASM build when the addon
// cannot be loaded.

import { nodeDefaultBackend } from './backends/node-default.js';
import { memoryFolder } from './backends/memory-folder.js';
import './document/node-tokenizer.js'; // gpt-tokenizer loaded up front in Node (see tokenizer.ts)
import { entryPointClasses } from './entry-point.js';
import { type ImportVectraIndex, makeImportVectraIndex } from './import/index.js';
import type { MetadataTypes } from './types.js';

// Named as the shared classes they extend (TypeDoc's "Inherited from" shows these names).
const { LocalIndex: BaseLocalIndex, LocalDocumentIndex: BaseLocalDocumentIndex } =
  entryPointClasses({ backend: () => nodeDefaultBackend, memoryLocation: memoryFolder });

/**
 * A local vector index stored in a folder: a drop-in replacement for Vectra's `LocalIndex`.
 * Backed by the native addon (prebuilt or compiled at install), or by the WASM build with a
 * one-line warning when the addon cannot load here.
 *
 * @example
 * ```ts
 * import { LocalIndex } from 'quiverdb';
 * const index = new LocalIndex('./my-index');
 * if (!(await index.isIndexCreated())) await index.createIndex({ dimensions: 3 });
 * await index.insertItem({ id: 'a', vector: [0.1, 0.2, 0.3], metadata: { genre: 'jazz' } });
 * const hits = await index.queryItems([0.1, 0.2, 0.25], 10, { genre: 'jazz' });
 * ```
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

export { nodeBackend } from './backends/node.js';
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
