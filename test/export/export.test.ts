// Export to LanceDB and Parquet, checked by opening the result with the real readers:
//   lance    `quiver export --format lance`, then LanceDB opens the table: same row count, exact
//            vectors, metadata rebuilt from the columns equal to Quiver's, and LanceDB's exact
//            top-10 for sample queries agrees with Quiver's (recall >= 0.95)
//   parquet  exportIndex(..., { format: 'parquet' }), read back with parquet-wasm + Apache Arrow
//   missing  without LanceDB installed where quiverdb looks, a clear NOT_FOUND with the install line
// LanceDB is installed in this folder only (`npm run setup` here; see package.json for why).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as lancedb from '@lancedb/lancedb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const cli = join(root, 'dist', 'esm', 'cli', 'main.js');
const dist = (path: string): Promise<Record<string, unknown>> => import(join(root, 'dist', 'esm', path));

const work = mkdtempSync(join(tmpdir(), 'quiver-export-'));
const folder = join(work, 'idx');
const DIMS = 24;
const COUNT = 3000;

type Meta = Record<string, unknown>;
type Item = { id: string; vector: number[]; metadata: Meta };

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

/** Metadata of every kind the export must carry: typed columns, JSON columns, gaps, a key named id. */
function metadataOf(i: number): Meta {
  const m: Meta = { title: `doc ${i}`, year: 1990 + (i % 30), draft: i % 7 === 0 };
  if (i % 3 === 0) m.tags = [`t${i % 4}`, 'all'];
  if (i % 5 === 0) m.author = { name: `a${i % 11}`, score: i / 10 };
  m.mixed = i % 2 === 0 ? i : `s${i}`;
  if (i % 9 === 0) m.id = `external-${i}`;
  return m;
}

let LocalIndex: new (folder: string) => {
  createIndex(c: object): Promise<void>;
  insertItems(items: object[]): Promise<string[]>;
  listItems(): Promise<Item[]>;
  queryItems(v: number[], k: number): Promise<{ item: Item; score: number }[]>;
  close(): Promise<void>;
};
let items: Item[] = [];

beforeAll(async () => {
  LocalIndex = (await dist('index.js')).LocalIndex as typeof LocalIndex;
  const next = rng(7);
  const index = new LocalIndex(folder);
  await index.createIndex({ dimensions: DIMS, metric: 'cosine' });
  await index.insertItems(
    Array.from({ length: COUNT }, (_, i) => ({
      id: `item-${i}`,
      vector: Array.from({ length: DIMS }, next),
      metadata: metadataOf(i),
    })),
  );
  items = await index.listItems();
  await index.close();
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('export to LanceDB', () => {
  const lanceDir = join(work, 'lance');

  beforeAll(() => {
    // cwd = this folder: the CLI finds LanceDB where the user installed it.
    const r = spawnSync(process.execPath, [cli, 'export', folder, lanceDir, '--format', 'lance', '--table', 'docs'], {
      cwd: here,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`export failed (${r.status}): ${r.stderr}`);
    expect(r.stdout).toMatch(/^exported 3,000 items to .* \(lance, table "docs"\)/);
  }, 120_000);

  it('holds every id, its exact vector and its metadata', async () => {
    const { metadataFromRow } = (await dist('export/index.js')) as {
      metadataFromRow: (row: Record<string, unknown>, fields: unknown[]) => Meta;
    };
    const db = await lancedb.connect(lanceDir);
    const table = await db.openTable('docs');
    expect(await table.countRows()).toBe(COUNT);
    const schema = await table.schema();
    expect(schema.metadata.get('quiver.metric')).toBe('cosine');
    expect(schema.fields.map((f) => f.name)).toEqual(
      expect.arrayContaining(['id', 'vector', 'title', 'year', 'draft', 'tags', 'author', 'mixed', 'metadata_id']),
    );
    const rows = (await table.query().limit(COUNT).toArray()) as Record<string, unknown>[];
    expect(rows).toHaveLength(COUNT);
    const byId = new Map(items.map((item) => [item.id, item]));
    for (const row of rows) {
      const item = byId.get(row.id as string)!;
      expect(item, String(row.id)).toBeDefined();
      expect(Array.from(row.vector as Iterable<number>)).toEqual(item.vector);
      expect(metadataFromRow(row, schema.fields)).toEqual(item.metadata);
    }
    table.close();
    db.close();
  });

  it("finds the same top-10 as Quiver for sample queries (recall >= 0.95)", async () => {
    const db = await lancedb.connect(lanceDir);
    const table = await db.openTable('docs');
    const index = new LocalIndex(folder);
    const next = rng(99);
    let found = 0;
    const queries = 30;
    for (let q = 0; q < queries; q++) {
      const vector = Array.from({ length: DIMS }, next);
      // No vector index on the table: LanceDB searches exhaustively, i.e. the exact top-10.
      const exact = (await table.search(vector).distanceType('cosine').limit(10).toArray()) as { id: string }[];
      const ours = await index.queryItems(vector, 10);
      const truth = new Set(exact.map((r) => r.id));
      expect(truth.size).toBe(10);
      found += ours.filter((r) => truth.has(r.item.id)).length;
    }
    await index.close();
    table.close();
    db.close();
    expect(found / (queries * 10)).toBeGreaterThanOrEqual(0.95);
  });
});

describe('export to Parquet (API)', () => {
  it('writes a file that Arrow reads back with the same ids, vectors and metadata', async () => {
    const { exportIndex, metadataFromRow } = (await dist('export/index.js')) as {
      exportIndex: (f: string, d: string, o: object) => Promise<{ items: number }>;
      metadataFromRow: (row: Record<string, unknown>, fields: unknown[]) => Meta;
    };
    const file = join(work, 'out', 'items.parquet');
    const progress: number[] = [];
    const result = await exportIndex(folder, file, { format: 'parquet', onProgress: (done: number) => progress.push(done) });
    expect(result.items).toBe(COUNT);
    expect(progress.at(-1)).toBe(COUNT);
    const { readParquet } = await import('parquet-wasm');
    const { tableFromIPC } = await import('apache-arrow');
    const table = tableFromIPC(readParquet(new Uint8Array(readFileSync(file))).intoIPCStream());
    expect(table.numRows).toBe(COUNT);
    const fields = table.schema.fields;
    const byId = new Map(items.map((item) => [item.id, item]));
    for (const row of table.toArray() as { toJSON(): Record<string, unknown> }[]) {
      const r = row.toJSON();
      const item = byId.get(r.id as string)!;
      expect(Array.from(r.vector as Iterable<number>)).toEqual(item.vector);
      expect(metadataFromRow(r, fields)).toEqual(item.metadata);
    }
  });
});

describe('without LanceDB installed', () => {
  it('fails with NOT_FOUND and the line that installs it', () => {
    // From the repository root, where LanceDB is not installed (only this folder has it).
    const r = spawnSync(process.execPath, [cli, 'export', folder, join(work, 'nolance'), '--format', 'lance'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(
      'quiver: NOT_FOUND: export --format lance needs optional packages that are not installed: ' +
        'run `npm install -E @lancedb/lancedb@0.37.1 apache-arrow@18.1.0`',
    );
  });
});
