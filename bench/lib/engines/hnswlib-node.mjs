// hnswlib-node: the C++ hnswlib (0.8, the same library inside Quiver) behind a Node addon.
// Its API takes number[] only, so vectors are converted before the clock starts; inserts are
// one addPoint call at a time on the JS thread, and nothing reaches disk until writeIndex().
import { join } from 'node:path';
import { row } from '../datasets.mjs';
import { yieldEvery } from './batches.mjs';

const SPACES = { cosine: 'cosine', l2: 'l2', ip: 'ip' };
const indexFile = (folder) => join(folder, 'hnswlib.bin');
const SEED = 100; // hnswlib's default level-generator seed

export const hnswlibNode = {
  id: 'hnswlib-node',
  label: 'hnswlib-node',
  kind: 'hnsw',
  metrics: ['cosine', 'l2', 'ip'],
  threads: '1 (addPoint on the JS thread)',
  concurrency: {
    mode: 'sync',
    how: 'searchKnn is synchronous: 8 "in flight" run one after another (its single-client rate)',
  },
  persists: 'nothing until writeIndex(): one binary graph file, written whole on demand',

  async load() {
    const { default: hnswlib } = await import('hnswlib-node');
    return hnswlib;
  },

  prepareItems(api, dataset) {
    return Array.from({ length: dataset.count }, (_, i) =>
      Array.from(row(dataset.base, dataset.dimensions, i)),
    );
  },

  prepareQueries(api, dataset, limit) {
    return Array.from({ length: limit }, (_, i) =>
      Array.from(row(dataset.queries, dataset.dimensions, i)),
    );
  },

  async create(api, { folder, dimensions, metric, count, hnsw }) {
    const index = new api.HierarchicalNSW(SPACES[metric], dimensions);
    index.initIndex(count, hnsw.M, hnsw.efConstruction, SEED);
    return {
      insert: async (items, onProgress) => {
        for (let i = 0; i < items.length; i++) {
          index.addPoint(items[i], i);
          await yieldEvery(i + 1, items.length, onProgress);
        }
      },
      persist: () => index.writeIndex(indexFile(folder)),
      close: async () => {},
    };
  },

  async open(api, { folder, dimensions, metric }) {
    const index = new api.HierarchicalNSW(SPACES[metric], dimensions);
    await index.readIndex(indexFile(folder));
    return {
      setEf: async (ef) => index.setEf(ef),
      search: async (vector, k) => index.searchKnn(vector, k).neighbors,
      // getPoint returns the vector stored under a label (hnswlib keeps no other item data).
      itemKey: (row) => row,
      getItem: async (label) => (index.getPoint(label).length === dimensions ? label : -1),
      close: async () => {},
    };
  },
};
