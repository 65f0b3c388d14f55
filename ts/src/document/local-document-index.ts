// LocalDocumentIndex: Vectra 0.15's document index (documents -> chunks -> embeddings) over a
// Quiver LocalIndex. Documents live in the index's own items (document-store.ts), so a document
// and its chunks are always written together, in one transaction.

import { QuiverError, invalidArgument } from '../errors.js';
import { LocalIndex } from '../local-index.js';
import type {
  CreateIndexConfig,
  IndexItem,
  LocalIndexOptions,
  MetadataFilter,
  MetadataTypes,
  QueryResult,
  VectraStorageLike,
} from '../types.js';
import { DOC_KEY, DocumentStore } from './document-store.js';
import { LocalDocument } from './local-document.js';
import { LocalDocumentResult } from './local-document-result.js';
import { type TextChunk, TextSplitter, type TextSplitterConfig } from './text-splitter.js';
import { GPT3Tokenizer, type Tokenizer, tokenizerReady } from './tokenizer.js';

/** Vectra's embeddings interface: its OpenAIEmbeddings / LocalEmbeddings objects fit as they are. */
export interface EmbeddingsModel {
  /** The most tokens one createEmbeddings call may be given (chunks are batched under it). */
  readonly maxTokens: number;
  /** Embeds one input or a batch of inputs; `output` holds one vector per input, in order. */
  createEmbeddings(inputs: string | string[]): Promise<EmbeddingsResponse>;
}

/** The result of a createEmbeddings call: anything but status 'success' with an `output` is an error. */
export interface EmbeddingsResponse {
  /** 'success', or why the call failed ('error', 'rate_limited'...). */
  status: 'success' | 'error' | 'rate_limited' | (string & {});
  /** One embedding per input, in input order (on success). */
  output?: number[][];
  /** What went wrong (on failure). */
  message?: string;
}

/** Chunk metadata: where the chunk is in its document, plus the document's metadata. */
export interface DocumentChunkMetadata {
  documentId: string;
  startPos: number;
  endPos: number;
  [key: string]: MetadataTypes;
}

/** Options of `new LocalDocumentIndex(config)`. */
export interface LocalDocumentIndexConfig {
  /** The folder of the index. */
  folderPath: string;
  /** Accepted for compatibility with Vectra and unused (a Quiver index is the whole folder). */
  indexName?: string;
  /** Required to upsert and query documents (listing and deleting work without). */
  embeddings?: EmbeddingsModel;
  /** Counts tokens for section rendering. Default: gpt-tokenizer (Vectra's GPT3Tokenizer). */
  tokenizer?: Tokenizer;
  /** chunkSize (default 512 tokens), chunkOverlap (0), keepSeparators (true), separators, docType... */
  chunkingConfig?: Partial<TextSplitterConfig>;
  /** Vectra's storage object: a VirtualFileStorage gives an in-memory index (see LocalIndex). */
  storage?: VectraStorageLike;
  /** Accepted for compatibility with Vectra and unused. */
  codec?: unknown;
  /** Quiver addition: the backend (default: the entry point's). */
  backend?: LocalIndexOptions['backend'];
}

/** Options of LocalDocumentIndex.queryDocuments. */
export interface DocumentQueryOptions {
  /** Documents returned (default 10). */
  maxDocuments?: number;
  /** Chunks retrieved before grouping them by document (default 50). */
  maxChunks?: number;
  /** Only chunks whose metadata matches this filter are considered. */
  filter?: MetadataFilter;
  /** Also append keyword (BM25) matches, marked `metadata.isBm25 = true`. */
  isBm25?: boolean;
}

/** What LocalDocumentIndex.getCatalogStats returns (Vectra's catalog stats). */
export interface DocumentCatalogStats {
  /** The catalog version (always 1). */
  version: number;
  /** Number of documents. */
  documents: number;
  /** Number of chunks (the index's items). */
  chunks: number;
  /** The index's metadata_config (which metadata fields are indexed). */
  metadata_config: { indexed?: string[] };
}

type ChunkResult = QueryResult<DocumentChunkMetadata>;

/**
 * Vectra's document index: documents are split into chunks, embedded with the configured
 * EmbeddingsModel, and stored as items of a LocalIndex; queries return documents ranked by their
 * best chunks (semantic, optionally plus keyword/BM25 matches).
 */
export class LocalDocumentIndex extends LocalIndex<DocumentChunkMetadata> {
  private readonly _embeddings: EmbeddingsModel | undefined;
  private readonly _tokenizer: Tokenizer;
  private readonly chunking: Partial<TextSplitterConfig>;
  private readonly documents: DocumentStore;
  /** Document writes one at a time (each is a staged update of the index). */
  private documentWrites: Promise<unknown> = Promise.resolve();

