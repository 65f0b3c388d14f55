// QUIVER_TEST_SHARDS=N runs a suite with every index the tests create split into N HNSW shards
// (unless a test names its own `shards`): the contract and reliability suites must hold for any
// shard count. Default 1 (one graph file, as before shards).

import type { Backend } from '../../ts/src/backend.js';

/** The shard count tests create indexes with (QUIVER_TEST_SHARDS, default 1). */
export function testShards(): number {
  const n = Number(process.env.QUIVER_TEST_SHARDS ?? '1');
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/**
 * `config` (the JSON text a backend's create receives) with `shards` added when it names none.
 * Spliced into the text, not parsed and re-serialized: the bad-input tests send configs nested
 * 10,000 deep, which the core must see as they are (and JSON.stringify could not rebuild).
 */
function withShards(config: string, shards: number): string {
  const text = config.trimStart();
  if (!text.startsWith('{') || /"shards"\s*:/.test(text)) return config;
  const rest = text.slice(1).trimStart();
  return `{"shards":${shards}${rest.startsWith('}') ? '' : ','}${rest}`;
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
