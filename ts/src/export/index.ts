// Entry point "quiverdb/export": writes every item of an index to another system's format.
//   lance    a LanceDB table (local folder, or any URI LanceDB connects to: s3://..., db://...)
//   parquet  one Parquet file (Arrow schema below), for Qdrant/Milvus/Weaviate bulk imports
//   jsonl    one {"id", "vector", "metadata"} object per line (what `quiver import` reads)
// LanceDB, Apache Arrow and parquet-wasm are optional peer dependencies, loaded only here and only
// for the format that needs them, so normal users of quiverdb never install or load them.

import { createWriteStream } from 'node:fs';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { finished } from 'node:stream/promises';

import { QuiverError } from '../errors.js';
import { LocalIndex } from '../index.js';
import type { IndexItem } from '../types.js';
import { exportSchema, itemsTable, planColumns } from './columns.js';
import { requirePeer, resolvePeer } from './load-peer.cjs';

export { metadataFromRow } from './columns.js';

/** Output formats of {@link exportIndex}. */
export type ExportFormat = 'lance' | 'jsonl' | 'parquet';

/** Options of {@link exportIndex}. */
export interface ExportOptions {
  format: ExportFormat;
  /** `lance` only: the table to write (default `"items"`). */
  table?: string;
  /** Replace an existing table (lance) or file (jsonl, parquet) instead of failing. */
  overwrite?: boolean;
  /** Called as items are written. */
  onProgress?: (done: number, total: number) => void;
}

/** What {@link exportIndex} wrote. */
export interface ExportResult {
  /** Number of items written. */
  items: number;
  /** The LanceDB database folder/URI or the file written. */
  path: string;
  format: ExportFormat;
}

/** The exact versions the export is tested with (install these to export). */
export const EXPORT_PEERS = {
  '@lancedb/lancedb': '0.37.1',
  'apache-arrow': '18.1.0',
  'parquet-wasm': '0.8.0',
} as const;

const CHUNK = 10_000;

/**
 * Writes every item of the index in `folder` to `dest`: a LanceDB table (`format: 'lance'`), a
 * Parquet file or a JSONL file. Vectors keep their float32 values; metadata becomes one column per
 * top-level field (Lance, Parquet) or stays as JSON (JSONL).
 *
 * @example
 * ```ts
 * import { exportIndex } from 'quiverdb/export';
 * await exportIndex('./my-index', './lancedb', { format: 'lance', table: 'docs' });
 * // then, with LanceDB:
 * const table = await (await lancedb.connect('./lancedb')).openTable('docs');
 * const hits = await table.search(queryVector).distanceType('cosine').limit(10).toArray();
 * ```
 */
