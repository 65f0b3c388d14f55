// LocalIndex: Vectra's `LocalIndex` API over a Quiver backend. This layer adapts JS values
// (metadata to JSON, Float32Array vs number[], Vectra's result shapes), orders calls, and opens
// the index lazily. It does not validate what the core validates (dimensions, NaN, ids, topK,
// filters, sizes): those errors come from the core, with its codes and messages.

import type { Backend, BackendIndex, BackendItemInput, PackedItems, VectorLike } from './backend.js';
import { QuiverAbortError, QuiverError, invalidArgument, rewrap, toQuiverError } from './errors.js';
import { isPackedInput, itemBatches, packedBatches, runBatches } from './ingest.js';
import { toFilterJson } from './filter-json.js';
import { checkId, insertedItem, toBackendInput, toBackendVector, withTypedVectors } from './items.js';
import { isPlainObject, toJsonObject } from './json.js';
import { OpQueue } from './op-queue.js';
import { settleInline } from './turn-budget.js';
import { unpackHits, unpackItems } from './packed.js';
import { iterateItems, queryStream, type QueryStreamOptions } from './query-stream.js';
import type {
  CreateIndexConfig,
  IndexInfo,
  IndexItem,
  IndexItemInput,
  IndexStats,
  InsertItemsOptions,
  LocalIndexOptions,
  MetadataFilter,
  MetadataTypes,
  PackedItemsInput,
  PerformanceMetrics,
  QueryExplain,
  QueryOptions,
  QueryResult,
  Vector,
  VectraStorageLike,
} from './types.js';

const DEFAULT_BATCH_SIZE = 1000;
/** The core's topK limit (Limits::kMaxTopK); only used to size an internal request. */
const MAX_TOP_K = 10000;
const ignore = (): void => {};

/**
 * A local vector index stored in a folder: a drop-in replacement for Vectra's `LocalIndex`.
 *
 * Every method returns a Promise that rejects with a {@link QuiverError}. Calls on one instance
 * take effect in the order they are made, even when not awaited. The index is opened on first use
 * and stays open until {@link LocalIndex.close}.
 *
 * @typeParam TMetadata the shape of item metadata
 */
export class LocalIndex<
  TMetadata extends Record<string, MetadataTypes> = Record<string, MetadataTypes>,
