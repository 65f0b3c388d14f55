// What each `quiver` command does, written against the public API of quiverdb only (LocalIndex,
// QuiverError, exportIndex). main.ts parses the command line and maps errors to exit codes.

import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { QuiverError } from '../errors.js';
import { LocalIndex, importVectraIndex } from '../index.js';
import type { CreateIndexConfig, MetadataFilter, Metric } from '../types.js';
import { ExitCode, UsageError } from './errors.js';
import { type Progress, startProgress } from './progress.js';
import { openSource, type SourceFormat } from './sources.js';

/** Writes one line to stdout (results); progress and errors go to stderr. */
const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const fmt = (n: number): string => n.toLocaleString('en-US');

export interface CreateOptions {
  dims?: number;
  metric?: Metric;
  m?: number;
  efConstruction?: number;
  efSearch?: number;
  force?: boolean;
}

/** `quiver create <folder>` */
export async function createCommand(folder: string, options: CreateOptions): Promise<number> {
  const index = new LocalIndex(folder);
  try {
    await index.createIndex(createConfig(options, {}));
    const stats = await index.getIndexInfo();
    out(
      `created ${folder}: metric ${stats.metric}, ` +
        `${stats.dimensions === 0 ? 'dimensions fixed by the first vector' : `${stats.dimensions} dimensions`}, ` +
        `HNSW M=${stats.hnsw.M} efConstruction=${stats.hnsw.efConstruction} efSearch=${stats.hnsw.efSearch}`,
    );
    return ExitCode.OK;
  } finally {
    await index.close();
  }
}

function createConfig(options: CreateOptions, implied: Partial<CreateIndexConfig>): CreateIndexConfig {
  const hnsw = {
    ...(options.m === undefined ? {} : { M: options.m }),
    ...(options.efConstruction === undefined ? {} : { efConstruction: options.efConstruction }),
    ...(options.efSearch === undefined ? {} : { efSearch: options.efSearch }),
  };
  return {
    version: 1,
    ...implied,
    ...(options.dims === undefined ? {} : { dimensions: options.dims }),
    ...(options.metric === undefined ? {} : { metric: options.metric }),
    ...(Object.keys(hnsw).length === 0 ? {} : { hnsw }),
    deleteIfExists: options.force === true,
  };
}

export interface ImportOptions extends CreateOptions {
  format: SourceFormat | 'vectra';
  create?: boolean;
  batchSize: number;
  idPrefix: string;
  progress: boolean;
  json?: boolean;
}

/** `quiver import <folder> <source>` */
export async function importCommand(folder: string, source: string, options: ImportOptions): Promise<number> {
  if (options.format === 'vectra') return importVectraFolder(folder, source, options);
  const items = await openSource(source, options.format, { idPrefix: options.idPrefix });
  const index = new LocalIndex(folder);
  try {
    if (!(await index.isIndexCreated())) {
      if (!options.create) throw noIndex(folder);
      await index.createIndex(createConfig(options, items.indexConfig));
    }
    const progress = startProgress('importing', items.total, options.progress);
    let done = 0;
    // Parse the next batch while the core writes the previous one (the native backend writes on
    // a worker thread); at most one batch is in flight, so memory stays bounded.
    let pending: Promise<void> | undefined;
    try {
      for await (const batch of items.batches(options.batchSize)) {
        await pending;
        pending = index.insertItems(batch.items, { batchSize: batch.items.length }).then(
          (ids) => {
            done += ids.length;
            progress.update(done);
          },
          (err: unknown) => {
            if (!(err instanceof QuiverError)) throw err;
            throw new QuiverError(
              err.code,
              `${err.message} (in ${batch.where}; the ${fmt(done)} items before it were imported)`,
            );
          },
        );
      }
      await pending;
    } finally {
      // Let a failed in-flight batch settle before the bar stops, so its error is the one shown.
      await pending?.catch(() => undefined);
      const stats = await index.getIndexStats().catch(() => undefined);
      printImportSummary(folder, done, progress.finish(done), stats?.items, options.json);
    }
    return ExitCode.OK;
  } finally {
    await index.close();
  }
}

