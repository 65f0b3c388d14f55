// QUIVER_TEST_SHARDS=N runs a suite with every index the tests create split into N HNSW shards
// (unless a test names its own `shards`): the contract and reliability suites must hold for any
// shard count. Default 1 (one graph file, as before shards).

import type { Backend } from '../../ts/src/backend.js';

/** The shard count tests create indexes with (QUIVER_TEST_SHARDS, default 1). */
export function testShards(): number {
  const n = Number(process.env.QUIVER_TEST_SHARDS ?? '1');
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/** `config` (the JSON text a backend's create receives) with `shards` added when absent. */
function withShards(config: string, shards: number): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(config);
  } catch {
    return config; // not ours to fix: the core reports it
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || 'shards' in parsed) {
    return config;
  }
  return JSON.stringify({ ...parsed, shards });
}

/** `backend` itself, or (QUIVER_TEST_SHARDS > 1) one whose create adds the test shard count. */
export function withTestShards(backend: Backend): Backend {
  const shards = testShards();
  if (shards === 1) return backend;
  return {
    name: backend.name,
    exists: (folder) => backend.exists(folder),
    create: (folder, config, deleteIfExists) => backend.create(folder, withShards(config, shards), deleteIfExists),
    destroy: (folder) => backend.destroy(folder),
    open: (folder) => backend.open(folder),
  };
}