> {
  // Every public method converts its arguments and enqueues its work on `queue` synchronously
  // (before any await), which is what keeps un-awaited calls in call order.
  private readonly _folderPath: string;
  private readonly _indexName: string;
  private readonly _storage: VectraStorageLike | undefined;
  /** Where the backend keeps the index: the folder, or a private one for in-memory storage. */
  private readonly location: string;
  private readonly backend: Backend;
  /** JSON text of this instance's open options (the query cache's size), if any. */
  private readonly openOptions: string | undefined;
  private readonly queue = new OpQueue();
  /**
   * Latencies of this instance's finished queries (µs, from the public call to the hits as
   * Vectra's objects), not yet handed to the core: each query, and getPerformanceMetrics(),
   * hands them in (`callerLatencies`), so the core's latency figures are what a caller's
   * stopwatch sees, including the unpacking here.
   */
  private latencies: number[] = [];
  private handle: BackendIndex | undefined;
  private opening: Promise<BackendIndex> | undefined;
  private closing: Promise<void> | undefined;

  /**
   * Vectra 0.15's positional signature. Also accepted: `(folderPath, indexName?, options?)`.
   *
   * @param folderPath the folder holding the index (created by {@link LocalIndex.createIndex})
   * @param indexName accepted for compatibility with Vectra and unused: a Quiver index is the
   *   whole folder
   * @param storage Vectra's storage object. A `VirtualFileStorage` (or a `mem://` folder path)
   *   gives an in-memory index: private to this process and gone when the process exits. Any
   *   other storage (`LocalFileStorage`) means the folder on disk, as without one.
   * @param codec accepted for compatibility with Vectra and unused (Quiver stores in SQLite; to
   *   bring a protobuf-coded Vectra index over, use `importVectraIndex`)
   * @param options Quiver addition: e.g. the backend to use (default: the native addon). Vectra's
   *   `bm25Factory` and `docReader` are accepted and unused: BM25 runs in the core's FTS5 table.
   */
  constructor(
    folderPath: string,
    indexName?: string,
    storage?: VectraStorageLike | LocalIndexOptions,
    codec?: unknown,
    options?: LocalIndexOptions,
  ) {
    void codec;
    // Quiver's earlier (folderPath, indexName, options) form: an options object in third place.
    if (options === undefined && isLocalIndexOptions(storage)) {
      options = storage;
      storage = undefined;
    }
    this._folderPath = folderPath;
    this._indexName = indexName ?? 'index.json';
    this._storage = storage as VectraStorageLike | undefined;
    const statics = this.constructor as typeof LocalIndex;
    this.backend = options?.backend ?? statics.defaultBackend();
    // Checked by the core at open (a bad size rejects the first call).
    this.openOptions = options?.cache === undefined ? undefined : JSON.stringify({ cache: options.cache });
    this.location = isInMemory(folderPath, this._storage)
      ? statics.memoryLocation(folderPath, this._storage)
      : folderPath;
  }

  /**
   * The backend used when none is injected. Each entry point ("quiverdb", "quiverdb/wasm",
   * "quiverdb/browser") exports a subclass that overrides this, so that this file never imports
   * platform code (the browser bundle must not pull in the Node addon loader).
   */
  protected static defaultBackend(): Backend {
    throw new QuiverError(
      'INVALID_ARGUMENT',
      'no backend: import LocalIndex from "quiverdb", "quiverdb/wasm" or "quiverdb/browser", or pass { backend }',
    );
  }

  /**
   * Where an in-memory index lives (see the constructor's `storage`). Each entry point decides:
   * in Node, a private temporary folder removed when the process exits. Called once per
   * LocalIndex; instances given the same storage object and folder path share one index.
   */
  protected static memoryLocation(folderPath: string, storage: VectraStorageLike | undefined): string {
    void folderPath;
    void storage;
    throw new QuiverError('INVALID_ARGUMENT', 'in-memory indexes are not available in this build');
  }

  /** The folder holding the index. */
  get folderPath(): string {
    return this._folderPath;
  }

  /**
   * Vectra's storage getter: the storage given to the constructor, else the backend that stores
   * the index (Quiver keeps an index in SQLite, not in files written through a storage object).
   */
  get storage(): VectraStorageLike | Backend {
    return this._storage ?? this.backend;
  }

  /** The name given to the constructor (Vectra compatibility; unused by Quiver). */
  get indexName(): string {
    return this._indexName;
  }

  // ---- Index lifecycle ------------------------------------------------------------------------

  /**
   * Creates the index folder and database, then opens it. Rejects with ALREADY_EXISTS
   * ("Index already exists") unless `deleteIfExists` is set.
   *
   * @example
   * ```ts
   * await index.createIndex({ dimensions: 384, metric: 'cosine', hnsw: { M: 16 } });
   * ```
   */
  createIndex(config: CreateIndexConfig = { version: 1 }): Promise<void> {
    // Converted up front (a cycle, BigInt or NaN rejects here, as a Promise, before anything is
    // touched); which keys and values are valid is the core's config parser's decision.
    let settings: { json: string; deleteIfExists: boolean };
    try {
      settings = configToJson(config);
    } catch (err) {
      return Promise.reject(toQuiverError(err));
    }
    const { json, deleteIfExists } = settings;
    return this.control(async () => {
      await this.dropHandle();
      await this.backend.create(this.location, json, deleteIfExists);
      await this.ensureOpen();
    });
  }

  /** Whether an index exists in the folder. */
  isIndexCreated(): Promise<boolean> {
    const folder = this.location;
    return this.guard() ?? this.queue.read(() => rewrap(() => this.backend.exists(folder)));
  }

  /** Closes the index if open and deletes its files. No-op if there is no index. */
  deleteIndex(): Promise<void> {
    return this.control(async () => {
      await this.dropHandle();
      await this.backend.destroy(this.location);
    });
  }

  /**
   * Opens the index now rather than on first use (Vectra compatibility). Rejects with NOT_FOUND
   * ("Index does not exist") when there is no index.
   */
  loadIndexData(): Promise<void> {
    return this.read(async () => undefined);
  }

  /**
   * Exactly Vectra's stats: `version`, `metadata_config` (as given at creation, `{}` when none
   * was) and the number of `items`. The rest of the configuration is in
   * {@link LocalIndex.getIndexInfo}.
   */
  getIndexStats(): Promise<IndexStats> {
    return this.read(async (index) => {
      const info = await readInfo(index);
      return { version: info.version, metadata_config: info.metadata_config, items: info.items };
    });
  }

  /**
   * Quiver addition: Vectra's stats plus the index's configuration (`dimensions`, `metric`,
   * `hnsw`), how vectors are stored (`quantization`), the distance kernels' instruction set
   * (`simd`) and each shard's `{ items, bytes, fileBytes }`.
   */
  getIndexInfo(): Promise<IndexInfo> {
    return this.read(async (index) => {
      const [info, runtime] = await Promise.all([readInfo(index), index.info()]);
      const extra = JSON.parse(runtime) as Pick<IndexInfo, 'simd' | 'shards'>;
      return { ...info, simd: extra.simd, shards: extra.shards };
    });
  }

  /**
   * Checks the HNSW graph against the database and rebuilds it if they disagree (Quiver
   * addition). Resolves to the core's human-readable report.
   */
  verify(): Promise<string> {
    return this.write((index) => index.verify());
  }

  /**
   * Closes the index after every call made before it has finished. Later calls reject with
   * CLOSED. Calling it again is a no-op.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing.then(ignore, ignore);
    this.closing = this.queue.write(() => rewrap(() => this.dropHandle()));
    return this.closing;
  }

  // ---- Staged updates -------------------------------------------------------------------------

  /**
   * Starts a staged update: until {@link LocalIndex.endUpdate}, inserts, upserts and deletes are
   * validated immediately but invisible to readers. Rejects with INVALID_STATE
   * ("Update already in progress") if one is open.
   */
  beginUpdate(): Promise<void> {
    return this.write((index) => index.beginUpdate());
  }

  /** Commits the staged update in one transaction; INVALID_STATE ("No update in progress"). */
  endUpdate(): Promise<void> {
    return this.stagedUpdate((index) => index.endUpdate(), 'reject');
  }

  /**
   * Discards the staged update. Synchronous in Vectra; here it returns a Promise but is ordered
   * with later calls, so `index.cancelUpdate(); await index.beginUpdate();` works un-awaited.
   */
  cancelUpdate(): Promise<void> {
    return this.stagedUpdate((index) => index.cancelUpdate(), 'resolve');
  }

  // ---- Writes ---------------------------------------------------------------------------------

  /**
   * Adds an item; rejects with ALREADY_EXISTS ("Item with id X already exists") if the id is
   * taken. Without an id, a UUID v4 is assigned. Resolves to the stored item.
   */
  async insertItem<TItemMetadata extends TMetadata = TMetadata>(
    item: IndexItemInput<TItemMetadata>,
  ): Promise<IndexItem<TItemMetadata>> {
    return this.writeOne(item, 'insert');
  }

  /** Adds an item, or replaces the item with the same id. Resolves to the stored item. */
  async upsertItem<TItemMetadata extends TMetadata = TMetadata>(
    item: IndexItemInput<TItemMetadata>,
  ): Promise<IndexItem<TItemMetadata>> {
    return this.writeOne(item, 'upsert');
  }

  /**
   * Adds all items in one transaction: if any item is invalid or its id is taken, nothing is
   * written and the call rejects.
   */
  async batchInsertItems<TItemMetadata extends TMetadata = TMetadata>(
    items: IndexItemInput<TItemMetadata>[],
  ): Promise<IndexItem<TItemMetadata>[]> {
    const inputs = prepareItems(items);
    return this.write(async (index) => {
      const ids = await index.insert(withTypedVectors(inputs));
      return items.map((item, i) => insertedItem(item, ids[i]));
    });
  }

  /**
   * Quiver addition for bulk loading: adds items in transactions of `batchSize` items and
   * resolves to their ids. Each batch is atomic, the whole call is NOT (unlike
   * {@link LocalIndex.batchInsertItems}): if a batch fails, earlier batches stay committed.
   * Inside a staged update, the batches are staged instead of committed. Metadata is converted
   * for all items first, so an item with non-JSON metadata rejects the call before any write.
   *
   * @example
   * ```ts
   * const ids = await index.insertItems(items, {
   *   batchSize: 5000,
   *   onProgress: (done, total) => console.log(`${done}/${total}`),
   * });
   * ```
   */
  async insertItems(
    items: IndexItemInput<TMetadata>[] | PackedItemsInput<TMetadata>,
    options: InsertItemsOptions = {},
  ): Promise<string[]> {
    return this.ingest('insertItems', items, options);
  }

  /**
   * Quiver addition: {@link LocalIndex.insertItems} with upsert semantics, for re-embedding or
   * refreshing a corpus: an item whose id exists is replaced (vector and metadata, as
   * `upsertItem` does), the others are added. The same forms and options; each batch is one
   * transaction. With `concurrentReads: true`, queries issued meanwhile are answered during the
   * call and see each batch whole, old or new: the core builds a batch's new vectors beside the
   * old ones and swaps them in when the batch commits (ARCHITECTURE.md, "Concurrency").
   *
   * @example
   * ```ts
   * await index.upsertItems({ ids, vectors: reembedded }, { batchSize: 10_000, concurrentReads: true });
   * ```
   */
  async upsertItems(
    items: IndexItemInput<TMetadata>[] | PackedItemsInput<TMetadata>,
    options: InsertItemsOptions = {},
  ): Promise<string[]> {
    return this.ingest('upsertItems', items, options);
  }

  private async ingest(
    method: 'insertItems' | 'upsertItems',
    items: IndexItemInput<TMetadata>[] | PackedItemsInput<TMetadata>,
    options: InsertItemsOptions,
  ): Promise<string[]> {
    // Every option is checked before the first batch is written (batchSize, onProgress and
    // signal exist only in this layer; the core checks `threads` with the first batch, before it
    // writes anything).
    const { batchSize, onProgress, signal, threads, concurrentReads } = insertItemsOptions(options);
    const upsert = method === 'upsertItems';
    const plan = isPackedInput(items)
      ? packedBatches(items, batchSize, upsert)
      : itemBatches(prepareItems(items), batchSize, upsert);
    if (signal?.aborted) {
      throw new QuiverAbortError(`${method} was aborted by its signal before it started; nothing was written`, 0);
    }
    const writeOptions = threads === undefined ? undefined : JSON.stringify({ threads });
    return this.write((index) => runBatches(index, plan, { method, batchSize, onProgress, signal, writeOptions }), {
      readsWait: !concurrentReads,
    });
  }

  /**
   * Pre-allocates the HNSW graph for `count` more items (Quiver addition), so that a large
   * insert does not grow it step by step. A no-op until the index has dimensions.
   */
  async reserve(count: number): Promise<void> {
    if (typeof count !== 'number') throw invalidArgument('count must be a number of items');
    return this.write((index) => index.reserve(count));
  }

  /** Deletes an item; an unknown id is a no-op. */
  async deleteItem(id: string): Promise<void> {
    const checked = [checkId(id, 'id')];
    return this.write((index) => index.remove(checked));
  }

  /**
   * Deletes items in one transaction (staged, inside an update); unknown ids are ignored, and an
   * empty list does nothing. Takes any iterable of ids: an array, a Set...
   */
  async deleteItems(ids: Iterable<string>): Promise<void> {
    if (typeof ids === 'string' || typeof (ids as Iterable<string>)?.[Symbol.iterator] !== 'function') {
      throw invalidArgument('ids must be an iterable of strings, e.g. an array or a Set');
    }
    const checked = Array.from(ids, (id, i) => checkId(id, `ids[${i}]`));
    return this.write((index) => index.remove(checked));
  }

  /**
   * Quiver addition: deletes every item whose metadata matches `filter`, in one transaction, and
   * resolves to how many were deleted. The filter must be a non-empty filter object (a missing or
   * empty filter rejects with INVALID_ARGUMENT: deleting everything is `deleteIndex`); a bad
   * filter rejects before anything is written. Not inside beginUpdate/endUpdate (INVALID_STATE).
   *
   * @example
   * ```ts
   * const removed = await index.deleteItemsByMetadata({ userId: 'u42' });
   * ```
   */
  async deleteItemsByMetadata(filter: MetadataFilter): Promise<number> {
    const json = filterJson(filter);
    return this.write((index) => index.removeByMetadata(json));
  }

  // ---- Reads ----------------------------------------------------------------------------------

  /**
   * Quiver addition: how many items match `filter` (all items without one). Counted in memory:
   * no item is unpacked.
   */
  async countItems(filter?: MetadataFilter): Promise<number> {
    const json = filterJson(filter);
    return this.read((index) => index.count(json));
  }

  /** The item with this id, or undefined. */
  async getItem<TItemMetadata extends TMetadata = TMetadata>(
    id: string,
  ): Promise<IndexItem<TItemMetadata> | undefined> {
    checkId(id, 'id');
    return this.read(async (index) => unpackItems<TItemMetadata>(await index.get(id))[0]);
  }

  /** All items, in insertion order. */
  listItems<TItemMetadata extends TMetadata = TMetadata>(): Promise<IndexItem<TItemMetadata>[]> {
    return this.read(async (index) => unpackItems<TItemMetadata>(await index.list('')));
  }

  /** The items whose metadata matches `filter`, in insertion order. */
  async listItemsByMetadata<TItemMetadata extends TMetadata = TMetadata>(
    filter: MetadataFilter,
  ): Promise<IndexItem<TItemMetadata>[]> {
    const json = filterJson(filter);
    return this.read(async (index) => unpackItems<TItemMetadata>(await index.list(json)));
  }

  /**
   * The `topK` items most similar to `vector` (optionally only those matching `filter`), best
   * first. `topK` must be an integer from 1 to 10000.
   *
   * @example
   * ```ts
   * const hits = await index.queryItems(embedding, 10, { year: { $gte: 2020 }, lang: 'en' });
   * for (const { item, score } of hits) console.log(score.toFixed(3), item.id, item.metadata);
   * ```
   */
  queryItems<TItemMetadata extends TMetadata = TMetadata>(
    vector: Vector,
    topK: number,
    filter?: MetadataFilter,
  ): Promise<QueryResult<TItemMetadata>[]>;
  /**
   * Vectra 0.10+ signature. `query` is the text for the keyword half of hybrid search, used when
   * `isBm25` is true (see the README: BM25 hits not already among the `topK` semantic hits are
   * appended, marked `metadata.isBm25 = true`).
   */
  queryItems<TItemMetadata extends TMetadata = TMetadata>(
    vector: Vector,
    query: string,
    topK: number,
    filter?: MetadataFilter,
    isBm25?: boolean,
  ): Promise<QueryResult<TItemMetadata>[]>;
  // Not `async`: an async function wraps the Promise it returns in another one, two more turns
  // of the microtask queue per query (search() rejects instead of throwing).
  queryItems<TItemMetadata extends TMetadata = TMetadata>(
    vector: Vector,
    queryOrTopK: string | number,
    topKOrFilter?: number | MetadataFilter,
    filter?: MetadataFilter,
    isBm25?: boolean,
  ): Promise<QueryResult<TItemMetadata>[]> {
    if (typeof queryOrTopK !== 'string') {
      return this.search(vector, { topK: queryOrTopK, filter: topKOrFilter as MetadataFilter | undefined });
    }
    if (isBm25 !== true) return this.search(vector, { topK: topKOrFilter as number, filter });
    return this.semanticThenKeyword(vector, queryOrTopK, topKOrFilter as number, filter);
  }

  /**
   * Quiver addition: `queryItems` with options: a per-query `efSearch`, and with `text`, hybrid
   * search (vector + BM25, fused by reciprocal rank fusion: `score` is the fused score,
   * `vectorScore` and `textScore` its parts) or, with a `null` vector, keyword search alone.
   */
  query<TItemMetadata extends TMetadata = TMetadata>(
    vector: Vector | null,
    options: QueryOptions,
  ): Promise<QueryResult<TItemMetadata>[] & { explain?: QueryExplain }> {
    if (typeof options !== 'object' || options === null) {
      return Promise.reject(
        invalidArgument('options must be an object like { topK, filter?, efSearch?, text?, hybrid? }'),
      );
    }
    // Every option goes to the core, which rejects unknown ones by name; with text, a null vector
    // means keyword search alone.
    return this.search(vector ?? undefined, options);
  }

  /**
   * Quiver addition: every item (optionally filtered) in insertion order, in batches, from one
   * consistent snapshot: writes made while iterating neither appear nor make an item vanish or
   * come twice. `listItems` keeps Vectra's behaviour (everything at once).
   */
  iterateItems<TItemMetadata extends TMetadata = TMetadata>(options?: {
    filter?: MetadataFilter;
    batchSize?: number;
    signal?: AbortSignal;
  }): AsyncIterable<IndexItem<TItemMetadata>[]> {
    return iterateItems<TItemMetadata>((fn) => this.read(fn), options);
  }

  /**
   * Quiver addition: performance figures measured in the core, always on: query latency
   * percentiles over the last 10-20 s, queries and inserts per second, the query cache's hit
   * rate, items, bytes on disk and in memory, per shard, open streams.
   */
  async getPerformanceMetrics(): Promise<PerformanceMetrics> {
    return this.read(async (index) => {
      const pending = this.takeLatencies();
      const options = pending === undefined ? undefined : `{"callerLatencies":${pending}}`;
      return JSON.parse(await index.metrics(options)) as PerformanceMetrics;
    });
  }

  /**
   * Quiver addition: the nearest neighbours of `vector`, best first, in batches, from one search
   * that continues in the core (a cursor), not a new search per page. Scores never increase from
   * one result to the next and no item comes twice; see README "Streaming results" for what a
   * stream sees of writes made while it is open. Breaking out of the loop or aborting `signal`
   * frees the cursor at once.
   *
   * @example
   * for await (const batch of index.queryStream(embedding, { batchSize: 100 })) {
   *   for (const { item, score } of batch) console.log(item.id, score);
   * }
   */
  queryStream<TItemMetadata extends TMetadata = TMetadata>(
    vector: Vector,
    options?: QueryStreamOptions,
  ): AsyncIterable<QueryResult<TItemMetadata>[]> {
    return queryStream<TItemMetadata>((fn) => this.read(fn), toBackendVector(vector as VectorLike), options);
  }

  // ---- Internals ------------------------------------------------------------------------------

  /** Must be called synchronously by the public method so that call order is kept. */
  private search<T>(vector: Vector | undefined, options: QueryOptions): Promise<QueryResult<T>[]> {
    const started = performance.now();
    const given = toBackendVector(vector as VectorLike | undefined);
    let json: string;
    try {
      json = withCallerLatencies(queryOptionsJson(options), this.takeLatencies());
    } catch (err) {
      return Promise.reject(err);
    }
    const done = (packed: PackedItems): QueryResult<T>[] => {
      const hits = hitsOf<T>(packed);
      // Whole microseconds: short to write and to parse.
      if (this.latencies.length < MAX_PENDING_LATENCIES) this.latencies.push(Math.round((performance.now() - started) * 1000));
      return hits;
    };
    return this.read((index) => {
      const answer = index.query(given, json);
      return answer instanceof Promise ? answer.then(done) : done(answer);
    });
  }

  /** The pending latencies as a JSON array (and forgets them), or undefined when none. */
  private takeLatencies(): string | undefined {
    if (this.latencies.length === 0) return undefined;
    const json = `[${this.latencies.join(',')}]`;
    this.latencies = [];
    return json;
  }

  /**
   * Vectra's isBm25: the `topK` semantic hits, then up to `topK` keyword (BM25) hits that are not
   * among them, marked `metadata.isBm25 = true`, with their BM25 score.
   */
  private semanticThenKeyword<T>(
    vector: Vector,
    text: string,
    topK: number,
    filter: MetadataFilter | undefined,
  ): Promise<QueryResult<T>[]> {
    const given = toBackendVector(vector as VectorLike);
    let semanticJson: string;
    try {
      semanticJson = queryOptionsJson({ topK, filter });
    } catch (err) {
      return Promise.reject(err);
    }
    return this.read(async (index) => {
      const semantic = unpackHits<T>(await index.query(given, semanticJson));
      const seen = new Set(semantic.map((hit) => hit.item.id));
      const keywordJson = queryOptionsJson({ topK: Math.min(topK + semantic.length, MAX_TOP_K), text, filter });
      const appended: QueryResult<T>[] = [];
      for (const hit of unpackHits<T>(await index.query(undefined, keywordJson))) {
        if (appended.length >= topK) break;
        if (seen.has(hit.item.id)) continue;
        hit.item.metadata = { ...hit.item.metadata, isBm25: true } as T;
        appended.push(hit);
      }
      return semantic.concat(appended);
    });
  }

  private writeOne<T>(item: IndexItemInput<T>, op: 'insert' | 'upsert'): Promise<IndexItem<T>> {
    const input = toBackendInput(item, 'item');
    return this.write(async (index) => {
      const [id] = await index[op](withTypedVectors([input]));
      return insertedItem(item, id);
    });
  }

  /** A rejected promise once close() has been called, else undefined. */
  private guard(): Promise<never> | undefined {
    return this.closing ? Promise.reject(closedError()) : undefined;
  }

  /**
   * A read on the open index (opened on first use). `fn` may answer at once (a backend that
   * answered synchronously): then, on an open index with no write pending, the read costs one
   * call and one settled Promise, with no queue bookkeeping (nothing is left in flight for a
   * later write to wait for) — handed over on the next turn of the event loop instead once such
   * answers took ~1 ms in this turn (turn-budget.ts).
   */
  private read<T>(fn: (index: BackendIndex) => T | Promise<T>): Promise<T> {
    const blocked = this.guard();
    if (blocked) return blocked;
    const handle = this.handle;
    if (handle !== undefined && this.queue.idle()) {
      const started = performance.now();
      let answer: T | Promise<T>;
      try {
        answer = fn(handle);
      } catch (err) {
        return Promise.reject(toQuiverError(err));
      }
      if (!(answer instanceof Promise)) return settleInline(answer, started);
      return this.queue.track(answer.catch(throwAsQuiverError));
    }
    return this.queue.read(() => rewrap(async () => fn(handle ?? (await this.ensureOpen()))));
  }

  /** A state-changing call on the open index (opened on first use). */
  private write<T>(fn: (index: BackendIndex) => Promise<T>, order?: { readsWait?: boolean }): Promise<T> {
    return this.guard() ?? this.queue.write(() => rewrap(async () => fn(await this.ensureOpen())), order);
  }

  /**
   * endUpdate/cancelUpdate. A staged update lives on an open handle, so with none (this instance
   * never began one, maybe the index does not even exist) there is no update in progress: Vectra
   * then rejects endUpdate with "No update in progress" and ignores cancelUpdate.
   */
  private stagedUpdate(fn: (index: BackendIndex) => Promise<void>, noHandle: 'reject' | 'resolve'): Promise<void> {
    return this.guard() ?? this.queue.write(() => rewrap(async () => {
      if (this.handle) return fn(this.handle);
      if (noHandle === 'resolve') return;
      throw new QuiverError('INVALID_STATE', 'No update in progress');
    }));
  }

  /** A state-changing call that manages the handle itself (create, delete). */
  private control(fn: () => Promise<void>): Promise<void> {
    return this.guard() ?? this.queue.write(() => rewrap(fn));
  }

  private ensureOpen(): Promise<BackendIndex> {
    if (this.handle) return Promise.resolve(this.handle);
    // Concurrent reads share one open; a failed open is forgotten so that a later call (e.g.
    // after createIndex by another instance) tries again.
    this.opening ??= this.backend.open(this.location, this.openOptions).then(
      (handle) => {
        this.handle = handle;
        this.opening = undefined;
        return handle;
      },
      (err: unknown) => {
        this.opening = undefined;
        throw err;
      },
    );
    return this.opening;
  }

  private async dropHandle(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    if (handle) await handle.close();
  }
}

