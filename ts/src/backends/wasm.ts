// A Backend over the core compiled to WebAssembly (wasm/binding.cpp). The module answers every
// call synchronously with {ok, value} or {ok: false, code, message}; this file turns those into
// Promises and QuiverErrors, and asks the injected storage to make writes durable. Platform I/O
// (real folders in Node, IndexedDB in browsers, cross-tab locks) lives in the storage, never here.

import type { Backend, BackendIndex, BackendItemInput, VectorLike } from '../backend.js';
import { QuiverError, type QuiverErrorCode } from '../errors.js';

/** What every binding call returns: C++ exceptions never cross into JS. */
export type WasmResult<T> = { ok: true; value: T } | { ok: false; code: string; message: string };

/**
 * The synchronous, status-returning form of a Promise-returning contract: what the embind glue
 * exposes for each method of `T`. Derived from backend.ts so the two can never drift apart.
 */
type Synchronous<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R
    ? (...args: A) => WasmResult<Awaited<R>>
    : never;
};

/** An open index inside the module (an embind handle): BackendIndex, synchronously. */
export type WasmIndexHandle = Synchronous<BackendIndex>;

/** The module built by scripts/build-wasm.mjs: Backend's calls (open returns a handle) + FS. */
export type WasmModule = Omit<Synchronous<Omit<Backend, 'name'>>, 'open'> & {
  open(folder: string, options: string): WasmResult<WasmIndexHandle>;
  // Emscripten's virtual filesystem; typed loosely because only storage adapters touch it.
  FS: any;
};

/** Where an index's files live and how they become durable, per platform. */
export interface WasmStorage {
  /**
   * The path inside the module's filesystem for the user's folder name, with any persisted
   * files loaded into it (browser: mount and read IndexedDB). Called before every folder-level
   * call and before open.
   */
  attach(module: WasmModule, folder: string): Promise<string>;
  /** Makes what was written under `path` durable; resolves only once it is (browser: IDB sync). */
  persist(module: WasmModule, path: string): Promise<void>;
  /** Called when nothing uses the folder any more (browser: unmount). */
  detach?(module: WasmModule, path: string): Promise<void>;
  /**
   * Claims the folder for one open index at a time across tabs/workers; resolves to its release,
   * or rejects with BUSY when another context holds it.
   */
  claim?(folder: string): Promise<() => void>;
}

function unwrap<T>(result: WasmResult<T>): T {
  if (result.ok) return result.value;
  throw new QuiverError(result.code as QuiverErrorCode, result.message);
}

class WasmIndex implements BackendIndex {
  private released = false;

  constructor(
    private readonly module: WasmModule,
    private readonly storage: WasmStorage,
    private readonly handle: WasmIndexHandle,
    private readonly path: string,
    private readonly release: () => void,
  ) {}

  // Writes resolve only after the storage has made them durable.
  private async write<T>(fn: () => WasmResult<T>): Promise<T> {
    const value = unwrap(fn());
    await this.storage.persist(this.module, this.path);
    return value;
  }

  async stats() { return unwrap(this.handle.stats()); }
  async info() { return unwrap(this.handle.info()); }
  async beginUpdate() { unwrap(this.handle.beginUpdate()); }
  endUpdate() { return this.write(() => this.handle.endUpdate()); }
  async cancelUpdate() { unwrap(this.handle.cancelUpdate()); }
  // Embind checks the argument count: always two (abort flags cannot act inside a synchronous call).
  insert(items: BackendItemInput[], options?: string) {
    return this.write(() => this.handle.insert(items, options));
  }
  upsert(items: BackendItemInput[], options?: string) {
    return this.write(() => this.handle.upsert(items, options));
  }
  writePacked(upsert: boolean, ids: string[], vectors: Float32Array, metadata: string[] | null, options?: string) {
    return this.write(() => this.handle.writePacked(upsert, ids, vectors, metadata, options));
  }
  async reserve(count: number) { unwrap(this.handle.reserve(count)); }
  remove(ids: string[]) { return this.write(() => this.handle.remove(ids)); }
  async get(id: string) { return unwrap(this.handle.get(id)); }
  async list(filter: string) { return unwrap(this.handle.list(filter)); }
  async count(filter: string) { return unwrap(this.handle.count(filter)); }
  removeByMetadata(filter: string) { return this.write(() => this.handle.removeByMetadata(filter)); }
  // Answered at once, so returned as it is (the Backend contract allows it; see backend.ts).
  query(vector: VectorLike | undefined, options: string) {
    return unwrap(this.handle.query(vector, options));
  }
  async openCursor(vector: VectorLike | undefined, options: string) { return unwrap(this.handle.openCursor(vector, options)); }
  async cursorNext(cursor: number, count: number) { return unwrap(this.handle.cursorNext(cursor, count)); }
  async closeCursor(cursor: number) { unwrap(this.handle.closeCursor(cursor)); }
  // Embind checks the argument count: always one (undefined when not given).
  async metrics(options?: string) { return unwrap(this.handle.metrics(options)); }
  verify() { return this.write(() => this.handle.verify()); }

  async close(): Promise<void> {
    // close() saves the HNSW graph file, so it is a write too; the core makes it idempotent.
    try {
      await this.write(() => this.handle.close());
    } finally {
      if (!this.released) {
        this.released = true;
        this.release();
        await this.storage.detach?.(this.module, this.path);
      }
    }
  }
}

/**
 * A Backend over a WASM module. `load` is called once, on first use; `storage` adapts the
 * platform (see node-wasm.ts and browser/idb-storage.ts).
 */
export function createWasmBackend(
  name: string,
  load: () => Promise<WasmModule>,
  storage: WasmStorage,
): Backend {
  let module: Promise<WasmModule> | undefined;
  // A failed load is not cached: the next call tries again (e.g. after a network hiccup).
  const getModule = (): Promise<WasmModule> =>
    (module ??= load().catch((err: unknown) => {
      module = undefined;
      throw err;
    }));

  // Runs a folder-level call with the folder attached, persisting after writes.
  async function onFolder<T>(folder: string, write: boolean, fn: (m: WasmModule, path: string) => WasmResult<T>): Promise<T> {
    const m = await getModule();
    const path = await storage.attach(m, folder);
    try {
      const value = unwrap(fn(m, path));
      if (write) await storage.persist(m, path);
      return value;
    } finally {
      await storage.detach?.(m, path);
    }
  }

  return {
    name,
    exists: (folder) => onFolder(folder, false, (m, path) => m.exists(path)),
    async create(folder, config, deleteIfExists) {
      const release = (await storage.claim?.(folder)) ?? (() => {});
      try {
        await onFolder(folder, true, (m, path) => m.create(path, config, deleteIfExists));
      } finally {
        release();
      }
    },
    async destroy(folder) {
      const release = (await storage.claim?.(folder)) ?? (() => {});
      try {
        await onFolder(folder, true, (m, path) => m.destroy(path));
      } finally {
        release();
      }
    },
    async open(folder, options) {
      const release = (await storage.claim?.(folder)) ?? (() => {});
      try {
        const m = await getModule();
        const path = await storage.attach(m, folder);
        try {
          const handle = unwrap(m.open(path, options ?? ''));
          // Opening may rebuild and save the graph file: make that durable too.
          await storage.persist(m, path);
          return new WasmIndex(m, storage, handle, path, release);
        } catch (err) {
          await storage.detach?.(m, path);
          throw err;
        }
      } catch (err) {
        release();
        throw err;
      }
    },
  };
}
