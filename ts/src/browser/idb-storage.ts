// Browser storage for the WASM core: every index folder is its own IDBFS mount, hence its own
// IndexedDB database, and a Web Lock keeps it open in one tab or worker at a time.
//
// Why one mount per index: Emscripten's FS.syncfs() syncs *every* mount. A page that checked
// another tab's index (exists(), which loads a copy) would write that stale copy back over the
// other tab's newer data on its next write. Syncing only the mount of the index being written
// (mount.type.syncfs(mount, ...)) never touches anything else.
//
// Durability: persist() resolves when the IndexedDB transaction holding every file changed since
// the last sync has completed. IDBFS writes all of them in ONE transaction, so IndexedDB always
// holds the index as it was after some resolved write, never half of one. Those transactions ask
// for `strict` durability (flushed to disk before they complete, like SQLite's synchronous=FULL
// in Node) unless the app chooses `relaxed`, the browsers' default since Chrome 121.

import type { WasmModule, WasmStorage } from '../backends/wasm.js';
import { QuiverError, type QuiverErrorCode } from '../errors.js';

/** Where index mounts live inside the module's filesystem. */
const ROOT = '/quiver';
/** Prefix of the Web Lock names; the rest is the folder name as the user gave it. */
const LOCK_PREFIX = 'quiverdb:';

/**
 * How IndexedDB commits each write. `strict`: flushed to disk before the write resolves, so it
 * survives an OS crash or power loss too. `relaxed`: handed to the OS, which flushes it within
 * seconds; survives tab and browser crashes, and is faster for many tiny writes.
 */
export type IdbDurability = 'strict' | 'relaxed';

/** The parts of Emscripten's IDBFS object this file uses. */
interface Idbfs {
  syncfs(mount: IdbfsMount, populate: boolean, callback: (err: unknown) => void): void;
  /** Opens (and caches) the database of a mount; every sync goes through it. */
  getDB(name: string, callback: (err: unknown, db?: IDBDatabase) => void): void;
  /** IDBFS's cache of open IndexedDB connections, by database name (= mountpoint). */
  dbs?: Record<string, IDBDatabase | undefined>;
}

/** The parts of an Emscripten mount object this file uses. */
interface IdbfsMount {
  mountpoint: string;
  type: Idbfs;
}

interface Mounted {
  mount: IdbfsMount | undefined;
  refs: number;
  /** Settles when the mount is loaded from IndexedDB; shared by concurrent attaches. */
  ready: Promise<void>;
}

/**
 * The path of a folder's mount. Folder names are opaque ("docs", "a/b", "../x" are three different
 * indexes), so everything that could change the path's meaning is escaped, dots included.
 */
export function mountPath(folder: string): string {
  if (typeof folder !== 'string' || folder.length === 0) {
    throw new QuiverError('INVALID_ARGUMENT', 'folder must be a non-empty string');
  }
  return `${ROOT}/${encodeURIComponent(folder).replace(/\./g, '%2E')}`;
}

function describeError(err: unknown): string {
  if (
    err instanceof Error ||
    (typeof DOMException !== 'undefined' && err instanceof DOMException)
  ) {
    return `${err.name}: ${err.message}`;
  }
  return String(err);
}

function storageError(action: string, folder: string, err: unknown): QuiverError {
  const name = (err as { name?: unknown } | null)?.name;
  const code: QuiverErrorCode = name === 'QuotaExceededError' ? 'LIMIT' : 'IO';
  return new QuiverError(
    code,
    `cannot ${action} index "${folder}" in IndexedDB: ${describeError(err)}`,
  );
}

function busyError(folder: string, here: boolean): QuiverError {
  return new QuiverError(
    'BUSY',
    here
      ? `index "${folder}" is already open in this page or worker (another LocalIndex on the same ` +
          'folder); close that one first'
      : `index "${folder}" is open in another tab or worker; close it there first`,
  );
}

function sync(mount: IdbfsMount, populate: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    mount.type.syncfs(mount, populate, (err) => (err ? reject(err) : resolve()));
  });
}

/**
 * IDBFS decides what to write by comparing each file's mtime (milliseconds) with the one it
 * stored. A file changed again within the same millisecond as the sync that read it would look
 * unchanged to the next sync and be silently skipped. Waiting until the clock has moved on before
 * the write's promise resolves makes every later write get a later mtime. Usually free: the
 * IndexedDB commit itself takes longer than a millisecond.
 */
