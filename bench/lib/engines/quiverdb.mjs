// Quiver through its public package API only: "quiverdb" (native addon) and "quiverdb/wasm"
// (the same core compiled to WebAssembly, storing to a real folder). Both share one adapter.
// Item ids are row numbers as strings, so hits map straight back to ground-truth ids.
import { join } from 'node:path';
import { row } from '../datasets.mjs';

const dbFolder = (folder) => join(folder, 'index');

function quiverEngine({ id, label, specifier, threads, concurrency, pickBackend }) {
  return {
    id,
    label,
    kind: 'hnsw',
    metrics: ['cosine', 'l2', 'ip'],
    threads,
    concurrency,
    persists:
      'every insertItems batch is a SQLite (WAL, synchronous=FULL) commit before the call ' +
      'resolves; the HNSW graph file (a rebuildable cache) is written at close()',

    async load() {
      try {
        const module = await import(specifier);
        // Pinning the backend means a missing addon fails loudly instead of the default entry
        // point quietly falling back to WASM and being reported as native.
        return { LocalIndex: module.LocalIndex, options: pickBackend(module) };
      } catch (error) {
        throw new Error(
          `cannot load ${specifier} (${error.message}); run npm run build at the repo root`,
        );
      }
    },

    /** Row views, not copies: a Float32Array goes to the core without copying. */
    prepareItems(api, dataset) {
      return Array.from({ length: dataset.count }, (_, i) => ({
        id: String(i),
        vector: row(dataset.base, dataset.dimensions, i),
      }));
    },

    prepareQueries(api, dataset, limit) {
      return Array.from({ length: limit }, (_, i) => row(dataset.queries, dataset.dimensions, i));
    },

    async create(api, { folder, dimensions, metric, hnsw, batchSize }) {
      const index = new api.LocalIndex(dbFolder(folder), undefined, api.options);
      await index.createIndex({ version: 1, deleteIfExists: true, dimensions, metric, hnsw });
      return {
        insert: (items, onProgress) => index.insertItems(items, { batchSize, onProgress }),
        persist: async () => {}, // already durable: each batch committed before insertItems resolved
        close: () => index.close(),
      };
    },

    async open(api, { folder }) {
      // The query cache is off while measuring: the sweep repeats the same queries (a warm-up
      // pass, then several rounds), so with it on every repeat is a cache hit and the figure
      // measures the cache, not the search. Its hit/miss latency is measured by --stream.
      const options = { ...api.options, cache: { maxEntries: 0, maxBytes: 0 } };
      const index = new api.LocalIndex(dbFolder(folder), undefined, options);
      let efSearch = 64;
      return {
        setEf: async (ef) => {
          efSearch = ef;
        },
        search: async (vector, topK) => {
          const hits = await index.query(vector, { topK, efSearch });
          return hits.map((hit) => Number(hit.item.id));
        },
        // What the open did with the graph file (loaded or rebuilt), from verify()'s report:
        // a reopen time that includes a rebuild is not the reopen the figure claims to be.
        openReport: async () => JSON.parse(await index.verify()).open,
        itemKey: (row) => String(row),
        getItem: async (id) => {
          const item = await index.getItem(id);
          return item ? Number(item.id) : -1;
        },
        close: () => index.close(),
      };
    },
  };
}

export const quiverNative = quiverEngine({
  id: 'quiverdb',
  label: 'Quiver (native)',
  specifier: 'quiverdb',
  threads: 'all cores (parallel addPoint)',
  concurrency: { mode: 'async', how: 'a Promise per call; 8 kept outstanding' },
  pickBackend: (module) => ({ backend: module.nodeBackend }),
});

export const quiverWasm = quiverEngine({
  id: 'quiverdb-wasm',
  label: 'Quiver (WASM)',
  specifier: 'quiverdb/wasm',
  threads: '1 (WASM build without threads)',
  concurrency: {
    mode: 'async',
    how: 'a Promise per call; 8 kept outstanding (one WASM instance, no threads)',
  },
  pickBackend: () => undefined,
});
