// Public types of LocalIndex. Names and shapes follow Vectra's so that code written against
// Vectra's `LocalIndex` type-checks unchanged; Quiver's additions are marked as such.

import type { Backend } from './backend.js';

/** A vector: a `Float32Array` is handed to the core without copying. */
export type Vector = number[] | Float32Array;

/** The metadata value types of Vectra's typings (Quiver stores any JSON value). */
export type MetadataTypes = number | string | boolean;

/**
 * A MongoDB-style metadata filter (Pinecone's subset, as in Vectra): field conditions with `$eq`,
 * `$ne`, `$gt`, `$gte`, `$lt`, `$lte`, `$in`, `$nin`, combined with `$and` / `$or`. A bare value is
 * shorthand for `$eq`; several fields in one object must all match. `$ne`, `$nin` and
 * `$exists: false` match items that lack the field. As in Vectra, `$gt` `$gte` `$lt` `$lte`
 * compare numbers only, `$and: []` matches everything, `$or: []` nothing, and a field condition
 * that is `undefined` matches nothing. Quiver additions: `$exists`, `$not`, `$nor`, and dotted
 * paths into nested objects (`'author.name'`).
 */
export interface MetadataFilter {
  $eq?: unknown;
  $ne?: unknown;
  $gt?: number | string;
  $gte?: number | string;
  $lt?: number | string;
  $lte?: number | string;
  $in?: unknown[];
  $nin?: unknown[];
  /** Quiver addition: whether the field is present. */
  $exists?: boolean;
  /** Quiver addition: negates the operators of a field, e.g. `{ price: { $not: { $gt: 5 } } }`. */
  $not?: MetadataFilter;
  $and?: MetadataFilter[];
  $or?: MetadataFilter[];
  /** Quiver addition: none of the branches match. */
  $nor?: MetadataFilter[];
  [field: string]: unknown;
}

/** An item as stored in (and returned by) the index. */
export interface IndexItem<TMetadata = Record<string, MetadataTypes>> {
  id: string;
  metadata: TMetadata;
  /** The vector as given at insertion, read back as 32-bit floats. */
  vector: number[];
  /** Euclidean norm of `vector`. */
  norm: number;
  /** Vectra's non-indexed-metadata file name; Quiver keeps all metadata in its database. */
  metadataFile?: string;
}

/** An item to insert or upsert (Vectra's `Partial<IndexItem>`). */
export interface IndexItemInput<TMetadata = Record<string, MetadataTypes>> {
  /** Omitted: a random UUID v4 is assigned. */
  id?: string;
  /** Must be JSON-serializable: strings, numbers, booleans, null, arrays, plain objects. */
  metadata?: TMetadata;
  /** Required (the type is optional only for Vectra compatibility). */
  vector?: Vector;
  /** Ignored: Quiver computes the norm itself. */
  norm?: number;
  /** Ignored. */
  metadataFile?: string;
}

/** One query hit, best first. */
export interface QueryResult<TMetadata = Record<string, MetadataTypes>> {
  item: IndexItem<TMetadata>;
  /** Higher is better: cosine similarity, dot product (`ip`), or minus the squared L2 distance. */
  score: number;
  /**
   * Quiver addition: the engine's distance (1 - cosine, 1 - dot, or squared L2); NaN for a hit
   * found only by its text.
   */
  distance: number;
  /** Quiver addition, hybrid `query`: the vector similarity behind the fused score. */
  vectorScore?: number;
  /** Quiver addition, keyword and hybrid search: the BM25 score (higher is better). */
  textScore?: number;
}

/** HNSW graph parameters (Quiver addition). */
export interface HnswConfig {
  /** Links per node (default 16). */
  M?: number;
  /** Candidate list size while building (default 200). */
  efConstruction?: number;
  /** Candidate list size while searching (default 64); can be overridden per query. */
  efSearch?: number;
}

/** The distance metric of an index (Quiver addition; Vectra always uses cosine). */
export type Metric = 'cosine' | 'l2' | 'ip';