async function nextMillisecond(): Promise<void> {
  const now = Date.now();
  while (Date.now() <= now) await new Promise((resolve) => setTimeout(resolve, 1));
}

/**
 * Makes IDBFS's write transactions ask for `durability`. IDBFS (Emscripten 3.1.6) opens them with
 * no options; every sync gets its connection from getDB, so wrapping getDB reaches them all.
 */
function setDurability(idbfs: Idbfs, durability: IdbDurability): void {
  const tagged = idbfs as Idbfs & { quiverDurability?: IdbDurability };
  if (tagged.quiverDurability !== undefined || typeof idbfs.getDB !== 'function') return;
  tagged.quiverDurability = durability;
  const getDB = idbfs.getDB.bind(idbfs);
  idbfs.getDB = (name, callback) =>
    getDB(name, (err, db) => {
      if (db && !patched.has(db)) {
        patched.add(db);
        const transaction = db.transaction.bind(db);
        db.transaction = (stores, mode, options) =>
          transaction(stores, mode, mode === 'readwrite' ? { durability, ...options } : options);
      }
      callback(err, db);
    });
}

const patched = new WeakSet<IDBDatabase>();

function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    // Deleting an empty database is housekeeping: never fail (or hang) the user's call over it.
    // A blocked delete completes on its own once the other connection closes; IndexedDB queues
    // later opens of the same name behind it.
    request.onerror = () => resolve();
    request.onblocked = () => resolve();
  });
}

/** Lock state of this JS context (page or worker): which folders it has claimed. */
const claimed = new Set<string>();

/**
 * Pauses between attempts to take a folder's lock before answering BUSY. Right after a reload
 * or a navigation, the previous page's worker may still be shutting down and holding the lock
 * for a moment (and exists() on a missing index holds it briefly to delete the empty database);
 * a tab or LocalIndex that really has the index open holds it far longer than this.
 */
const LOCK_RETRY_DELAYS_MS = [50, 100, 250];

async function claim(folder: string): Promise<() => void> {
  const path = mountPath(folder);
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
  for (let attempt = 0; ; attempt++) {
    if (!claimed.has(path)) {
      if (locks === undefined) {
        // No Web Locks (an insecure http:// page other than localhost, or a very old browser):
        // only this context is guarded; two tabs could then overwrite each other's writes.
        claimed.add(path);
        return once(() => claimed.delete(path));
      }
      const release = await tryLock(locks, folder, path);
      if (release) return release;
    }
    if (attempt === LOCK_RETRY_DELAYS_MS.length) throw busyError(folder, claimed.has(path));
    await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_DELAYS_MS[attempt]));
  }
}

/** Takes the lock if it is free; the lock is then held until the returned release is called. */
function tryLock(
  locks: LockManager,
  folder: string,
  path: string,
): Promise<(() => void) | undefined> {
  return new Promise((resolve, reject) => {
    locks
      .request(LOCK_PREFIX + folder, { ifAvailable: true }, (lock) => {
        if (lock === null) {
          resolve(undefined);
          return undefined;
        }
        claimed.add(path);
        // The lock is held until the promise returned here settles, i.e. until release().
        return new Promise<void>((unlock) => {
          resolve(
            once(() => {
              claimed.delete(path);
              unlock();
            }),
          );
        });
      })
      .catch(reject);
  });
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      fn();
    }
  };
}

/**
 * A WasmStorage keeping each index in its own IndexedDB database (named `/quiver/<folder>`,
 * escaped), loaded when first used and written back after every write. Mounts are
 * reference-counted: exists/create/destroy mount briefly, an open index keeps its mount until
 * closed. `claim` takes the Web Lock `quiverdb:<folder>` so that one tab or worker at a time
 * has the index open (LocalIndex instances on this same storage share it); others get BUSY.
 */