type ConfigInfo = Omit<IndexInfo, 'simd' | 'shards'>;

async function readInfo(index: BackendIndex): Promise<ConfigInfo> {
  const stats = await index.stats();
  const config = JSON.parse(stats.config) as Omit<ConfigInfo, 'items'>;
  return {
    version: config.version,
    metadata_config: config.metadata_config ?? {},
    items: stats.items,
    dimensions: config.dimensions,
    metric: config.metric,
    hnsw: config.hnsw,
    ...(config.text ? { text: config.text } : {}),
    quantization: config.quantization ?? 'f32',
    rescore: config.rescore ?? false,
  };
}

/**
 * Query options as the core's JSON (query/request.h), which validates them and rejects unknown
 * keys. The filter goes through the same JSON check as elsewhere; a value JSON cannot carry
 * (NaN, a BigInt, ...) is left out or rejected here, and the core then names what is missing.
 */
/** A query's answer as Vectra's hits, with the plan (`explain: true`) as a hidden property. */
function hitsOf<T>(packed: PackedItems): QueryResult<T>[] {
  const hits = unpackHits<T>(packed);
  if (packed.explain !== undefined) {
    Object.defineProperty(hits, 'explain', { value: JSON.parse(packed.explain) as QueryExplain, enumerable: false });
  }
  return hits;
}

