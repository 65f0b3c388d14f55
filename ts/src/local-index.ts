// LocalIndex: Vectra's `LocalIndex` API over a Quiver backend. This layer adapts JS values
// (metadata to JSON, Float32Array vs number[], Vectra's result shapes), orders calls, and opens
// the index lazily. It does not validate what the core validates (dimensions, NaN, ids, topK,
// filters, sizes): those errors come from the core, with its codes and messages.

import type { Backend, BackendIndex, BackendItemInput, VectorLike } from './backend.js';
import { QuiverError, invalidArgument, rewrap, toQuiverError } from './errors.js';
import {
  checkId,
  fromBackendHit,
  fromBackendItem,
  insertedItem,
  toBackendInput,
} from './items.js';
import { isPlainObject, toJsonObject } from './json.js';
import { OpQueue } from './op-queue.js';
import type {
  CreateIndexConfig,
  IndexItem,
  IndexItemInput,
  IndexStats,
  InsertItemsOptions,
  LocalIndexOptions,
  MetadataFilter,
  MetadataTypes,
  QueryOptions,
  QueryResult,
  Vector,
} from './types.js';

const DEFAULT_BATCH_SIZE = 1000;
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
  private readonly backend: Backend;
  private readonly queue = new OpQueue();
  private handle: BackendIndex | undefined;
  private opening: Promise<BackendIndex> | undefined;
  private closing: Promise<void> | undefined;

  /**
   * @param folderPath the folder holding the index (created by {@link LocalIndex.createIndex})
   * @param indexName accepted for compatibility with Vectra and unused: a Quiver index is the
   *   whole folder
   * @param options Quiver addition: e.g. the backend to use (default: the native addon)
   */
  constructor(folderPath: string, indexName?: string, options?: LocalIndexOptions) {
    this._folderPath = folderPath;
    this._indexName = indexName ?? 'index.json';
    this.backend = options?.backend ?? (this.constructor as typeof LocalIndex).defaultBackend();
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

  /** The folder holding the index. */
  get folderPath(): string {
    return this._folderPath;
  }

  /** The name given to the constructor (Vectra compatibility; unused by Quiver). */
  get indexName(): string {
    return this._indexName;
  }

  // ---- Index lifecycle ------------------------------------------------------------------------

  /**
   * Creates the index folder and database, then opens it. Rejects with ALREADY_EXISTS
   * ("Index already exists") unless `deleteIfExists` is set.
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
      await this.backend.create(this._folderPath, json, deleteIfExists);
      await this.ensureOpen();
    });
  }

  /** Whether an index exists in the folder. */
  isIndexCreated(): Promise<boolean> {
    const folder = this._folderPath;
    return this.guard() ?? this.queue.read(() => rewrap(() => this.backend.exists(folder)));
  }

  /** Closes the index if open and deletes its files. No-op if there is no index. */
  deleteIndex(): Promise<void> {
    return this.control(async () => {
      await this.dropHandle();
      await this.backend.destroy(this._folderPath);
    });
  }

  /**
   * Opens the index now rather than on first use (Vectra compatibility). Rejects with NOT_FOUND
   * ("Index does not exist") when there is no index.
   */
  loadIndexData(): Promise<void> {
    return this.read(async () => undefined);
  }

  /** Vectra's stats (`version`, `metadata_config`, `items`) plus the index's configuration. */
  getIndexStats(): Promise<IndexStats> {
    return this.read(async (index) => {
      const stats = await index.stats();
      const config = JSON.parse(stats.config) as Omit<IndexStats, 'items'>;
      return {
        version: config.version,
        metadata_config: config.metadata_config ?? {},
        items: stats.items,
        dimensions: config.dimensions,
        metric: config.metric,
        hnsw: config.hnsw,
      };
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
    return this.write((index) => index.endUpdate());
  }

  /**
   * Discards the staged update. Synchronous in Vectra; here it returns a Promise but is ordered
   * with later calls, so `index.cancelUpdate(); await index.beginUpdate();` works un-awaited.
   */
  cancelUpdate(): Promise<void> {
    return this.write((index) => index.cancelUpdate());
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
      const ids = await index.insert(inputs);
      return items.map((item, i) => insertedItem(item, ids[i]));
    });
  }

  /**
   * Quiver addition for bulk loading: adds items in transactions of `batchSize` items and
   * resolves to their ids. Each batch is atomic, the whole call is NOT (unlike
   * {@link LocalIndex.batchInsertItems}): if a batch fails, earlier batches stay committed.
   * Inside a staged update, the batches are staged instead of committed. Metadata is converted
   * for all items first, so an item with non-JSON metadata rejects the call before any write.
   */
  async insertItems(
    items: IndexItemInput<TMetadata>[],
    options: InsertItemsOptions = {},
  ): Promise<string[]> {
    // Every option is checked before the first batch is written (these options exist only in
    // this layer: the core sees one batch at a time).
    const { batchSize, onProgress } = insertItemsOptions(options);
    const inputs = prepareItems(items);
    return this.write(async (index) => {
      const ids: string[] = [];
      for (let start = 0; start < inputs.length; start += batchSize) {
        // A loop, not push(...ids): a large batch would overflow the argument limit.
        for (const id of await index.insert(inputs.slice(start, start + batchSize))) ids.push(id);
        onProgress?.(ids.length, inputs.length);
      }
      return ids;
    });
  }

  /** Deletes an item; an unknown id is a no-op. */
  async deleteItem(id: string): Promise<void> {
    const checked = [checkId(id, 'id')];
    return this.write((index) => index.remove(checked));
  }

  /** Quiver addition: deletes items in one transaction; unknown ids are ignored. */
  async deleteItems(ids: string[]): Promise<void> {
    if (!Array.isArray(ids)) throw invalidArgument('ids must be an array of strings');
    const checked = ids.map((id, i) => checkId(id, `ids[${i}]`));
    return this.write((index) => index.remove(checked));
  }

  // ---- Reads ----------------------------------------------------------------------------------

  /** The item with this id, or undefined. */
  async getItem<TItemMetadata extends TMetadata = TMetadata>(
    id: string,
  ): Promise<IndexItem<TItemMetadata> | undefined> {
    checkId(id, 'id');
    return this.read(async (index) => {
      const item = await index.get(id);
      return item === undefined ? undefined : fromBackendItem<TItemMetadata>(item);
    });
  }

  /** All items, in insertion order. */
  listItems<TItemMetadata extends TMetadata = TMetadata>(): Promise<IndexItem<TItemMetadata>[]> {
    return this.read(async (index) => (await index.list('')).map(fromBackendItem<TItemMetadata>));
  }

  /** The items whose metadata matches `filter`, in insertion order. */
  async listItemsByMetadata<TItemMetadata extends TMetadata = TMetadata>(
    filter: MetadataFilter,
  ): Promise<IndexItem<TItemMetadata>[]> {
    const json = filterJson(filter);
    return this.read(async (index) => (await index.list(json)).map(fromBackendItem<TItemMetadata>));
  }

  /**
   * The `topK` items most similar to `vector` (optionally only those matching `filter`), best
   * first. `topK` must be an integer from 1 to 10000.
   */
  queryItems<TItemMetadata extends TMetadata = TMetadata>(
    vector: Vector,
    topK: number,
    filter?: MetadataFilter,
  ): Promise<QueryResult<TItemMetadata>[]>;
  /**
   * Vectra 0.10+ signature. `query` (the text for hybrid search) is ignored: hybrid BM25 ranking
   * is not supported yet, and `isBm25 = true` rejects with INVALID_ARGUMENT.
   */
  queryItems<TItemMetadata extends TMetadata = TMetadata>(
    vector: Vector,
    query: string,
    topK: number,
    filter?: MetadataFilter,
    isBm25?: boolean,
  ): Promise<QueryResult<TItemMetadata>[]>;
  async queryItems<TItemMetadata extends TMetadata = TMetadata>(
    vector: Vector,
    queryOrTopK: string | number,
    topKOrFilter?: number | MetadataFilter,
    filter?: MetadataFilter,
    isBm25?: boolean,
  ): Promise<QueryResult<TItemMetadata>[]> {
    if (typeof queryOrTopK !== 'string') {
      return this.search(vector, queryOrTopK, topKOrFilter as MetadataFilter | undefined, 0);
    }
    if (isBm25 === true) {
      throw invalidArgument(
        'hybrid BM25 search (isBm25 = true) is not supported by quiverdb yet; ' +
          'pass isBm25 = false to rank by vector similarity only',
      );
    }
    return this.search(vector, topKOrFilter as number, filter, 0);
  }

  /** Quiver addition: `queryItems` with options, including a per-query `efSearch`. */
  async query<TItemMetadata extends TMetadata = TMetadata>(
    vector: Vector,
    options: QueryOptions,
  ): Promise<QueryResult<TItemMetadata>[]> {
    if (typeof options !== 'object' || options === null) {
      throw invalidArgument('options must be an object like { topK, filter?, efSearch? }');
    }
    return this.search(vector, options.topK, options.filter, options.efSearch ?? 0);
  }

  // ---- Internals ------------------------------------------------------------------------------

  /** Must be called synchronously by the public method so that call order is kept. */
  private search<T>(
    vector: Vector,
    topK: number,
    filter: MetadataFilter | undefined,
    efSearch: number,
  ): Promise<QueryResult<T>[]> {
    const json = filterJson(filter);
    return this.read(async (index) =>
      (await index.query(vector as VectorLike, topK, json, efSearch)).map(fromBackendHit<T>),
    );
  }

  private writeOne<T>(item: IndexItemInput<T>, op: 'insert' | 'upsert'): Promise<IndexItem<T>> {
    const input = toBackendInput(item, 'item');
    return this.write(async (index) => {
      const [id] = await index[op]([input]);
      return insertedItem(item, id);
    });
  }

  /** A rejected promise once close() has been called, else undefined. */
  private guard(): Promise<never> | undefined {
    return this.closing ? Promise.reject(closedError()) : undefined;
  }

  /** A read on the open index (opened on first use). */
  private read<T>(fn: (index: BackendIndex) => Promise<T>): Promise<T> {
    return this.guard() ?? this.queue.read(() => rewrap(async () => fn(await this.ensureOpen())));
  }

  /** A state-changing call on the open index (opened on first use). */
  private write<T>(fn: (index: BackendIndex) => Promise<T>): Promise<T> {
    return this.guard() ?? this.queue.write(() => rewrap(async () => fn(await this.ensureOpen())));
  }

  /** A state-changing call that manages the handle itself (create, delete). */
  private control(fn: () => Promise<void>): Promise<void> {
    return this.guard() ?? this.queue.write(() => rewrap(fn));
  }

  private ensureOpen(): Promise<BackendIndex> {
    if (this.handle) return Promise.resolve(this.handle);
    // Concurrent reads share one open; a failed open is forgotten so that a later call (e.g.
    // after createIndex by another instance) tries again.
    this.opening ??= this.backend.open(this._folderPath).then(
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

const INSERT_ITEMS_OPTIONS = ['batchSize', 'onProgress'];

function insertItemsOptions(options: unknown): {
  batchSize: number;
  onProgress: ((done: number, total: number) => void) | undefined;
} {
  if (options === undefined || options === null) {
    return { batchSize: DEFAULT_BATCH_SIZE, onProgress: undefined };
  }
  if (!isPlainObject(options)) {
    throw invalidArgument('options must be an object like { batchSize?, onProgress? }');
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
  return { batchSize, onProgress: onProgress as ((done: number, total: number) => void) | undefined };
}

/** Converts items up front so that a bad one rejects the call before anything is written. */
function prepareItems(items: unknown): BackendItemInput[] {
  if (!Array.isArray(items)) throw invalidArgument('items must be an array of items');
  return items.map((item, i) => toBackendInput(item, `items[${i}]`));
}

function filterJson(filter: MetadataFilter | undefined): string {
  return filter === undefined || filter === null ? '' : toJsonObject(filter, 'filter');
}

function closedError(): QuiverError {
  // Same wording as the core's, for an index closed before it was ever opened.
  return new QuiverError('CLOSED', 'the index is closed; create a new LocalIndex to use it again');
}