function noIndex(folder: string): QuiverError {
  return new QuiverError(
    'NOT_FOUND',
    `no index in ${folder}: create it with \`quiver create ${folder}\`, or pass --create`,
  );
}

/** The summary line of an import (stdout), also after a failure (then with what got in). */
function printImportSummary(
  folder: string,
  done: number,
  { seconds, perSecond }: { seconds: number; perSecond: number },
  items: number | undefined,
  json: boolean | undefined,
): void {
  if (json) {
    out(JSON.stringify({ imported: done, seconds, itemsPerSecond: perSecond, items }));
  } else {
    out(
      `imported ${fmt(done)} items into ${folder} in ${seconds.toFixed(1)} s ` +
        `(${fmt(Math.round(perSecond))} items/s)` +
        (items === undefined ? '' : `; the index holds ${fmt(items)} items`),
    );
  }
}

/**
 * `quiver import <folder> <vectra folder> --format vectra`: importVectraIndex, the library's
 * importer (index.json or index.pb, external metadata files). It creates a new index with the
 * Vectra index's settings and imports every item in one transaction: a failure leaves nothing.
 */
async function importVectraFolder(folder: string, source: string, options: ImportOptions): Promise<number> {
  const settings = (
    [
      ['dims', '--dims'],
      ['metric', '--metric'],
      ['m', '--m'],
      ['efConstruction', '--ef-construction'],
      ['efSearch', '--ef-search'],
    ] as const
  ).filter(([key]) => options[key] !== undefined);
  if (settings.length > 0) {
    throw new UsageError(
      `${settings.map(([, flag]) => flag).join(', ')}: not with --format vectra, which takes the ` +
        "index's settings from the Vectra index (cosine, its dimensions, default HNSW settings)",
    );
  }
  const index = new LocalIndex(folder);
  try {
    if (await index.isIndexCreated()) {
      throw new QuiverError(
        'ALREADY_EXISTS',
        `${folder} already holds an index: a Vectra index is imported into a new one (all items ` +
          'in one transaction); pick a folder without an index',
      );
    }
    if (!options.create) throw noIndex(folder);
  } finally {
    await index.close();
  }

  let progress: Progress | undefined;
  let done = 0;
  let imported = false;
  try {
    const result = await importVectraIndex(source, folder, {
      batchSize: options.batchSize,
      onProgress: (staged, total) => {
        progress ??= startProgress('importing', total, options.progress);
        progress.update(staged);
      },
    });
    done = result.items;
    imported = true;
  } catch (err) {
    // importVectraIndex may leave an empty index behind; remove it (the folder had none) so that
    // the same command can run again once the source is fixed.
    const created = new LocalIndex(folder);
    await created.deleteIndex().catch(() => undefined);
    await created.close().catch(() => undefined);
    throw err;
  } finally {
    const timing = progress?.finish(done) ?? { seconds: 0, perSecond: 0 };
    const items = imported ? await itemCount(folder) : undefined;
    printImportSummary(folder, done, timing, items, options.json);
  }
  return ExitCode.OK;
}

async function itemCount(folder: string): Promise<number | undefined> {
  const index = new LocalIndex(folder);
  try {
    return (await index.getIndexStats()).items;
  } catch {
    return undefined;
  } finally {
    await index.close();
  }
}

export interface QueryOptions {
  vector: string;
  topK: number;
  filter?: string;
  efSearch?: number;
  json?: boolean;
  withVectors?: boolean;
}

