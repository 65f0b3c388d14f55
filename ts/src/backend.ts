// The contract between LocalIndex and a compiled core. A backend is pure glue over the C++ core:
// it adapts types and never validates or interprets anything itself (the core does). The Node
// addon implements it natively (native/node); the WASM module will implement it too.

/**
 * A vector as accepted by the core: a Float32Array is passed without copying; a Float64Array is
 * what `LocalIndex` hands over for a number[] (read in one step, each value rounded by the core).
 */
export type VectorLike = Float32Array | Float64Array | number[];

/** An item as handed to the core for insert/upsert. */
export interface BackendItemInput {
  /** Omitted: the core assigns a UUID v4. */
  id?: string;
  /** Omitted/undefined: the core rejects the item with "Vector is required". */
  vector?: VectorLike;
  /** JSON text of the metadata object ("{}" when the item has none). */
  metadata: string;
}

/**
 * A read result as the core packs it (PackedItems in native/core/include/quiver/item.h), unpacked
 * by packed.ts: `text` is `id NUL metadataJson NUL id ...`; `buffer` holds 5 float64 per item (norm, score,
 * distance, vectorScore, textScore; NaN where not applicable) followed by `count * dims` float32.
 */
export interface PackedItems {
  text: string;
  buffer: ArrayBuffer;
  count: number;
  dims: number;
  /** JSON text of the plan, estimates and timings, when the query asked for `explain`. */
  explain?: string;
}

/** Counters and configuration of an open index. */
export interface BackendStats {
  /** JSON text: {version, dimensions, metric, hnsw:{M,efConstruction,efSearch}, metadata_config:{indexed}} */
  config: string;
  items: number;
  sequence: number;
}

/** An open index. Every method rejects with an Error carrying a string `.code` from the core. */
export interface BackendIndex {
  /** Item count, write sequence and configuration. */
  stats(): Promise<BackendStats>;
  /** Starts a staged update. */
  beginUpdate(): Promise<void>;
  /** Commits the staged update. */
  endUpdate(): Promise<void>;
  /** Discards the staged update. */
  cancelUpdate(): Promise<void>;
  /**
   * Adds items in one transaction; resolves to their ids. options: write options JSON text
   * ({threads?}); abort: element 0 set to 1 aborts the call before it commits (native only).
   */
  insert(items: BackendItemInput[], options?: string, abort?: Int32Array): Promise<string[]>;
  /** Adds or replaces items in one transaction; resolves to their ids. */
  upsert(items: BackendItemInput[], options?: string, abort?: Int32Array): Promise<string[]>;
  /**
   * insert/upsert of the packed form: ids, their vectors one after another in one Float32Array,
   * metadata JSON texts (null: none); as one transaction.
   */
  writePacked(
    upsert: boolean,
    ids: string[],
    vectors: Float32Array,
    metadata: string[] | null,
    options?: string,
    abort?: Int32Array,
  ): Promise<string[]>;
  /** Pre-allocates the graph for `count` more items. */
  reserve(count: number): Promise<void>;
  /** Deletes items in one transaction; unknown ids are ignored. */
  remove(ids: string[]): Promise<void>;
  /** The item with this id: 0 or 1 item. */
  get(id: string): Promise<PackedItems>;
  /** filter: JSON text, or "" for all items. Insertion order. */
  list(filter: string): Promise<PackedItems>;
  /** How many items match: filter is JSON text, or "" for all items. */
  count(filter: string): Promise<number>;
  /** Deletes every item matching the filter (JSON text, non-empty) in one transaction; resolves to how many. */
  removeByMetadata(filter: string): Promise<number>;
  /**
   * Nearest neighbours, keyword or hybrid search. options: JSON text {topK, efSearch?, filter?,
   * text?, mode?, hybrid?: {method: 'rrf', k?, weights?: {vector?, text?}}} (the core's
   * query/request.h; unknown keys are rejected). Without text: nearest neighbours of `vector`;
   * text without a vector: keyword (BM25); both: hybrid.
   *
   * A backend that answered at once (the native addon, for a search small enough to run on the
   * JS thread; the WASM module) returns the answer itself, not a Promise: settling a Promise
   * costs more than a small search's unpacking. Such a backend may also throw instead of
   * rejecting; LocalIndex turns both into a rejected Promise.
   */
  query(vector: VectorLike | undefined, options: string): PackedItems | Promise<PackedItems>;
  /**
   * What getIndexInfo adds to the stats, as JSON text: {dimensions, metric, hnsw, quantization,
   * simd, shards: [{items, bytes, fileBytes}]} (the core's Index::info_json).
   */
  info(): Promise<string>;
  /**
   * Opens a resumable nearest-neighbour search (the core's query/cursor.h) or, with options
   * {order: 'insertion', filter?} and no vector, an item iterator over one snapshot
   * (query/item_cursor.h); resolves to its number. Query options: {efSearch?, filter?, maxResults?}.
   */
  openCursor(vector: VectorLike | undefined, options: string): Promise<number>;
  /** The next results of a cursor (at most `count`), best first; none when it is finished. */
  cursorNext(cursor: number, count: number): Promise<PackedItems>;
  /** Frees a cursor at once; closing a closed cursor does nothing. */
  closeCursor(cursor: number): Promise<void>;
  /**
   * Performance figures measured in the core, as JSON text (see PerformanceMetrics in types.ts).
   * options: JSON text {callerLatencies?: µs[]}, latencies the caller measured for its earlier
   * queries (the `callerLatencies` query option, query/request.h), recorded first.
   */
  metrics(options?: string): Promise<string>;
  /** Checks the HNSW graph against the database, rebuilding it if they disagree; a JSON report. */
  verify(): Promise<string>;
  /** Closes the index. */
  close(): Promise<void>;
}

/** A compiled core (native addon or WASM module) that LocalIndex runs on. */
export interface Backend {
  /** "native", "wasm", ... */
  readonly name: string;
  /** Whether an index exists in the folder. */
  exists(folder: string): Promise<boolean>;
  /** config: JSON text (see BackendStats.config; every field optional). */
  create(folder: string, config: string, deleteIfExists: boolean): Promise<void>;
  /** Deletes the index files in the folder. */
  destroy(folder: string): Promise<void>;
  /** Opens the index in the folder. options: JSON text {cache?: {maxEntries?, maxBytes?}} (this open only). */
  open(folder: string, options?: string): Promise<BackendIndex>;
}
