// sqlite-vec: a SQLite extension (vec0 virtual table) driven through better-sqlite3. Exact
// search: a KNN query scans every stored vector. Same durability settings as Quiver's store
// (WAL, synchronous=FULL), batches of inserts in one transaction each.
import { join } from 'node:path';
import { ranges, yieldEvery } from './batches.mjs';

const dbFile = (folder) => join(folder, 'vectors.db');
const METRICS = { cosine: 'cosine', l2: 'L2' };

// A row as the BLOB sqlite-vec reads (little-endian float32), without copying.
const blob = (data, d, i) => Buffer.from(data.buffer, data.byteOffset + i * d * 4, d * 4);

function openDatabase(api, folder) {
  const db = new api.Database(dbFile(folder));
  api.sqliteVec.load(db);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  return db;
}

export const sqliteVec = {
  id: 'sqlite-vec',
  label: 'sqlite-vec',
  kind: 'brute',
  metrics: ['cosine', 'l2'],
  threads: '1',
  concurrency: {
    mode: 'sync',
    how: 'better-sqlite3 is synchronous: 8 "in flight" run one after another',
  },
  persists: 'every batch is a SQLite (WAL, synchronous=FULL) commit',

  async load() {
    const { default: Database } = await import('better-sqlite3');
    const sqliteVec = await import('sqlite-vec');
    return { Database, sqliteVec };
  },

  prepareItems(api, dataset) {
    const d = dataset.dimensions;
    return Array.from({ length: dataset.count }, (_, i) => blob(dataset.base, d, i));
  },

  prepareQueries(api, dataset, limit) {
    const d = dataset.dimensions;
    return Array.from({ length: limit }, (_, i) => blob(dataset.queries, d, i));
  },

  async create(api, { folder, dimensions, metric, batchSize }) {
    const db = openDatabase(api, folder);
    db.exec(
      `CREATE VIRTUAL TABLE vectors USING vec0(` +
        `embedding float[${dimensions}] distance_metric=${METRICS[metric]})`,
    );
    const insert = db.prepare('INSERT INTO vectors(rowid, embedding) VALUES (?, ?)');
    const insertBatch = db.transaction((items, start, end) => {
      for (let i = start; i < end; i++) insert.run(BigInt(i), items[i]);
    });
    return {
      insert: async (items, onProgress) => {
        for (const [start, end] of ranges(items.length, batchSize)) {
          insertBatch(items, start, end);
          await yieldEvery(end, items.length, onProgress);
        }
      },
      persist: async () => {},
      close: async () => db.close(),
    };
  },

  async open(api, { folder, dimensions }) {
    const db = openDatabase(api, folder);
    // Lookup by id: the stored vector of one rowid (a vec0 point query).
    const byRowid = db.prepare('SELECT rowid, embedding FROM vectors WHERE rowid = ?').raw();
    const knn = db
      .prepare('SELECT rowid FROM vectors WHERE embedding MATCH ? AND k = ? ORDER BY distance')
      .pluck();
    return {
      setEf: async () => {},
      search: async (vector, k) => knn.all(vector, k),
      itemKey: (row) => BigInt(row),
      getItem: async (rowid) => {
        const found = byRowid.get(rowid);
        return found && found[1].length === dimensions * 4 ? Number(found[0]) : -1;
      },
      close: async () => db.close(),
    };
  },
};