/** Options of `LocalIndex.createIndex`. */
export interface CreateIndexConfig {
  /** User-visible config version (Vectra's); default 1. */
  version?: number;
  /** Replace an existing index instead of failing with "Index already exists". */
  deleteIfExists?: boolean;
  /** Vectra's list of metadata fields to index. Accepted and recorded. */
  metadata_config?: { indexed?: string[] };
  /** Quiver addition: fixed vector length. Omitted: fixed by the first vector written. */
  dimensions?: number;
  /** Quiver addition: default `'cosine'`. */
  metric?: Metric;
  /** Quiver addition: HNSW parameters. */
  hnsw?: HnswConfig;
  /**
   * Quiver addition: the metadata field (dotted path) whose string value is indexed for keyword
   * (BM25) search: `queryItems(..., isBm25 = true)` and `query(vector, { text })`.
   */
  text?: { field: string };
  /**
   * Quiver addition: how the HNSW graph stores vectors: `'f32'` (default, as given), `'f16'`
   * (IEEE half, half the memory) or `'i8'` (one byte a component, a quarter). Items returned
   * always carry the exact vectors given (kept in the database).
   */
  quantization?: Quantization;
  /**
   * Quiver addition: re-rank the graph's candidates with the exact vectors (3 × topK
   * candidates), so a quantized index ranks like f32. A query's `rescore` overrides it.
   */
  rescore?: boolean;
  /**
   * Quiver addition: number of HNSW shards, 1 to 64, fixed at creation (default 1). Each shard is
   * its own graph and file; a query searches all of them (in parallel when they are big) and
   * merges the results exactly. See README, "Shards and ingest".
   */
  shards?: number;
  /**
   * Quiver addition: the in-memory query cache of each process that opens the index (answers of
   * repeated queries; any committed write, here or in another process, drops them). Default
   * `{ maxEntries: 256, maxBytes: 4 MiB }`; 0 for either turns it off. An open can override it
   * (`new LocalIndex(folder, undefined, { cache })`).
   */
  cache?: QueryCacheOptions;
}

/** Size of the query cache: at most this many answers and bytes (0: off). */
export interface QueryCacheOptions {
  maxEntries?: number;
  maxBytes?: number;
}

/** How the graph stores vectors (createIndex `quantization`). */
export type Quantization = 'f32' | 'f16' | 'i8';

/** Result of `LocalIndex.getIndexStats`: exactly Vectra's. */
export interface IndexStats {
  version: number;
  /** As given to createIndex; `{}` when none was given. */
  metadata_config: { indexed?: string[] };
  /** Number of committed items. */
  items: number;
}

/** Result of `LocalIndex.getIndexInfo` (Quiver addition): the stats plus the configuration. */
export interface IndexInfo extends IndexStats {
  /** Vector length (0 until the first vector is written). */
  dimensions: number;
  metric: Metric;
  /** The HNSW parameters in effect. */
  hnsw: Required<HnswConfig>;
  /** The keyword-indexed field, if any. */
  text?: { field: string };
  /** The graph's stored form (createIndex `quantization`). */
  quantization: Quantization;
  /** Whether queries rescore by default (createIndex `rescore`). */
  rescore: boolean;
  /** The instruction set of the distance kernels in use: `'avx512'`, `'avx2'`, `'sse4'`, `'neon'`, `'scalar'`, `'wasm-simd128'`. */
  simd: string;
  /**
   * One entry per HNSW shard (createIndex `shards`): its live `items`, the `bytes` its graph holds
   * in memory (vectors + links) and the size of its file, `fileBytes` (0 before the first save).
   */
  shards: ShardInfo[];
}

/** One HNSW shard in {@link IndexInfo}. */
export interface ShardInfo {
  items: number;
  bytes: number;
  fileBytes: number;
}

/** Options of `LocalIndex.query` (Quiver addition). */
export interface QueryOptions {
  /** Number of hits wanted: an integer from 1 to 10000. */
  topK: number;
  filter?: MetadataFilter;
  /** Search-time candidate list size for this query; default: the index's `hnsw.efSearch`. */
  efSearch?: number;
  /**
   * Words to search for in the index's text field (createIndex `text`). With a vector: hybrid
   * search, the vector ranking and the BM25 ranking fused by `hybrid`. Without one (`null`):
   * keyword search alone, by BM25.
   */
  text?: string;
  /** How to fuse the two rankings: reciprocal rank fusion, `weight / (k + rank)` summed. */
  hybrid?: { method?: 'rrf'; k?: number; weights?: { vector?: number; text?: number } };
  /** Re-rank with the exact vectors (quantized indexes); default: the index's `rescore`. */
  rescore?: boolean;
  /**
   * How a filtered query runs. `'auto'` (default): the planner picks from the estimated number of
   * matches (see README, "Filters and the planner"). `'exact'`: brute force over every match.
   * `'filtered-hnsw'`: the filter inside the graph walk with this `efSearch`, no fallback (may
   * return fewer than topK when few items match); for benchmarks and comparisons.
   */
  plan?: 'auto' | 'exact' | 'filtered-hnsw';
  /** Report the plan, its estimates and timings on the result's `explain` property. */
  explain?: boolean;
  /**
   * Quiver addition. `false`: each hit's `item.vector` is an empty array instead of the stored
   * vector (`norm`, `score` and `distance` are unchanged: the core still computes them from the
   * exact vector). For RAG and recommendations, which use ids and metadata, this skips building
   * `topK` arrays of `dimensions` numbers per query (README, "Queries without vectors").
   * Default `true`, as Vectra.
   */
  includeVectors?: boolean;
}

