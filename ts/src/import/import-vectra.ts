// importVectraIndex: copies a Vectra index folder (JSON or protobuf codec, external metadata
// files included) into a new Quiver index: same ids, vectors (as 32-bit floats, which is what
// Quiver stores), metadata, version and metadata_config. The Vectra folder is only read.
//
// A LocalDocumentIndex folder (with catalog.json / catalog.pb) becomes a Quiver document index:
// each document's chunks are stored as LocalDocumentIndex stores them (document-store.ts), with
// the same document ids, uris, text, document metadata and content hashes, and Vectra's vectors
// (nothing is embedded again).

import { DOC_KEY, documentItems } from '../document/document-store.js';
import { QuiverError, invalidArgument } from '../errors.js';
import type { LocalIndex } from '../local-index.js';
import type { IndexItemInput, MetadataTypes } from '../types.js';
import {
  type VectraDocumentFolder,
  type VectraIndexData,
  fullMetadata,
  readVectraCatalog,
  readVectraDocument,
  readVectraIndex,
} from './vectra-format.js';

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
  /** For a LocalDocumentIndex folder: the number of documents imported. */
  documents?: number;
  /**
   * For a LocalDocumentIndex folder: what could not be imported and was left out — catalog
   * entries without any chunk (Vectra stores a document whose text gives no chunk, Quiver cannot)
   * and chunks whose document is not in the catalog (left by an interrupted Vectra write).
   */
  skipped?: { documents: string[]; chunks: number };
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
  // Checked before anything is created. Items with an empty vector import as they are (stored,
  // never a vector-search hit); a zero vector has no direction under cosine, Vectra's metric.
  const unusable = data.items.find((i) => !Array.isArray(i.vector) || (i.vector.length > 0 && i.vector.every((x) => x === 0)));
  if (unusable) {
    throw new QuiverError('INVALID_ARGUMENT',
      `item "${unusable.id}" of the Vectra index has ${Array.isArray(unusable.vector) ? 'a zero vector (no direction, so no cosine similarity)' : 'no vector'}, ` +
      'which Quiver cannot store; delete such items in Vectra (or give them vectors) and import again');
  }
  const documentFolder = await readVectraCatalog(vectraFolder);
  const documents = documentFolder ? await documentIndexItems(vectraFolder, data, documentFolder) : undefined;
  const total = documents ? documents.items.length : data.items.length;
  // A document index's chunk text is indexed for keyword search, as LocalDocumentIndex.createIndex does.
  await target.createIndex({
    version: data.version ?? 1,
    metadata_config: data.metadata_config ?? {},
    deleteIfExists: options.overwrite === true,
    ...(documents ? { text: { field: `${DOC_KEY}.text` } } : {}),
  });
  await target.beginUpdate();
  try {
    for (let start = 0; start < total; start += batchSize) {
      let batch: IndexItemInput<never>[];
      if (documents) {
        batch = documents.items.slice(start, start + batchSize);
      } else {
        batch = [];
        for (const item of data.items.slice(start, start + batchSize)) {
          batch.push({ id: item.id, vector: item.vector, metadata: (await fullMetadata(vectraFolder, item)) as never });
        }
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
  if (!documents) return { items: total, source: file };
  return { items: total, source: file, documents: documents.count, skipped: documents.skipped };
}

/**
 * The items of a Vectra LocalDocumentIndex as Quiver's LocalDocumentIndex stores them: each
 * document's chunks in text order, with Vectra's vectors and chunk metadata, and the document's
 * uri, text, metadata and content hash. Items without a `documentId` (inserted directly into the
 * document index) come over as they are.
 */
async function documentIndexItems(
  folder: string,
  data: VectraIndexData,
  { catalog, extension }: VectraDocumentFolder,
): Promise<{ items: IndexItemInput<never>[]; count: number; skipped: { documents: string[]; chunks: number } }> {
  type Chunk = { vector: number[]; metadata: Record<string, unknown>; startPos: number; endPos: number };
  const chunksOf = new Map<string, Chunk[]>();
  const items: IndexItemInput<never>[] = [];
  let orphans = 0;
  for (const item of data.items) {
    const metadata = await fullMetadata(folder, item);
    const documentId = metadata.documentId;
    if (typeof documentId !== 'string') {
      items.push({ id: item.id, vector: item.vector, metadata: metadata as never });
    } else if (catalog.idToUri?.[documentId] === undefined) {
      orphans++;
    } else {
      const chunk = { vector: item.vector, metadata, startPos: Number(metadata.startPos), endPos: Number(metadata.endPos) };
      const list = chunksOf.get(documentId);
      if (list) list.push(chunk);
      else chunksOf.set(documentId, [chunk]);
    }
  }
  const skippedDocuments: string[] = [];
  let count = 0;
  for (const [uri, id] of Object.entries(catalog.uriToId)) {
    const chunks = (chunksOf.get(id) ?? []).sort((a, b) => a.startPos - b.startPos || a.endPos - b.endPos);
    if (chunks.length === 0) {
      skippedDocuments.push(uri);
      continue;
    }
    const { text, metadata } = await readVectraDocument(folder, id, extension);
    items.push(...documentItems({
      id,
      uri,
      text,
      docType: null, // Vectra does not record it (it only picks the separators)
      hash: catalog.uriToHash?.[uri] ?? '',
      metadata: metadata as Record<string, MetadataTypes> | undefined,
      chunks,
      vectors: chunks.map((c) => c.vector),
    }, chunks.map((c) => c.metadata)));
    count++;
  }
  return { items, count, skipped: { documents: skippedDocuments, chunks: orphans } };
}
