// importVectraIndex for the Node entry points ("quiverdb" and "quiverdb/wasm"), each binding it
// to its own LocalIndex (and so its backend).

import type { Backend } from '../backend.js';
import type { LocalIndex } from '../local-index.js';
import { type ImportVectraOptions, type ImportVectraResult, importVectraInto } from './import-vectra.js';

export type { ImportVectraOptions, ImportVectraResult } from './import-vectra.js';

/** Options of importVectraIndex. */
export interface ImportVectraIndexOptions extends ImportVectraOptions {
  /** The backend of the new index (default: the entry point's). */
  backend?: Backend;
}

/**
 * importVectraIndex's signature: copies the Vectra index in `vectraFolder` into a new Quiver
 * index in `quiverFolder`, resolving to the number of items imported and the file read.
 */
export type ImportVectraIndex = (
  vectraFolder: string,
  quiverFolder: string,
  options?: ImportVectraIndexOptions,
) => Promise<ImportVectraResult>;

export function makeImportVectraIndex(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  LocalIndexClass: new (folder: string, indexName?: string, options?: { backend: Backend }) => LocalIndex<any>,
): ImportVectraIndex {
  return async (vectraFolder, quiverFolder, options = {}) => {
    const target = new LocalIndexClass(quiverFolder, undefined, options.backend ? { backend: options.backend } : undefined);
    try {
      return await importVectraInto(target, vectraFolder, options);
    } finally {
      await target.close();
    }
  };
}
