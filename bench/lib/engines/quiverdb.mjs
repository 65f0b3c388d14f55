// Benchmark adapter for Quiver. Engines share this small shape so a peer suite can run the same
// measurements against other libraries:
//   build(dataset, metric, params) -> creates the index (untimed); insert(items, options) -> timed
//   by the caller; search(vector, k, efSearch) -> integer ids, best first; reopen(); close().
// Item ids are the row numbers as strings, so results map straight back to ground-truth ids.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { row } from '../datasets.mjs';

/** Imports the built package, or explains how to build it. */
export async function loadQuiver() {
  try {
    return await import('quiverdb');
  } catch (error) {
    throw new Error(
      `cannot load quiverdb (${error.message}).\n` +
        'Build it first: npm run build (native addon + dist/).',
    );
  }
}

export async function createQuiverEngine() {
  const { LocalIndex } = await loadQuiver();
  const root = await mkdtemp(join(tmpdir(), 'quiver-bench-'));
  const folder = join(root, 'index');
  let index = new LocalIndex(folder);

  return {
    name: 'quiverdb',
    folder,

    async create(dimensions, metric, hnsw) {
      await index.createIndex({ version: 1, deleteIfExists: true, dimensions, metric, hnsw });
    },

    /** Row views, not copies: a Float32Array is handed to the core without copying. */
    items(dataset) {
      return Array.from({ length: dataset.count }, (_, i) => ({
        id: String(i),
        vector: row(dataset.base, dataset.dimensions, i),
      }));
    },

    async insert(items, { batchSize, onProgress }) {
      await index.insertItems(items, { batchSize, onProgress });
    },

    /** Raw hits, for sanity checks on the result shape. */
    async query(vector, topK, efSearch) {
      return index.query(vector, { topK, efSearch });
    },

    async search(vector, topK, efSearch) {
      const hits = await index.query(vector, { topK, efSearch });
      return hits.map((hit) => Number(hit.item.id));
    },

    async count() {
      return (await index.getIndexStats()).items;
    },

    /** Closes and reopens the folder; resolves once the index has answered a query. */
    async reopen(probe) {
      await index.close();
      const started = performance.now();
      index = new LocalIndex(folder);
      await index.query(probe, { topK: 1 });
      return performance.now() - started;
    },

    async close() {
      await index.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
