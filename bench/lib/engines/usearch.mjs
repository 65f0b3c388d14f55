// USearch (unum-cloud): its own HNSW implementation, prebuilt for Node. Its JS binding takes
// the search expansion (ef) only when an Index is constructed, so the ef sweep saves the index
// once and, for each ef, constructs a new Index with that ef and load()s the file (untimed).
// It has no asynchronous search: its way to use every core for several queries is one
// search(matrix, k, threads = 0) call, which spreads the rows over threads (blocking the JS
// thread meanwhile), so "8 in flight" is measured as one such call per 8 queries. It has no
// lookup by key in this version (contains/count only), so no getItem figures.
import { join } from 'node:path';
import { ranges, yieldEvery, PROGRESS_STEP } from './batches.mjs';

const indexFile = (folder) => join(folder, 'usearch.bin');

function config(api, { dimensions, metric, hnsw }, efSearch) {
  const metrics = { cosine: api.MetricKind.Cos, l2: api.MetricKind.L2sq, ip: api.MetricKind.IP };
  return {
    dimensions,
    metric: metrics[metric],
    quantization: api.ScalarKind.F32,
    connectivity: hnsw.M,
    expansion_add: hnsw.efConstruction,
    expansion_search: efSearch,
  };
}

/**
 * Consecutive query rows as one matrix: a view when they are adjacent in one buffer (queries
 * are subarrays of the dataset's query file, so they are), else a copy.
 */
function matrixOf(vectors) {
  const [first] = vectors;
  const adjacent = vectors.every(
    (v, i) => v.buffer === first.buffer && v.byteOffset === first.byteOffset + i * first.byteLength,
  );
  if (adjacent)
    return new Float32Array(first.buffer, first.byteOffset, first.length * vectors.length);
  const matrix = new Float32Array(first.length * vectors.length);
  vectors.forEach((v, i) => matrix.set(v, i * first.length));
  return matrix;
}

export const usearch = {
  id: 'usearch',
  label: 'USearch',
  kind: 'hnsw',
  metrics: ['cosine', 'l2', 'ip'],
  threads: 'all cores (add() with threads = 0)',
  concurrency: {
    mode: 'batch',
    how: 'no async API: one search(matrix of 8 queries, k, threads = 0) call per 8, on all cores',
  },
  persists: 'nothing until save(): one binary file, written whole on demand',

  async load() {
    const { default: api } = await import('usearch');
    return api;
  },

  /** One flat matrix plus u64 keys: the shape its add() takes, no per-row objects. */
  prepareItems(api, dataset) {
    const keys = new BigUint64Array(dataset.count);
    for (let i = 0; i < dataset.count; i++) keys[i] = BigInt(i);
    return { keys, vectors: dataset.base, dimensions: dataset.dimensions };
  },

  prepareQueries(api, dataset, limit) {
    const d = dataset.dimensions;
    return Array.from({ length: limit }, (_, i) => dataset.queries.subarray(i * d, (i + 1) * d));
  },

  async create(api, settings) {
    const index = new api.Index(config(api, settings, 64));
    return {
      insert: async ({ keys, vectors, dimensions }, onProgress) => {
        for (const [start, end] of ranges(keys.length, PROGRESS_STEP)) {
          index.add(
            keys.subarray(start, end),
            vectors.subarray(start * dimensions, end * dimensions),
          );
          await yieldEvery(end, keys.length, onProgress);
        }
      },
      persist: async () => index.save(indexFile(settings.folder)),
      close: async () => {},
    };
  },

  async open(api, settings) {
    const load = (ef) => {
      const index = new api.Index(config(api, settings, ef));
      index.load(indexFile(settings.folder));
      return index;
    };
    let index = load(64);
    return {
      setEf: async (ef) => {
        index = load(ef);
      },
      search: async (vector, k) => Array.from(index.search(vector, k).keys, Number),
      searchBatch: async (vectors, k) => {
        const matches = index.search(matrixOf(vectors), k, 0);
        return vectors.length === 1
          ? [Array.from(matches.keys, Number)]
          : vectors.map((_, i) => Array.from(matches.get(i).keys, Number));
      },
      close: async () => {},
    };
  },
};
