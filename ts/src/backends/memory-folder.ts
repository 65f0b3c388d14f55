// In-memory indexes in Node (Vectra's `VirtualFileStorage`, or a `mem://` folder path). The core
// keeps an index in SQLite with a write-ahead log, which needs a real file, so an "in-memory"
// index is a private temporary folder: nobody else opens it, and it is removed when the process
// exits. Instances given the same storage object and path share one index, like Vectra's.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const byStorage = new WeakMap<object, Map<string, string>>();
const withoutStorage = new Map<string, string>();
let root: string | undefined;
let next = 0;

export function memoryFolder(folderPath: string, storage: object | undefined): string {
  const folders = storage === undefined ? withoutStorage : folderMap(storage);
  let folder = folders.get(folderPath);
  if (folder === undefined) {
    if (root === undefined) {
      const made = mkdtempSync(join(tmpdir(), 'quiverdb-memory-'));
      root = made;
      process.once('exit', () => rmSync(made, { recursive: true, force: true }));
    }
    folder = join(root, String(next++));
    folders.set(folderPath, folder);
  }
  return folder;
}

function folderMap(storage: object): Map<string, string> {
  let map = byStorage.get(storage);
  if (map === undefined) {
    map = new Map();
    byStorage.set(storage, map);
  }
  return map;
}
