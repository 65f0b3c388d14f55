// Readers for `quiver import`: each turns a file into batches of items, and knows its item count
// up front so that the progress bar can show an ETA.
//   jsonl   one JSON object per line: {"id"?: string, "vector": number[], "metadata"?: object}
//   fvecs   the TexMex binary format (int32 dimension, then that many float32, per vector); ids are
//           the row numbers ("0", "1", ...) after an optional prefix
// A Vectra index folder (--format vectra) is not read here: commands.ts hands it to
// importVectraIndex, the library's importer.

import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';

import { QuiverError } from '../errors.js';
import type { CreateIndexConfig, IndexItemInput, MetadataTypes } from '../types.js';

type Item = IndexItemInput<Record<string, MetadataTypes>>;

/** A batch of items and where they came from (for error messages). */
export interface Batch {
  items: Item[];
  /** e.g. "lines 1001-2000 of data.jsonl" */
  where: string;
}

/** Items to import. */
export interface ItemSource {
  total: number;
  /** Settings the source implies for a new index (e.g. the dimensions of an .fvecs file). */
  indexConfig: Partial<CreateIndexConfig>;
  batches(size: number): AsyncGenerator<Batch>;
}

export type SourceFormat = 'jsonl' | 'fvecs';

export async function openSource(
  path: string,
  format: SourceFormat,
  options: { idPrefix: string },
): Promise<ItemSource> {
  switch (format) {
    case 'jsonl':
      return jsonlSource(path);
    case 'fvecs':
      return fvecsSource(path, options.idPrefix);
  }
}

function badInput(message: string): QuiverError {
  return new QuiverError('INVALID_ARGUMENT', message);
}

// ---- JSONL ---------------------------------------------------------------------------------------

async function countLines(path: string): Promise<number> {
  let lines = 0;
  let last = 0x0a;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) lines++;
    last = chunk[chunk.length - 1] ?? last;
  }
  return last === 0x0a ? lines : lines + 1;
}

async function jsonlSource(path: string): Promise<ItemSource> {
  const total = await countLines(path);
  return {
    total,
    indexConfig: {},
    async *batches(size) {
      const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
      let items: Item[] = [];
      let first = 1;
      let lineNo = 0;
      for await (const line of lines) {
        lineNo++;
        if (line.trim() === '') continue;
        items.push(parseJsonlItem(line, `${path}:${lineNo}`));
        if (items.length === size) {
          yield { items, where: `lines ${first}-${lineNo} of ${path}` };
          items = [];
          first = lineNo + 1;
        }
      }
      if (items.length > 0) yield { items, where: `lines ${first}-${lineNo} of ${path}` };
    },
  };
}

function parseJsonlItem(line: string, where: string): Item {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw badInput(`${where}: not valid JSON (${(err as Error).message}); each line must be one JSON object`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badInput(`${where}: expected a JSON object like {"id": "a", "vector": [0.1, 0.2], "metadata": {}}`);
  }
  const { id, vector, metadata } = value as { id?: unknown; vector?: unknown; metadata?: unknown };
  if (!Array.isArray(vector)) throw badInput(`${where}: "vector" must be an array of numbers`);
  if (id !== undefined && typeof id !== 'string') throw badInput(`${where}: "id" must be a string`);
  if (metadata !== undefined && (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))) {
    throw badInput(`${where}: "metadata" must be a JSON object`);
  }
  return {
    ...(id === undefined ? {} : { id }),
    vector: vector as number[],
    metadata: (metadata ?? {}) as Record<string, MetadataTypes>,
  };
}

// ---- fvecs ---------------------------------------------------------------------------------------

async function fvecsSource(path: string, idPrefix: string): Promise<ItemSource> {
  const { size } = await stat(path);
  const file = await open(path, 'r');
  const head = Buffer.alloc(4);
  try {
    await file.read(head, 0, 4, 0);
  } finally {
    await file.close();
  }
  const dims = size >= 4 ? head.readInt32LE(0) : 0;
  const record = 4 + 4 * dims;
  if (dims <= 0 || size % record !== 0) {
    throw badInput(`${path}: not an .fvecs file (size ${size} is not a multiple of 4 + 4 x ${dims} dimensions)`);
  }
  const total = size / record;
  return {
    total,
    indexConfig: { dimensions: dims },
    async *batches(batchSize) {
      const handle = await open(path, 'r');
      try {
        const buffer = Buffer.alloc(record * batchSize);
        for (let row = 0; row < total; ) {
          const count = Math.min(batchSize, total - row);
          await handle.read(buffer, 0, count * record, row * record);
          const items: Item[] = [];
          for (let i = 0; i < count; i++) {
            const offset = i * record;
            if (buffer.readInt32LE(offset) !== dims) {
              throw badInput(`${path}: vector ${row + i} has dimension ${buffer.readInt32LE(offset)}, not ${dims}`);
            }
            // A copy into its own aligned buffer: the core takes a Float32Array without copying.
            const bytes = buffer.subarray(offset + 4, offset + record);
            const vector = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
            items.push({ id: `${idPrefix}${row + i}`, vector, metadata: {} });
          }
          yield { items, where: `vectors ${row}-${row + count - 1} of ${path}` };
          row += count;
        }
      } finally {
        await handle.close();
      }
    },
  };
}