export function createIdbStorage(durability: IdbDurability = 'strict'): WasmStorage {
  const mounts = new WeakMap<WasmModule, Map<string, Mounted>>();
  const mountsOf = (module: WasmModule): Map<string, Mounted> => {
    let map = mounts.get(module);
    if (!map) mounts.set(module, (map = new Map()));
    return map;
  };
  // The folder name for messages (the path is escaped).
  const folderOf = (path: string): string => decodeURIComponent(path.slice(ROOT.length + 1));

  async function attach(module: WasmModule, folder: string): Promise<string> {
    const path = mountPath(folder);
    const map = mountsOf(module);
    const existing = map.get(path);
    if (existing) {
      existing.refs++;
      try {
        await existing.ready;
      } catch (err) {
        existing.refs--;
        throw err;
      }
      return path;
    }
    const entry: Mounted = { mount: undefined, refs: 1, ready: Promise.resolve() };
    entry.ready = (async () => {
      const { FS } = module;
      try {
        if (!FS.analyzePath(ROOT).exists) FS.mkdir(ROOT);
        if (!FS.analyzePath(path).exists) FS.mkdir(path);
        const idbfs = FS.filesystems.IDBFS as Idbfs;
        setDurability(idbfs, durability);
        entry.mount = FS.mount(idbfs, {}, path).mount as IdbfsMount;
        await sync(entry.mount, true);
      } catch (err) {
        map.delete(path);
        if (entry.mount) unmount(module, entry.mount);
        throw storageError('load', folder, err);
      }
    })();
    map.set(path, entry);
    await entry.ready;
    return path;
  }

  async function persist(module: WasmModule, path: string): Promise<void> {
    const entry = mountsOf(module).get(path);
    if (!entry?.mount) throw new QuiverError('INTERNAL', `persist of unmounted path ${path}`);
    try {
      await sync(entry.mount, false);
    } catch (err) {
      // The write is in memory but not in IndexedDB. The next successful write syncs every
      // file that differs, so nothing is lost unless the page goes away first.
      throw storageError('save', folderOf(path), err);
    }
    await nextMillisecond();
  }

  /** `tidy`: whether an empty mount not claimed here may be checked again under the lock. */
  async function unref(module: WasmModule, path: string, tidy: boolean): Promise<void> {
    const map = mountsOf(module);
    const entry = map.get(path);
    if (!entry || --entry.refs > 0) return;
    map.delete(path);
    if (!entry.mount) return;
    // An empty mount means there is no index (destroyed, or never created: IDBFS creates the
    // database when it first loads the mount). The database is deleted, but only under the
    // folder's lock: without it, another tab could be creating the index right now.
    const empty = module.FS.readdir(path).length <= 2; // '.' and '..'
    unmount(module, entry.mount);
    if (!empty) return;
    if (claimed.has(path)) await deleteDatabase(path);
    else if (tidy) await deleteIfStillEmpty(module, folderOf(path));
  }

  /** exists() on a missing index: take the lock if free, load again under it, delete if empty. */
  async function deleteIfStillEmpty(module: WasmModule, folder: string): Promise<void> {
    let release: () => void;
    try {
      release = await claim(folder);
    } catch {
      return; // someone has it: it is theirs to keep or delete
    }
    try {
      await unref(module, await attach(module, folder), false);
    } catch {
      // Housekeeping only; the caller's call already succeeded.
    } finally {
      release();
    }
  }

  // Several LocalIndex instances on one backend share its module, hence one in-memory copy of
  // the files: like two connections in one Node process, they may have the same index open. So
  // the context-wide lock is taken once per storage and reference-counted; other backends in
  // this context and other tabs/workers still get BUSY.
  const shared = new Map<string, { count: number; lock: Promise<() => void> }>();
  async function sharedClaim(folder: string): Promise<() => void> {
    const path = mountPath(folder);
    let entry = shared.get(path);
    if (!entry) {
      // Stored before awaiting, so that concurrent claims wait for the same lock.
      const created = { count: 0, lock: claim(folder) };
      shared.set(path, created);
      created.lock.catch(() => {
        if (shared.get(path) === created) shared.delete(path);
      });
      entry = created;
    }
    const held = entry;
    held.count++;
    let release: () => void;
    try {
      release = await held.lock;
    } catch (err) {
      held.count--;
      throw err;
    }
    return once(() => {
      if (--held.count === 0) {
        if (shared.get(path) === held) shared.delete(path);
        release();
      }
    });
  }

  return {
    attach,
    persist,
    detach: (module, path) => unref(module, path, true),
    claim: sharedClaim,
  };
}

/** Unmounts and closes the mount's IndexedDB connection (IDBFS would keep it open forever). */
function unmount(module: WasmModule, mount: IdbfsMount): void {
  try {
    module.FS.unmount(mount.mountpoint);
  } catch {
    // Already unmounted: nothing to free.
  }
  const dbs = mount.type.dbs;
  const db = dbs?.[mount.mountpoint];
  if (dbs && db) {
    db.close();
    delete dbs[mount.mountpoint];
  }
}
