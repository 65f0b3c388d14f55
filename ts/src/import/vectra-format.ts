// Vectra's on-disk index, as its 0.15 codecs write it: `index.json` (JsonCodec) or `index.pb`
// (ProtobufCodec), plus one `<uuid>.json` per item whose non-indexed metadata was moved out of
// the index file (`metadataFile`; JSON with both codecs). A LocalDocumentIndex folder also has
// `catalog.json` / `catalog.pb` (uri <-> document id, content hashes), each document's text in
// `<documentId>.txt` and its metadata, if any, in `<documentId>.json` / `.pb` (JSON in both).

import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

import { QuiverError } from '../errors.js';
import { decodeVectraCatalogProtobuf, decodeVectraProtobuf } from './vectra-protobuf.js';

export interface VectraItem {
  id: string;
  metadata: Record<string, unknown>;
  vector: number[];
  norm?: number;
  metadataFile?: string;
}

export interface VectraIndexData {
  version: number;
  metadata_config: { indexed?: string[] };
  items: VectraItem[];
}

/** The document catalog of a Vectra LocalDocumentIndex. */
export interface VectraCatalog {
  version: number;
  count: number;
  uriToId: Record<string, string>;
  idToUri: Record<string, string>;
  /** Absent in catalogs written before Vectra 0.15. */
  uriToHash?: Record<string, string>;
}

/** A Vectra document catalog and the extension of its codec's files ('.json' or '.pb'). */
export interface VectraDocumentFolder {
  catalog: VectraCatalog;
  file: string;
  extension: '.json' | '.pb';
}

/** The document catalog of a Vectra folder, or undefined if it is a plain LocalIndex folder. */
export async function readVectraCatalog(folder: string): Promise<VectraDocumentFolder | undefined> {
  const names = await readdir(folder);
  const file = ['catalog.json', 'catalog.pb'].find((n) => names.includes(n));
  if (!file) return undefined;
  const bytes = await readFile(join(folder, file));
  if (file.endsWith('.pb')) return { catalog: decodeVectraCatalogProtobuf(bytes), file, extension: '.pb' };
  let catalog: VectraCatalog;
  try {
    catalog = JSON.parse(bytes.toString('utf8')) as VectraCatalog;
  } catch (err) {
    throw new QuiverError('CORRUPT', `${file} in "${folder}" is not valid JSON (${(err as Error).message})`);
  }
  if (typeof catalog !== 'object' || catalog === null || typeof catalog.uriToId !== 'object' || catalog.uriToId === null) {
    throw new QuiverError('CORRUPT', `${file} in "${folder}" is not a Vectra document catalog (no "uriToId")`);
  }
  return { catalog, file, extension: '.json' };
}

/** A document's text and metadata as Vectra stored them next to its catalog. */
export async function readVectraDocument(
  folder: string,
  documentId: string,
  extension: string,
): Promise<{ text: string; metadata: Record<string, unknown> | undefined }> {
  let text: string;
  try {
    text = await readFile(join(folder, `${documentId}.txt`), 'utf8');
  } catch (err) {
    throw new QuiverError('CORRUPT', `the text of document ${documentId} (${documentId}.txt) cannot be read (${(err as Error).message})`);
  }
  let metadataText: string;
  try {
    metadataText = await readFile(join(folder, `${documentId}${extension}`), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { text, metadata: undefined }; // no metadata given
    throw new QuiverError('CORRUPT', `the metadata of document ${documentId} cannot be read (${(err as Error).message})`);
  }
  try {
    return { text, metadata: JSON.parse(metadataText) as Record<string, unknown> };
  } catch (err) {
    throw new QuiverError('CORRUPT', `${documentId}${extension} is not valid JSON (${(err as Error).message})`);
  }
}

/** Finds and decodes the index file of a Vectra folder (`indexName` to pick one). */
export async function readVectraIndex(folder: string, indexName?: string): Promise<{ data: VectraIndexData; file: string }> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (err) {
    throw new QuiverError('NOT_FOUND', `cannot read the Vectra folder "${folder}" (${(err as Error).message})`);
  }
  const file = indexName ?? ['index.json', 'index.pb'].find((n) => names.includes(n));
  if (!file || !names.includes(file)) {
    throw new QuiverError('NOT_FOUND', `no Vectra index in "${folder}": expected index.json or index.pb`);
  }
  const bytes = await readFile(join(folder, file));
  if (file.endsWith('.pb')) return { data: decodeVectraProtobuf(bytes), file };
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new QuiverError('CORRUPT', `${file} in "${folder}" is not valid JSON (${(err as Error).message})`);
  }
  const data = parsed as VectraIndexData;
  if (typeof data !== 'object' || data === null || !Array.isArray(data.items)) {
    throw new QuiverError('CORRUPT', `${file} in "${folder}" is not a Vectra index (no "items" array)`);
  }
  return { data, file };
}

/** The item's full metadata: the external metadata file when it has one. */
export async function fullMetadata(folder: string, item: VectraItem): Promise<Record<string, unknown>> {
  if (!item.metadataFile) return item.metadata ?? {};
  try {
    return JSON.parse(await readFile(join(folder, item.metadataFile), 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new QuiverError(
      'CORRUPT',
      `metadata file ${item.metadataFile} of item "${item.id}" cannot be read (${(err as Error).message})`,
    );
  }
}
