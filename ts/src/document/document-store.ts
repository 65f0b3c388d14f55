// How a LocalDocumentIndex keeps documents: entirely in the index's own items, so that a document
// and its chunks are written in ONE SQLite transaction (one staged update) and no second store
// can ever disagree with the index (kill -9 included).
//
// Chunk i of document D is the item `D#i`. Its metadata is Vectra's chunk metadata
// (`documentId`, `startPos`, `endPos`, plus the document's own metadata) and one key of ours,
// `quiver_doc`:
//   { uri, chunk: i, text }                      on every chunk; `text` is the slice of the
//                                               document from this chunk's start to the next
//                                               one's, so the slices concatenate to the text
//   + { chunks, docType, hash, metadata }        on chunk 0 (the document's header)
// The uri ⇄ id catalog is a metadata filter on `quiver_doc.uri` / `quiver_doc.chunk`.

import { QuiverError } from '../errors.js';
import type { LocalIndex } from '../local-index.js';
import type { IndexItemInput, MetadataTypes } from '../types.js';
import type { TextChunk } from './text-splitter.js';
import type { Tokenizer } from './tokenizer.js';

export const DOC_KEY = 'quiver_doc';

export interface DocumentHeader {
  uri: string;
  chunks: number;
  docType: string | null;
  hash: string;
  metadata: Record<string, MetadataTypes> | null;
}

interface ChunkRecord {
  uri: string;
  chunk: number;
  text: string;
  chunks?: number;
  docType?: string | null;
  hash?: string;
  metadata?: Record<string, MetadataTypes> | null;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyIndex = LocalIndex<any>;

export const chunkId = (documentId: string, chunk: number): string => `${documentId}#${chunk}`;

export class DocumentStore {
  constructor(
    private readonly index: AnyIndex,
    readonly tokenizer: Tokenizer,
  ) {}

  get folderPath(): string {
    return this.index.folderPath;
  }

  async header(documentId: string): Promise<DocumentHeader | undefined> {
    const item = await this.index.getItem(chunkId(documentId, 0));
    const record = item?.metadata?.[DOC_KEY] as ChunkRecord | undefined;
    if (!record || record.chunk !== 0) return undefined;
    return {
      uri: record.uri,
      chunks: record.chunks ?? 0,
      docType: record.docType ?? null,
      hash: record.hash ?? '',
      metadata: record.metadata ?? null,
    };
  }

  async idForUri(uri: string): Promise<string | undefined> {
    const [head] = await this.index.listItemsByMetadata({ [`${DOC_KEY}.uri`]: uri, [`${DOC_KEY}.chunk`]: 0 });
    return head?.metadata.documentId as string | undefined;
  }

  async uriForId(documentId: string): Promise<string | undefined> {
    return (await this.header(documentId))?.uri;
  }

  /** Ids and uris of every document, in insertion order. */
  async documents(): Promise<{ id: string; uri: string }[]> {
    const heads = await this.index.listItemsByMetadata({ [`${DOC_KEY}.chunk`]: 0 });
    return heads.map((h) => ({ id: h.metadata.documentId as string, uri: (h.metadata[DOC_KEY] as ChunkRecord).uri }));
  }

  async text(documentId: string): Promise<string> {
    const head = await this.header(documentId);
    if (!head) throw new QuiverError('NOT_FOUND', `document ${documentId} does not exist`);
    const parts: string[] = [];
    for (let i = 0; i < head.chunks; i++) {
      const record = (await this.index.getItem(chunkId(documentId, i)))?.metadata?.[DOC_KEY] as ChunkRecord | undefined;
      if (!record || record.chunk !== i) {
        throw new QuiverError('CORRUPT', `chunk ${i} of document "${head.uri}" is missing; upsert the document again`);
      }
      parts.push(record.text);
    }
    return parts.join('');
  }

  /**
   * Replaces the document's chunks (if any) with `chunks`, in one staged update: committed as a
   * single transaction by endUpdate, or not at all.
   */
  async write(doc: DocumentContent & { previousChunks: number }): Promise<void> {
    await this.replace(doc.id, doc.previousChunks, documentItems(doc));
  }

  async remove(documentId: string, chunks: number): Promise<void> {
    await this.replace(documentId, chunks, []);
  }

  // Our bookkeeping key holds an object, which Vectra's flat metadata type does not describe.
  private async replace(documentId: string, previous: number, items: IndexItemInput<never>[]): Promise<void> {
    const index = this.index;
    await index.beginUpdate();
    try {
      const old: string[] = [];
      for (let i = 0; i < previous; i++) old.push(chunkId(documentId, i));
      if (old.length > 0) await index.deleteItems(old);
      if (items.length > 0) await index.insertItems(items, { batchSize: Math.max(1, items.length) });
      await index.endUpdate();
    } catch (err) {
      await index.cancelUpdate();
      throw err;
    }
  }
}

/** A document as the items that store it (chunk i is item `<id>#i`; see the top of this file). */
export interface DocumentContent {
  id: string;
  uri: string;
  text: string;
  docType: string | null;
  hash: string;
  metadata: Record<string, MetadataTypes> | undefined;
  /** Positions of the chunks in `text`, in order. */
  chunks: Pick<TextChunk, 'startPos' | 'endPos'>[];
  /** One vector per chunk. */
  vectors: ArrayLike<number>[];
}

/**
 * The chunk items of a document, ready to insert. `chunkMetadata[i]`, when given, is chunk i's
 * metadata as another store kept it (an imported Vectra chunk); by default it is the document's.
 */
export function documentItems(doc: DocumentContent, chunkMetadata?: Record<string, unknown>[]): IndexItemInput<never>[] {
  const { id, uri, text, chunks, vectors } = doc;
  if (!sliceBoundariesMonotonic(chunks)) {
    // Chunk positions only ever move forward; if they did not, slices would lose text.
    throw new QuiverError('INTERNAL', `chunk positions of "${uri}" are not increasing`);
  }
  return chunks.map((chunk, i) => {
    // Slice boundaries: from this chunk's start (0 for the first) to the next chunk's start.
    const from = i === 0 ? 0 : clamp(chunks[i].startPos, text.length);
    const to = i + 1 < chunks.length ? clamp(chunks[i + 1].startPos, text.length) : text.length;
    const record: ChunkRecord = { uri, chunk: i, text: text.slice(from, Math.max(from, to)) };
    if (i === 0) {
      Object.assign(record, { chunks: chunks.length, docType: doc.docType, hash: doc.hash, metadata: doc.metadata ?? null });
    }
    const base = chunkMetadata?.[i] ?? { ...doc.metadata, documentId: id, startPos: chunk.startPos, endPos: chunk.endPos };
    return {
      id: chunkId(id, i),
      vector: vectors[i] as number[],
      metadata: { ...base, [DOC_KEY]: record } as never,
    };
  });
}

const clamp = (pos: number, length: number): number => Math.min(Math.max(0, pos), length);

function sliceBoundariesMonotonic(chunks: Pick<TextChunk, 'startPos'>[]): boolean {
  for (let i = 1; i < chunks.length; i++) if (chunks[i].startPos < chunks[i - 1].startPos) return false;
  return true;
}