  constructor(config: LocalDocumentIndexConfig) {
    super(config.folderPath, config.indexName, config.storage, config.codec,
      config.backend ? { backend: config.backend } : undefined);
    this._embeddings = config.embeddings;
    // Vectra's document defaults: 512-token chunks without overlap, separators kept; one
    // tokenizer for chunking and rendering.
    this._tokenizer = config.tokenizer ?? config.chunkingConfig?.tokenizer ?? new GPT3Tokenizer();
    this.chunking = {
      keepSeparators: true,
      chunkSize: 512,
      chunkOverlap: 0,
      ...config.chunkingConfig,
      tokenizer: this._tokenizer,
    };
    this.documents = new DocumentStore(this, this._tokenizer);
  }

  /** The embeddings model given in the config (undefined if none was). */
  get embeddings(): EmbeddingsModel | undefined {
    return this._embeddings;
  }

  /** The tokenizer used for chunking documents and rendering sections. */
  get tokenizer(): Tokenizer {
    return this._tokenizer;
  }

  /**
   * Creates the index, with the chunks' text indexed for keyword search (so `queryDocuments(q,
   * { isBm25: true })` finds chunks by their words too).
   */
  override createIndex(config: CreateIndexConfig = { version: 1 }): Promise<void> {
    return super.createIndex({ ...config, text: config?.text ?? { field: `${DOC_KEY}.text` } });
  }

  /** Whether the index (and so its document catalog) exists. */
  isCatalogCreated(): Promise<boolean> {
    return this.isIndexCreated();
  }

  /** The id of the document with this uri, or undefined if there is none. */
  async getDocumentId(uri: string): Promise<string | undefined> {
    return this.documents.idForUri(checkString(uri, 'uri'));
  }

  /** The uri of the document with this id, or undefined if there is none. */
  async getDocumentUri(documentId: string): Promise<string | undefined> {
    return this.documents.uriForId(checkString(documentId, 'documentId'));
  }

  /** Counts of documents and chunks, with the index's metadata_config. */
  async getCatalogStats(): Promise<DocumentCatalogStats> {
    const stats = await this.getIndexStats();
    const documents = await this.documents.documents();
    return { version: 1, documents: documents.length, chunks: stats.items, metadata_config: stats.metadata_config };
  }

  /** Deletes the document and its chunks (one transaction); an unknown uri is a no-op. */
  async deleteDocument(uri: string): Promise<void> {
    checkString(uri, 'uri');
    return this.serialize(async () => {
      const id = await this.documents.idForUri(uri);
      if (id === undefined) return;
      const header = await this.documents.header(id);
      await this.documents.remove(id, header?.chunks ?? 0);
    });
  }

  /**
   * Splits the text into chunks, embeds them, and stores the document and its chunks in one
   * transaction, replacing an earlier version with the same uri. Unchanged text, docType and
   * metadata are not embedded again unless `options.force`.
   */
  async upsertDocument(
    uri: string,
    text: string,
    docType?: string,
    metadata?: Record<string, MetadataTypes>,
    options?: { force?: boolean },
  ): Promise<LocalDocument> {
    checkString(uri, 'uri');
    checkString(text, 'text');
    if (docType !== undefined && docType !== null) checkString(docType, 'docType');
    const embeddings = this.requireEmbeddings();
    return this.serialize(async () => {
      const hash = await contentHash(text, docType, metadata);
      const existing = await this.documents.idForUri(uri);
      const header = existing === undefined ? undefined : await this.documents.header(existing);
      if (existing !== undefined && options?.force !== true && header?.hash === hash) {
        return new LocalDocument(this.documents, existing, uri);
      }
      const id = existing ?? globalThis.crypto.randomUUID();
      await tokenizerReady(this._tokenizer);
      const chunks = new TextSplitter({ docType: docType ?? extensionOf(uri), ...this.chunking }).split(text);
      if (chunks.length === 0) {
        throw invalidArgument(`document "${uri}" has no text to index (it is empty or only whitespace)`);
      }
      const vectors = await embedChunks(embeddings, chunks);
      try {
        await this.documents.write({
          id, uri, text, docType: docType ?? null, hash, metadata, chunks, vectors,
          previousChunks: header?.chunks ?? 0,
        });
      } catch (err) {
        if (err instanceof QuiverError) {
          throw new QuiverError(err.code, `Error adding document "${uri}": ${err.message}`);
        }
        throw err;
      }
      return new LocalDocument(this.documents, id, uri);
    });
  }

  /** Every document, each with all its chunks (score 1). */
  async listDocuments(): Promise<LocalDocumentResult<DocumentChunkMetadata>[]> {
    const items = await this.listItems();
    return this.group(items.map((item) => ({ item, score: 1, distance: 0 })));
  }

