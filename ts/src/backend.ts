// The contract between LocalIndex and a compiled core. A backend is pure glue over the C++ core:
// it adapts types and never validates or interprets anything itself (the core does). The Node
// addon implements it natively (native/node); the WASM module will implement it too.

/** A vector as accepted by the core: a Float32Array is passed without copying. */
export type VectorLike = Float32Array | number[];

export interface BackendItemInput {
  /** Omitted: the core assigns a UUID v4. */
  id?: string;
  /** Omitted/undefined: the core rejects the item with "Vector is required". */
  vector?: VectorLike;
  /** JSON text of the metadata object ("{}" when the item has none). */
  metadata: string;
}

export interface BackendItem {
  id: string;
  vector: Float32Array;
  /** JSON text of the metadata object. */
  metadata: string;
}

export interface BackendHit extends BackendItem {
  /** Higher is better: cosine similarity, dot product, or minus the squared L2 distance. */
  score: number;
  /** The engine's distance: 1 - cosine, 1 - dot, or squared L2. */
  distance: number;
  /** search(): the vector similarity behind a hybrid score, when the item was found that way. */
  vectorScore?: number;
  /** search(): the BM25 score, when the item was found by its text. */
  textScore?: number;
}

export interface BackendStats {
  /** JSON text: {version, dimensions, metric, hnsw:{M,efConstruction,efSearch}, metadata_config:{indexed}} */
  config: string;
  items: number;
  sequence: number;
}

/** An open index. Every method rejects with an Error carrying a string `.code` from the core. */
export interface BackendIndex {
  stats(): Promise<BackendStats>;
  beginUpdate(): Promise<void>;
  endUpdate(): Promise<void>;
  cancelUpdate(): Promise<void>;
  insert(items: BackendItemInput[]): Promise<string[]>;
  upsert(items: BackendItemInput[]): Promise<string[]>;
  remove(ids: string[]): Promise<void>;
  get(id: string): Promise<BackendItem | undefined>;
  /** filter: JSON text, or "" for all items. Insertion order. */
  list(filter: string): Promise<BackendItem[]>;
  /** filter: JSON text or ""; efSearch 0 means the index's configured value. */
  query(vector: VectorLike, topK: number, filter: string, efSearch: number): Promise<BackendHit[]>;
  /**
   * Keyword or hybrid search. options: JSON text {topK, text, filter?, efSearch?, mode:
   * 'keyword' | 'hybrid', hybrid?: {method: 'rrf', k?, weights?: {vector?, text?}}}; the vector
   * is only used (and required) in hybrid mode.
   */
  search(vector: VectorLike | undefined, options: string): Promise<BackendHit[]>;
  verify(): Promise<string>;
  close(): Promise<void>;
}

export interface Backend {
  readonly name: string;
  exists(folder: string): Promise<boolean>;
  /** config: JSON text (see BackendStats.config; every field optional). */
  create(folder: string, config: string, deleteIfExists: boolean): Promise<void>;
  destroy(folder: string): Promise<void>;
  open(folder: string): Promise<BackendIndex>;
}