/** Latencies kept for the core at most (the core takes up to 4096 per call). */
const MAX_PENDING_LATENCIES = 1024;

/**
 * Query options JSON with `callerLatencies` (the pending latencies, or [] when none: either
 * way it tells the core this query is timed here, not by its own clock).
 */
function withCallerLatencies(json: string, pending: string | undefined): string {
  return `${json.slice(0, -1)}${json === '{}' ? '' : ','}"callerLatencies":${pending ?? '[]'}}`;
}

function throwAsQuiverError(err: unknown): never {
  throw toQuiverError(err);
}

function nonFiniteAsText(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

/** No nested object and no NaN/Infinity at the top: stringify needs no replacer (a replacer is
 * called for every key; most queries are `{ topK, efSearch }`). */
function plainOptions(options: Record<string, unknown>): boolean {
  for (const key in options) {
    const value = options[key];
    if (typeof value === 'number' ? !Number.isFinite(value) : typeof value === 'object' && value !== null) return false;
  }
  return true;
}

function queryOptionsJson(options: QueryOptions): string {
  const { filter, ...rest } = options;
  let json: string;
  try {
    // JSON has no NaN or Infinity (stringify would write null, i.e. "not given"): they go as
    // text, so the core rejects them by name instead of silently using a default.
    json = JSON.stringify(rest, plainOptions(rest) ? undefined : nonFiniteAsText);
  } catch (err) {
    throw invalidArgument(`query options must be plain JSON values (${(err as Error).message})`);
  }
  const filterText = filterJson(filter);
  return filterText === '' ? json : `${json.slice(0, -1)}${json === '{}' ? '' : ','}"filter":${filterText}}`;
}

/** Quiver's options object (not a Vectra storage, which has neither key). */
function isLocalIndexOptions(value: unknown): value is LocalIndexOptions {
  return typeof value === 'object' && value !== null && ('backend' in value || 'cache' in value);
}

/** Vectra's in-memory storage, recognised by its class name (we do not import Vectra). */
function isInMemory(folderPath: string, storage: VectraStorageLike | undefined): boolean {
  return (
    (typeof folderPath === 'string' && folderPath.startsWith('mem://')) ||
    storage?.constructor?.name === 'VirtualFileStorage'
  );
}

/**
 * The config as JSON text for the core, and Vectra's `deleteIfExists` (an argument of the create
 * call, not a setting). Every other key goes to the core, which rejects unknown ones by name.
 */
function configToJson(config: unknown): { json: string; deleteIfExists: boolean } {
  if (config === undefined || config === null) return { json: '{}', deleteIfExists: false };
  if (!isPlainObject(config)) {
    throw invalidArgument('config must be an object like { version: 1, dimensions?, metric? }');
  }
  const { deleteIfExists, ...settings } = config;
  if (deleteIfExists !== undefined && typeof deleteIfExists !== 'boolean') {
    throw invalidArgument(`config.deleteIfExists must be a boolean (got ${typeof deleteIfExists})`);
  }
  return { json: toJsonObject(settings, 'config'), deleteIfExists: deleteIfExists === true };
}

const INSERT_ITEMS_OPTIONS = ['batchSize', 'onProgress', 'signal', 'threads', 'concurrentReads'];

function insertItemsOptions(options: unknown): {
  batchSize: number;
  onProgress: ((done: number, total: number) => void) | undefined;
  signal: AbortSignal | undefined;
  threads: unknown;
  concurrentReads: boolean;
} {
  if (options === undefined || options === null) {
    return { batchSize: DEFAULT_BATCH_SIZE, onProgress: undefined, signal: undefined, threads: undefined, concurrentReads: false };
  }
  if (!isPlainObject(options)) {
    throw invalidArgument('options must be an object like { batchSize?, onProgress?, signal?, threads?, concurrentReads? }');
  }
  const unknown = Object.keys(options).find((key) => !INSERT_ITEMS_OPTIONS.includes(key));
  if (unknown !== undefined) {
    throw invalidArgument(
      `options has an unknown option ${JSON.stringify(unknown)}; the options are: ${INSERT_ITEMS_OPTIONS.join(', ')}`,
    );
  }
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize < 1) {
    throw invalidArgument(`batchSize must be a positive integer (got ${String(batchSize)})`);
  }
  const onProgress = options.onProgress ?? undefined;
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw invalidArgument(
      `onProgress must be a function (done, total) => void (got ${typeof onProgress})`,
    );
  }
  const signal = options.signal ?? undefined;
  if (
    signal !== undefined &&
    (typeof signal !== 'object' || typeof (signal as AbortSignal).aborted !== 'boolean' ||
      typeof (signal as AbortSignal).addEventListener !== 'function')
  ) {
    throw invalidArgument('signal must be an AbortSignal (e.g. new AbortController().signal)');
  }
  const concurrentReads = options.concurrentReads ?? false;
  if (typeof concurrentReads !== 'boolean') {
    throw invalidArgument(`concurrentReads must be true or false (got ${typeof concurrentReads})`);
  }
  return {
    concurrentReads,
    batchSize,
    onProgress: onProgress as ((done: number, total: number) => void) | undefined,
    signal: signal as AbortSignal | undefined,
    // Validated by the core (an integer from 1 to 256), before the first batch writes anything.
    threads: options.threads ?? undefined,
  };
}

/** Converts items up front so that a bad one rejects the call before anything is written. */
function prepareItems(items: unknown): BackendItemInput[] {
  if (!Array.isArray(items)) throw invalidArgument('items must be an array of items');
  return items.map((item, i) => toBackendInput(item, `items[${i}]`));
}

function filterJson(filter: MetadataFilter | undefined): string {
  return filter === undefined || filter === null ? '' : toFilterJson(filter, 'filter');
}

function closedError(): QuiverError {
  // Same wording as the core's, for an index closed before it was ever opened.
  return new QuiverError('CLOSED', 'the index is closed; create a new LocalIndex to use it again');
}