  /**
   * The documents whose chunks best match `query` (embedded with the index's model), best first:
   * the `maxChunks` best chunks are grouped by document and documents ranked by their chunks'
   * average score.
   */
  async queryDocuments(query: string, options: DocumentQueryOptions = {}): Promise<LocalDocumentResult<DocumentChunkMetadata>[]> {
    checkString(query, 'query');
    const embeddings = this.requireEmbeddings();
    const { maxDocuments = 10, maxChunks = 50, filter, isBm25 } = options;
    const response = await callModel(embeddings, query.replace(/\n/g, ' '), 'for query');
    const vector = response[0];
    if (!Array.isArray(vector)) throw embeddingsError('for query', 'the model returned no embedding');
    const hits = await this.queryItems(vector, query, maxChunks, filter, isBm25);
    const documents = await this.group(hits);
    return documents.sort((a, b) => b.score - a.score).slice(0, maxDocuments);
  }

  /** Groups chunk results by document, in order of first appearance, hiding our bookkeeping. */
  private async group(results: ChunkResult[]): Promise<LocalDocumentResult<DocumentChunkMetadata>[]> {
    const byDocument = new Map<string, { uri: string | undefined; chunks: ChunkResult[] }>();
    for (const result of results) {
      const { [DOC_KEY]: record, ...metadata } = result.item.metadata as DocumentChunkMetadata & { [DOC_KEY]?: { uri?: string } };
      const documentId = metadata.documentId;
      if (typeof documentId !== 'string') continue;
      let entry = byDocument.get(documentId);
      if (!entry) byDocument.set(documentId, (entry = { uri: record?.uri, chunks: [] }));
      entry.chunks.push({ ...result, item: { ...result.item, metadata: metadata as DocumentChunkMetadata } as IndexItem<DocumentChunkMetadata> });
    }
    const out: LocalDocumentResult<DocumentChunkMetadata>[] = [];
    for (const [id, { uri, chunks }] of byDocument) {
      out.push(new LocalDocumentResult(this.documents, id, uri ?? (await this.documents.uriForId(id)) ?? '', chunks));
    }
    return out;
  }

  private requireEmbeddings(): EmbeddingsModel {
    if (!this._embeddings) throw new QuiverError('INVALID_STATE', 'Embeddings model not configured.');
    return this._embeddings;
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.documentWrites.then(fn, fn);
    this.documentWrites = run.catch(() => undefined);
    return run;
  }
}

function checkString(value: unknown, name: string): string {
  if (typeof value !== 'string') throw invalidArgument(`${name} must be a string (got ${value === null ? 'null' : typeof value})`);
  return value;
}

/** The lower-cased extension of the uri ("md" for "notes/a.md"), Vectra's default docType. */
function extensionOf(uri: string): string | undefined {
  const dot = uri.lastIndexOf('.');
  return dot >= 0 ? uri.slice(dot + 1).toLowerCase() : undefined;
}

/** Embeds the chunks in batches whose token total stays within the model's maxTokens. */
async function embedChunks(model: EmbeddingsModel, chunks: TextChunk[]): Promise<number[][]> {
  const batches: string[][] = [];
  let batch: string[] = [];
  let tokens = 0;
  for (const chunk of chunks) {
    if (batch.length > 0 && tokens + chunk.tokens.length > model.maxTokens) {
      batches.push(batch);
      batch = [];
      tokens = 0;
    }
    batch.push(chunk.text.replace(/\n/g, ' '));
    tokens += chunk.tokens.length;
  }
  if (batch.length > 0) batches.push(batch);
  const vectors: number[][] = [];
  for (const inputs of batches) {
    const output = await callModel(model, inputs, '');
    if (output.length !== inputs.length) {
      throw embeddingsError('', `the model returned ${output.length} embeddings for ${inputs.length} chunks`);
    }
    for (const v of output) vectors.push(v);
  }
  return vectors;
}

async function callModel(model: EmbeddingsModel, inputs: string | string[], what: string): Promise<number[][]> {
  let response: EmbeddingsResponse;
  try {
    response = await model.createEmbeddings(inputs);
  } catch (err) {
    throw embeddingsError(what, String(err));
  }
  if (response?.status !== 'success') throw embeddingsError(what, response?.message ?? `status ${String(response?.status)}`);
  if (!Array.isArray(response.output)) throw embeddingsError(what, 'the response has no output');
  return response.output;
}

function embeddingsError(what: string, detail: string): QuiverError {
  return new QuiverError('EMBEDDINGS', `Error generating embeddings${what ? ` ${what}` : ''}: ${detail}`);
}

/**
 * Identifies a document version: text, docType and metadata (key order does not matter). The
 * same SHA-256 as Vectra 0.15's catalog `uriToHash` (text, NUL, docType or '', NUL, metadata as
 * JSON with sorted keys), so the hashes of an imported Vectra document index stay valid: an
 * unchanged document upserted again after the import is not embedded again.
 */
export async function contentHash(text: string, docType: string | undefined, metadata: object | undefined): Promise<string> {
  const entries = Object.entries(metadata ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const canonical = `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
  const bytes = new TextEncoder().encode(`${text}\0${docType ?? ''}\0${canonical}`);
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
