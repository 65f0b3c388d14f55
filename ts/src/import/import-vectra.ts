// importVectraIndex: copies a Vectra index folder (JSON or protobuf codec, external metadata
// files included) into a new Quiver index: same ids, vectors (as 32-bit floats, which is what
// Quiver stores), metadata, version and metadata_config. The Vectra folder is only read.

import { QuiverError, invalidArgument } from '../errors.js';
import type { LocalIndex } from '../local-index.js';
import type { IndexItemInput } from '../types.js';
import { fullMetadata, readVectraIndex } from './vectra-format.js';

/** Options of a Vectra import. */
export interface ImportVectraOptions {
  /** Called after each batch is read and staged (done, total); the import commits once, at the end. */
  onProgress?: (done: number, total: number) => void;
  /** Items per transaction (default 1000). */
  batchSize?: number;
  /** The Vectra index file name if not index.json / index.pb. */
  indexName?: string;
  /** Replace an existing Quiver index at the destination (default: fail "Index already exists"). */
  overwrite?: boolean;
}

/** What a Vectra import did. */
export interface ImportVectraResult {
  /** Number of items imported. */
  items: number;
  /** The Vectra index file read (index.json or index.pb). */
  source: string;
}

/**
 * Imports into `target` (a LocalIndex on the destination folder, not yet created). The whole
 * import is one staged update, so a failure (e.g. an item Quiver cannot store, like an empty
 * vector) leaves an empty index behind, never half of the items.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function importVectraInto(target: LocalIndex<any>, vectraFolder: string, options: ImportVectraOptions = {}): Promise<ImportVectraResult> {
  if (typeof vectraFolder !== 'string') throw invalidArgument('vectraFolder must be a string');
  const batchSize = options.batchSize ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw invalidArgument(`batchSize must be a positive integer (got ${String(batchSize)})`);
  const { data, file } = await readVectraIndex(vectraFolder, options.indexName);
  const total = data.items.length;
  const empty = data.items.find((i) => !Array.isArray(i.vector) || i.vector.length === 0);
  if (empty) {
    throw new QuiverError('INVALID_ARGUMENT',
      `item "${empty.id}" of the Vectra index has an empty vector, which Quiver cannot store; ` +
      'delete such items in Vectra (or give them vectors) and import again');
  }
  await target.createIndex({
    version: data.version ?? 1,
    metadata_config: data.metadata_config ?? {},
    deleteIfExists: options.overwrite === true,
  });
  await target.beginUpdate();
  try {
    for (let start = 0; start < total; start += batchSize) {
      const batch: IndexItemInput<never>[] = [];
      for (const item of data.items.slice(start, start + batchSize)) {
        batch.push({ id: item.id, vector: item.vector, metadata: (await fullMetadata(vectraFolder, item)) as never });
      }
      await target.insertItems(batch, { batchSize: batch.length });
      options.onProgress?.(Math.min(start + batchSize, total), total);
    }
    await target.endUpdate();
  } catch (err) {
    await target.cancelUpdate();
    throw err;
  }
  if (total === 0) options.onProgress?.(0, 0);
  return { items: total, source: file };
}
