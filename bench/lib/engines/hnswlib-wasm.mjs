// hnswlib-wasm: hnswlib compiled to WebAssembly by a third party, the closest browser peer.
// It expects a browser: `window` must exist, and it mounts IDBFS on load, so an in-memory
// IndexedDB (fake-indexeddb) stands in for the browser's. Its only persistence is
// writeIndex() + syncFS to IndexedDB; in Node that is memory, so no reopen or disk figures.
import { row } from '../datasets.mjs';
import { ranges, yieldEvery, PROGRESS_STEP } from './batches.mjs';

const SEED = 100; // hnswlib's default level-generator seed

export const hnswlibWasm = {
  id: 'hnswlib-wasm',
  label: 'hnswlib-wasm',
  kind: 'hnsw',
  metrics: ['cosine', 'l2', 'ip'],
  threads: '1 (WASM build without threads)',
  concurrency: {
    mode: 'sync',
    how: 'searchKnn is synchronous: 8 "in flight" run one after another (its single-client rate)',
  },
  persists: 'nothing in Node (browsers: writeIndex() then syncFS to IndexedDB, on demand)',

  async load() {
    globalThis.window ??= globalThis;
    await import('fake-indexeddb/auto');
    const { loadHnswlib } = await import('hnswlib-wasm/dist/hnswlib.js');
    // It logs its IDBFS mount to stdout; the child's stdout is not the report, so let it.
    return loadHnswlib();
  },

  /** Row views (no copies); the binding copies them into WASM memory. */
  prepareItems(api, dataset) {
    return Array.from({ length: dataset.count }, (_, i) =>
      row(dataset.base, dataset.dimensions, i),
    );
  },

  prepareQueries(api, dataset, limit) {
    return Array.from({ length: limit }, (_, i) => row(dataset.queries, dataset.dimensions, i));
  },

  async create(api, { dimensions, metric, count, hnsw }) {
    const index = new api.HierarchicalNSW(metric, dimensions, '');
    index.initIndex(count, hnsw.M, hnsw.efConstruction, SEED);
    return {
      insert: async (items, onProgress) => {
        for (const [start, end] of ranges(items.length, PROGRESS_STEP)) {
          const labels = Array.from({ length: end - start }, (_, j) => start + j);
          index.addPoints(items.slice(start, end), labels, false);
          await yieldEvery(end, items.length, onProgress);
        }
      },
      persist: async () => {},
      close: async () => {},
      // No persistence in Node: searches run on the index just built, in the same process.
      searcher: () => ({
        setEf: async (ef) => index.setEfSearch(ef),
        search: async (vector, k) => index.searchKnn(vector, k, undefined).neighbors,
        itemKey: (row) => row,
        getItem: async (label) => (index.getPoint(label).length === dimensions ? label : -1),
        close: async () => {},
      }),
    };
  },

  open: null,
};
