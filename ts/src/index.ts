// Public entry point of quiverdb in Node: the native addon, or the WASM build when the addon
// cannot be loaded.

import type { Backend } from './backend.js';
import { nodeDefaultBackend } from './backends/node-default.js';
import { memoryFolder } from './backends/memory-folder.js';
import { LocalDocumentIndex as BaseLocalDocumentIndex } from './document/local-document-index.js';
import { LocalIndex as BaseLocalIndex } from './local-index.js';
import type { MetadataTypes, VectraStorageLike } from './types.js';

/** {@inheritDoc BaseLocalIndex} Backed by the native addon (WASM fallback with a warning). */
export class LocalIndex<
  TMetadata extends Record<string, MetadataTypes> = Record<string, MetadataTypes>,
> extends BaseLocalIndex<TMetadata> {
  protected static override defaultBackend(): Backend {
    return nodeDefaultBackend;
  }

  protected static override memoryLocation(
    folderPath: string,
    storage: VectraStorageLike | undefined,
  ): string {
    return memoryFolder(folderPath, storage);
  }
}

/** {@inheritDoc BaseLocalDocumentIndex} On the same backend as this entry's LocalIndex. */
export class LocalDocumentIndex extends BaseLocalDocumentIndex {
  protected static override defaultBackend(): Backend {
    return nodeDefaultBackend;
  }

  protected static override memoryLocation(
    folderPath: string,
    storage: VectraStorageLike | undefined,
  ): string {
    return memoryFolder(folderPath, storage);
  }
}

export { nodeBackend } from './backends/node.js';
export { wasmNodeBackend } from './backends/wasm-node.js';
export * from './document/index.js';
export { QuiverError } from './errors.js';
export type { QuiverErrorCode } from './errors.js';
export type * from './types.js';
export type * from './backend.js';