/** Options of `LocalIndex.queryStream`. */
export interface QueryStreamOptions {
  filter?: MetadataFilter;
  /** Results per batch: an integer from 1 to 10000 (default 100). */
  batchSize?: number;
  /** Stop after this many results (default: no limit; see README "Streaming results"). */
  maxResults?: number;
  /** Width of the graph walk (default: the index's `hnsw.efSearch`). */
  efSearch?: number;
  /** `false`: items come without their vectors (`vector: []`), as `query`'s `includeVectors`. */
  includeVectors?: boolean;
  /** Aborting it frees the cursor at once; the pending or next `next()` rejects with its reason. */
  signal?: AbortSignal;
}

/** Options of `LocalIndex.insertItems` (Quiver addition). */
export interface InsertItemsOptions {
  /** Items per transaction (default 1000). */
  batchSize?: number;
  /** Called after each committed batch with the number of items written so far. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Stops the insert: the batch in progress is rolled back and the call rejects with a
   * {@link QuiverAbortError} (`code` `'ABORTED'`, `committed` = items written by earlier batches,
   * which stay). On the native backend the core checks the signal while it validates and writes
   * a batch; on WASM backends (synchronous in their thread) it is checked between batches.
   */
  signal?: AbortSignal;
  /** Threads that build the HNSW graph, 1 to 256 (default: every core). */
  threads?: number;
  /**
   * `true`: queries, gets and lists issued on this LocalIndex while the call runs do not wait for
   * it (by default they do: read-your-writes). They see every batch committed so far, never part
   * of a batch, and are answered while a batch's graph is built (only its transaction holds them
   * off). Later writes still wait for the call. Default `false`.
   */
  concurrentReads?: boolean;
}

/**
 * insertItems' packed form (Quiver addition): item `i` is `ids[i]` with the vector
 * `vectors[i*d .. (i+1)*d)`, `d = vectors.length / ids.length`, and `metadata?.[i]`. The vectors
 * are handed to the core in place (sub-arrays per batch, no copy per item in JS).
 */
export interface PackedItemsInput<TMetadata = Record<string, MetadataTypes>> {
  ids: string[];
  vectors: Float32Array;
  metadata?: (TMetadata | undefined)[];
}

/** Options of the `LocalIndex` constructor (Quiver addition). */
export interface LocalIndexOptions {
  /**
   * The compiled core to use. Default: the native Node addon. Injected by tests to run the same
   * suite against every backend (e.g. WASM).
   */
  backend?: Backend;
  /** Vectra's BM25 engine injection: accepted and unused (Quiver's BM25 is SQLite FTS5). */
  bm25Factory?: unknown;
  /** Vectra's document reader injection: accepted and unused. */
  docReader?: unknown;
  /** Quiver addition: the query cache's size for this instance's open (overrides createIndex's). */
  cache?: QueryCacheOptions;
}

/** What `query(..., { explain: true })` reports on its result array's `explain` property. */
export interface QueryExplain {
  /** The planner's plan (hnsw, filtered-hnsw, bitmap-hnsw, exact-scan), keyword, or hybrid+<plan>. */
  plan: string;
  /** Where the match estimate came from (none, index, sample, scan), the estimate, whether exact. */
  estimates: { source: string; matches: number; exact: boolean; indexBound?: number };
  /** A graph walk found fewer than topK and the exact scan answered. */
  fellBack: boolean;
  items: number;
  efSearch: number;
  results: number;
  timings: { searchMs: number; totalMs: number };
  cacheHit: boolean;
}

/** `getPerformanceMetrics()`: measured in the core, always on. */
export interface PerformanceMetrics {
  /** Latency of query() in the core (lock wait included) over the last 10-20 s. */
  queries: { p50Ms: number; p95Ms: number; p99Ms: number; count: number; perSecond: number; windowSeconds: number };
  /** Items written by this process per second over the same window. */
  inserts: { perSecond: number };
  cache: { hits: number; misses: number; hitRate: number; entries: number; bytes: number; maxEntries: number; maxBytes: number };
  items: number;
  bytesOnDisk: number;
  bytesInMemory: { total: number; items: number; vectors: number; cache: number; streams: number };
  shards: { items: number; bytesInMemory: number }[];
  /** Open queryStream cursors and what they hold. */
  streams: { open: number; bytes: number };
}

/**
 * A Vectra storage object (`LocalFileStorage`, `VirtualFileStorage`, `IndexedDBStorage`), as
 * passed to Vectra's LocalIndex constructor. Quiver only looks at which kind it is.
 */
export interface VectraStorageLike {
  readonly constructor?: { readonly name?: string };
}