/** `quiver query <folder> --vector <json|file>` */
export async function queryCommand(folder: string, options: QueryOptions): Promise<number> {
  const vector = await parseVector(options.vector);
  const filter = options.filter === undefined ? undefined : parseFilter(options.filter);
  const index = new LocalIndex(folder);
  try {
    const hits = await index.query(vector, {
      topK: options.topK,
      ...(filter === undefined ? {} : { filter }),
      ...(options.efSearch === undefined ? {} : { efSearch: options.efSearch }),
    });
    if (options.json) {
      out(
        JSON.stringify(
          hits.map((h) => ({
            id: h.item.id,
            score: h.score,
            distance: h.distance,
            metadata: h.item.metadata,
            ...(options.withVectors ? { vector: h.item.vector } : {}),
          })),
        ),
      );
    } else if (hits.length === 0) {
      out('no results');
    } else {
      hits.forEach((h, i) => {
        out(`${String(i + 1).padStart(3)}  ${h.score.toFixed(6)}  ${h.item.id}  ${JSON.stringify(h.item.metadata)}`);
      });
    }
    return ExitCode.OK;
  } finally {
    await index.close();
  }
}

/** A vector given inline as a JSON array, or as a file holding one (or {"vector": [...]}). */
async function parseVector(text: string): Promise<number[]> {
  const inline = text.trimStart().startsWith('[');
  let source = text;
  if (!inline) {
    try {
      source = await readFile(text, 'utf8');
    } catch (err) {
      throw new UsageError(`--vector: "${text}" is neither a JSON array nor a readable file (${(err as Error).message})`);
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (err) {
    throw new UsageError(`--vector: not valid JSON (${(err as Error).message})`);
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && 'vector' in value) {
    value = (value as { vector: unknown }).vector;
  }
  if (!Array.isArray(value) || !value.every((x) => typeof x === 'number')) {
    throw new UsageError('--vector: expected a JSON array of numbers, e.g. [0.1, 0.2, 0.3]');
  }
  return value as number[];
}

function parseFilter(text: string): MetadataFilter {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--filter: not valid JSON (${(err as Error).message}), e.g. '{"genre": {"$eq": "jazz"}}'`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`--filter: expected a JSON object, e.g. '{"year": {"$gte": 2000}}'`);
  }
  return value as MetadataFilter;
}

/** `quiver stats <folder>` */
export async function statsCommand(folder: string, options: { json?: boolean }): Promise<number> {
  const index = new LocalIndex(folder);
  try {
    const stats = await index.getIndexInfo();
    const bytes = await folderBytes(folder);
    if (options.json) {
      out(JSON.stringify({ ...stats, bytesOnDisk: bytes }));
    } else {
      out(`folder       ${folder}`);
      out(`items        ${fmt(stats.items)}`);
      out(`dimensions   ${stats.dimensions === 0 ? '(not fixed yet)' : stats.dimensions}`);
      out(`metric       ${stats.metric}`);
      out(`hnsw         M=${stats.hnsw.M} efConstruction=${stats.hnsw.efConstruction} efSearch=${stats.hnsw.efSearch}`);
      out(`on disk      ${fmt(bytes)} bytes`);
    }
    return ExitCode.OK;
  } finally {
    await index.close();
  }
}

async function folderBytes(folder: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    total += entry.isDirectory() ? await folderBytes(path) : (await stat(path)).size;
  }
  return total;
}

/** `quiver verify <folder>`: exit 0 when consistent, 3 when the graph had to be rebuilt. */
export async function verifyCommand(folder: string, options: { json?: boolean }): Promise<number> {
  const index = new LocalIndex(folder);
  try {
    const report = await index.verify();
    let parsed: { consistent?: unknown; rebuilt?: unknown; items?: unknown; graph?: unknown } = {};
    try {
      parsed = JSON.parse(report) as typeof parsed;
    } catch {
      // A plain-text report: printed as is.
    }
    if (options.json) {
      out(report);
    } else if (typeof parsed.consistent === 'boolean') {
      out(
        parsed.consistent
          ? `ok: the HNSW graph matches the database (${fmt(Number(parsed.items))} items)`
          : `repaired: the HNSW graph did not match the database; it was rebuilt from the database ` +
              `(${fmt(Number(parsed.items))} items)`,
      );
    } else {
      out(report);
    }
    return parsed.consistent === false ? ExitCode.REPAIRED : ExitCode.OK;
  } finally {
    await index.close();
  }
}
