// Installed versions of the compared packages, read from bench/node_modules (not from the lock:
// what ran is what counts). Stored with every result.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const MODULES = fileURLToPath(new URL('../node_modules/', import.meta.url));

export const PACKAGES = {
  quiverdb: 'quiverdb',
  'quiverdb-wasm': 'quiverdb',
  'hnswlib-node': 'hnswlib-node',
  'hnswlib-wasm': 'hnswlib-wasm',
  usearch: 'usearch',
  lancedb: '@lancedb/lancedb',
  vectra: 'vectra',
  'sqlite-vec': 'sqlite-vec',
  'better-sqlite3': 'better-sqlite3',
};

export function installedVersion(name) {
  const file = `${MODULES}${name}/package.json`;
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).version : null;
}

export function engineVersions() {
  return Object.fromEntries(
    Object.entries(PACKAGES).map(([id, pkg]) => [id, installedVersion(pkg)]),
  );
}