export async function exportIndex(folder: string, dest: string, options: ExportOptions): Promise<ExportResult> {
  const format = options?.format;
  if (format !== 'lance' && format !== 'jsonl' && format !== 'parquet') {
    throw new QuiverError('INVALID_ARGUMENT', `format must be "lance", "jsonl" or "parquet" (got ${String(format)})`);
  }
  // Load optional modules before reading the index, so a missing one fails fast.
  const modules = format === 'jsonl' ? undefined : await loadPeers(format);
  if (format !== 'lance' && !options.overwrite && (await exists(dest))) {
    throw new QuiverError('ALREADY_EXISTS', `${dest} already exists; pass overwrite (--overwrite) to replace it`);
  }
  const index = new LocalIndex(folder);
  try {
    const stats = await index.getIndexInfo();
    const items = (await index.listItems()) as IndexItem<Record<string, unknown>>[];
    const progress = (done: number): void => options.onProgress?.(done, items.length);
    progress(0);
    if (format === 'jsonl') {
      await writeJsonl(dest, items, progress);
    } else {
      const arrow = modules!.arrow;
      const dims = stats.dimensions || items[0]?.vector.length || 0;
      if (dims === 0) throw new QuiverError('INVALID_STATE', `${folder} holds no vectors: nothing to export`);
      const columns = planColumns(items);
      const schema = exportSchema(arrow, dims, columns, stats.metric);
      if (format === 'lance') {
        await writeLance(modules!, dest, options, schema, (chunk) => itemsTable(arrow, schema, columns, chunk), items, progress);
      } else {
        const table = itemsTable(arrow, schema, columns, items);
        const pq = modules!.parquet!;
        const wasmTable = pq.Table.fromIPCStream(arrow.tableToIPC(table, 'stream'));
        const props = new pq.WriterPropertiesBuilder().setCompression(pq.Compression.ZSTD).build();
        await mkdir(dirname(resolve(dest)), { recursive: true });
        await writeFile(dest, pq.writeParquet(wasmTable, props));
        progress(items.length);
      }
    }
    return { items: items.length, path: dest, format };
  } finally {
    await index.close();
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function writeJsonl(
  dest: string,
  items: IndexItem<Record<string, unknown>>[],
  progress: (done: number) => void,
): Promise<void> {
  await mkdir(dirname(resolve(dest)), { recursive: true });
  const out = createWriteStream(dest);
  for (let start = 0; start < items.length; start += CHUNK) {
    const lines = items
      .slice(start, start + CHUNK)
      .map((item) => JSON.stringify({ id: item.id, vector: item.vector, metadata: item.metadata }))
      .join('\n');
    if (!out.write(`${lines}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
    progress(Math.min(start + CHUNK, items.length));
  }
  out.end();
  await finished(out);
}

/** The part of LanceDB's API the export uses (LanceDB is not a build dependency of quiverdb). */
interface LanceDb {
  connect(uri: string): Promise<{
    tableNames(): Promise<string[]>;
    createEmptyTable(
      name: string,
      schema: unknown,
      options: { mode: 'create' | 'overwrite' },
    ): Promise<{ add(data: unknown): Promise<unknown>; close(): void }>;
    close(): void;
  }>;
}

type Peers = {
  arrow: typeof import('apache-arrow');
  lancedb?: LanceDb;
  parquet?: typeof import('parquet-wasm');
};

async function writeLance(
  peers: Peers,
  dest: string,
  options: ExportOptions,
  schema: ReturnType<typeof exportSchema>,
  toTable: (items: IndexItem<Record<string, unknown>>[]) => ReturnType<typeof itemsTable>,
  items: IndexItem<Record<string, unknown>>[],
  progress: (done: number) => void,
): Promise<void> {
  const db = await peers.lancedb!.connect(dest);
  const name = options.table ?? 'items';
  if (!options.overwrite && (await db.tableNames()).includes(name)) {
    throw new QuiverError('ALREADY_EXISTS', `table "${name}" already exists in ${dest}; pass overwrite (--overwrite) to replace it`);
  }
  const table = await db.createEmptyTable(name, schema, { mode: 'overwrite' });
  try {
    for (let start = 0; start < items.length; start += CHUNK) {
      await table.add(toTable(items.slice(start, start + CHUNK)));
      progress(Math.min(start + CHUNK, items.length));
    }
  } finally {
    table.close();
    db.close();
  }
}

/**
 * Imports the optional modules a format needs, or explains how to install them. They are looked up
 * from quiverdb's own location first, then from the current directory (a global `quiver` CLI
 * used in a project that installed them). Apache Arrow is taken from where LanceDB finds it, so
 * that both share one copy (LanceDB checks tables with instanceof).
 */
async function loadPeers(format: 'lance' | 'parquet'): Promise<Peers> {
  const needed = format === 'lance' ? ['@lancedb/lancedb', 'apache-arrow'] : ['apache-arrow', 'parquet-wasm'];
  try {
    if (format === 'lance') {
      const lancePath = resolvePeer('@lancedb/lancedb');
      return {
        lancedb: requirePeer(lancePath) as LanceDb,
        arrow: requirePeer(resolvePeer('apache-arrow', lancePath)) as typeof import('apache-arrow'),
      };
    }
    return {
      arrow: requirePeer(resolvePeer('apache-arrow')) as typeof import('apache-arrow'),
      parquet: requirePeer(resolvePeer('parquet-wasm')) as typeof import('parquet-wasm'),
    };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code !== 'MODULE_NOT_FOUND') throw err;
    const install = needed.map((name) => `${name}@${EXPORT_PEERS[name as keyof typeof EXPORT_PEERS]}`).join(' ');
    throw new QuiverError(
      'NOT_FOUND',
      `export --format ${format} needs optional packages that are not installed: run \`npm install -E ${install}\``,
    );
  }
}
