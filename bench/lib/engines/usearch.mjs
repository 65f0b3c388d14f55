// USearch (unum-cloud): its own HNSW implementation, prebuilt for Node. Its JS binding takes
// the search expansion (ef) only when an Index is constructed, so the ef sweep saves the index
// once and, for each ef, constructs a new Index with that ef and load()s the file (untimed).
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

export const usearch = {
  id: 'usearch',
  label: 'USearch',
  kind: 'hnsw',
  metrics: ['cosine', 'l2', 'ip'],
  threads: 'all cores (add() with threads = 0)',
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
      close: async () => {},
    };
  },
};
