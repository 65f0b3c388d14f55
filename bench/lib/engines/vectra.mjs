// Vectra: the API Quiver is compatible with. Pure TypeScript: every item lives in one JSON
// file that is loaded whole into memory, and a query scores every item (exact, cosine only).
import { join } from 'node:path';
import { row } from '../datasets.mjs';
import { yieldEvery } from './batches.mjs';

const indexFolder = (folder) => join(folder, 'vectra');

export const vectra = {
  id: 'vectra',
  label: 'Vectra',
  kind: 'brute',
  metrics: ['cosine'],
  threads: '1 (JS)',
  concurrency: { mode: 'async', how: 'a Promise per call; 8 kept outstanding (pure JS)' },
  persists: 'endUpdate() rewrites the whole index as one JSON file (index.json)',

  async load() {
    const { LocalIndex } = await import('vectra');
    return { LocalIndex };
  },

  /** Vectra stores vectors as number[] (a Float32Array would serialise as an object). */
  prepareItems(api, dataset) {
    return Array.from({ length: dataset.count }, (_, i) => ({
      id: String(i),
      vector: Array.from(row(dataset.base, dataset.dimensions, i)),
    }));
  },

  prepareQueries(api, dataset, limit) {
    return Array.from({ length: limit }, (_, i) =>
      Array.from(row(dataset.queries, dataset.dimensions, i)),
    );
  },

  async create(api, { folder }) {
    const index = new api.LocalIndex(indexFolder(folder));
    await index.createIndex({ version: 1, deleteIfExists: true });
    return {
      // batchInsertItems() is beginUpdate + insertItem per item + endUpdate; spelled out so the
      // JSON write (endUpdate) is timed as the persist step and progress can be reported.
      insert: async (items, onProgress) => {
        await index.beginUpdate();
        for (let i = 0; i < items.length; i++) {
          await index.insertItem(items[i]);
          await yieldEvery(i + 1, items.length, onProgress);
        }
      },
      persist: () => index.endUpdate(),
      close: async () => {},
    };
  },

  async open(api, { folder }) {
    const index = new api.LocalIndex(indexFolder(folder));
    return {
      setEf: async () => {},
      search: async (vector, k) => {
        const hits = await index.queryItems(vector, '', k);
        return hits.map((hit) => Number(hit.item.id));
      },
      // getItem scans the in-memory item list for the id (Array.find).
      itemKey: (row) => String(row),
      getItem: async (id) => {
        const item = await index.getItem(id);
        return item ? Number(item.id) : -1;
      },
      close: async () => {},
    };
  },
};
