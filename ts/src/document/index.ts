// Public surface of the document index, re-exported by every entry point (each with its own
// LocalDocumentIndex subclass that picks the entry's backend).

export { LocalDocument } from './local-document.js';
export { LocalDocumentResult } from './local-document-result.js';
export type { DocumentTextSection } from './sections.js';
export { TextSplitter } from './text-splitter.js';
export type { TextChunk, TextSplitterConfig } from './text-splitter.js';
export { GPT3Tokenizer } from './tokenizer.js';
export type { Tokenizer } from './tokenizer.js';
export type {
  DocumentCatalogStats,
  DocumentChunkMetadata,
  DocumentQueryOptions,
  EmbeddingsModel,
  EmbeddingsResponse,
  LocalDocumentIndexConfig,
} from './local-document-index.js';
