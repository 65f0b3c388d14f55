// LanceDB (optional extra): columnar Lance files on disk plus a vector index, Rust core with a
// Node binding. Its HNSW is IVF-HNSW-SQ: one IVF partition (so a single graph), M=16,
// efConstruction=200, vectors scalar-quantised to 8 bits in the graph. Queries use its
// defaults otherwise (no refineFactor), so the 8-bit distances cap recall a little below 1.
import { ranges, yieldEvery } from './batches.mjs';

const TABLE = 'vectors';
const CHUNK = 100_000; // rows per write: each write is a Lance fragment, so keep them large

// An Arrow table over the rows [start, end) of the base matrix, without copying the floats.
function arrowChunk(arrow, dataset, start, end) {
  const { Field, FixedSizeList, Float32, Int32, Schema, Struct, RecordBatch, Table, makeData } =
    arrow;
  const d = dataset.dimensions;
  const n = end - start;
  const listType = new FixedSizeList(d, new Field('item', new Float32(), true));
  const schema = new Schema([
    new Field('id', new Int32(), false),
    new Field('vector', listType, false),
  ]);
  const floats = dataset.base.subarray(start * d, end * d);
  const vectors = makeData({
    type: listType,
    length: n,
    nullCount: 0,
    child: makeData({ type: new Float32(), length: n * d, data: floats }),
  });
  const ids = makeData({
    type: new Int32(),
    length: n,
    data: Int32Array.from({ length: n }, (_, i) => start + i),
  });
  const struct = makeData({
    type: new Struct(schema.fields),
    length: n,
    nullCount: 0,
    children: [ids, vectors],
  });
  return new Table(schema, new RecordBatch(schema, struct));
}

export const lancedb = {
  id: 'lancedb',
  label: 'LanceDB',
  kind: 'hnsw',
  metrics: ['cosine', 'l2', 'ip'],
  threads: 'all cores (Rust runtime)',
  concurrency: { mode: 'async', how: 'a Promise per call; 8 kept outstanding (Rust runtime)' },
  persists:
    'each add() writes Lance data files (a new table version); createIndex() writes the ' +
    'index files',

  async load() {
    const lance = await import('@lancedb/lancedb');
    const arrow = await import('apache-arrow');
    return { lance, arrow };
  },

  prepareItems(api, dataset) {
    return Array.from(ranges(dataset.count, CHUNK), ([start, end]) =>
      arrowChunk(api.arrow, dataset, start, end),
    );
  },

  prepareQueries(api, dataset, limit) {
    const d = dataset.dimensions;
    return Array.from({ length: limit }, (_, i) => dataset.queries.subarray(i * d, (i + 1) * d));
  },

  async create(api, { folder, metric, hnsw }) {
    const db = await api.lance.connect(folder);
    let table = null;
    return {
      // Rows then the index: searching needs both, so both are part of the insert time.
      insert: async (chunks, onProgress) => {
        let done = 0;
        for (const chunk of chunks) {
          if (table) await table.add(chunk);
          else table = await db.createTable(TABLE, chunk);
          done += chunk.numRows;
          onProgress?.(done, done);
        }
        const distanceType = metric === 'ip' ? 'dot' : metric;
        const config = api.lance.Index.hnswSq({
          distanceType,
          m: hnsw.M,
          efConstruction: hnsw.efConstruction,
          numPartitions: 1,
        });
        await table.createIndex('vector', { config });
        await yieldEvery(done, done, onProgress);
      },
      persist: async () => {}, // both steps above already wrote their files
      close: async () => {
        table?.close();
        db.close();
      },
    };
  },

  async open(api, { folder, metric }) {
    const db = await api.lance.connect(folder);
    const table = await db.openTable(TABLE);
    const distanceType = metric === 'ip' ? 'dot' : metric;
    let ef = 64;
    return {
      setEf: async (value) => {
        ef = value;
      },
      search: async (vector, k) => {
        const rows = await table
          .vectorSearch(vector)
          .distanceType(distanceType)
          .ef(ef)
          .limit(k)
          .select(['id', '_distance'])
          .toArray();
        return rows.map((r) => r.id);
      },
      close: async () => {
        table.close();
        db.close();
      },
    };
  },
};
