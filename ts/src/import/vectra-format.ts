// Vectra's on-disk index, as its 0.15 codecs write it: `index.json` (JsonCodec) or `index.pb`
// (ProtobufCodec), plus one `<uuid>.json` per item whose non-indexed metadata was moved out of
// the index file (`metadataFile`; JSON with both codecs).

import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

import { QuiverError } from '../errors.js';
import { decodeVectraProtobuf } from './vectra-protobuf.js';

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
