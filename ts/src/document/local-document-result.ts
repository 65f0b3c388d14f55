// A document that matched a query (or was listed): its matching chunks, their average score, and
// the text sections to put in a prompt.

import type { QueryResult } from '../types.js';
import type { DocumentStore } from './document-store.js';
import { LocalDocument } from './local-document.js';
import { buildSections, type Chunk, type DocumentTextSection, isBm25Chunk, packAllSections } from './sections.js';
import { tokenizerReady } from './tokenizer.js';

export type { DocumentTextSection } from './sections.js';

/** A document returned by queryDocuments or listDocuments, with its matching chunks and their average score. */
export class LocalDocumentResult<TMetadata = Record<string, unknown>> extends LocalDocument {
  private readonly _chunks: QueryResult<TMetadata>[];
  private readonly _score: number;

  /** @internal Created by LocalDocumentIndex. */
  constructor(store: DocumentStore, id: string, uri: string, chunks: QueryResult<TMetadata>[]) {
    super(store, id, uri);
    this._chunks = chunks;
    this._score = chunks.length > 0 ? chunks.reduce((sum, c) => sum + c.score, 0) / chunks.length : 0;
  }

  /** The matching chunks (for listDocuments: all of them, score 1). */
  get chunks(): QueryResult<TMetadata>[] {
    return this._chunks;
  }

  /** The average score of the chunks. */
  get score(): number {
    return this._score;
  }

  /**
   * Up to `maxSections` sections of at most `maxTokens` tokens around the best-matching parts of
   * the document, semantic ones first, then keyword (BM25) ones. A document that fits in
   * `maxTokens` is returned whole, as one section of score 1.
   */
  async renderSections(maxTokens: number, maxSections: number, overlappingChunks = true): Promise<DocumentTextSection[]> {
    const length = await this.getLength();
    const text = await this.loadText();
    if (length <= maxTokens) return [{ text, tokenCount: length, score: 1, isBm25: false }];
    const chunks = this._chunks as unknown as Chunk[];
    const tok = this.store.tokenizer;
    await tokenizerReady(tok);
    const semantic = chunks.filter((c) => !isBm25Chunk(c));
    const keyword = chunks.filter(isBm25Chunk);
    return [
      ...buildSections(text, semantic, false, maxTokens, maxSections, overlappingChunks, tok).slice(0, maxSections),
      ...buildSections(text, keyword, true, maxTokens, maxSections, overlappingChunks, tok).slice(0, maxSections),
    ];
  }

  /** Every chunk, in document order, packed into sections of at most `maxTokens` tokens. */
  async renderAllSections(maxTokens: number): Promise<DocumentTextSection[]> {
    const text = await this.loadText();
    await tokenizerReady(this.store.tokenizer);
    return packAllSections(text, this._chunks as unknown as Chunk[], maxTokens, this.store.tokenizer);
  }
}
