// Unpacks a read result as the core packs it (PackedItems in native/core/include/quiver/item.h):
// every id and metadata in one text (NUL-separated), every number and vector in one buffer. One
// transfer per call from either binding instead of an object built per item in C++. The
// shapes built are Vectra's.

import type { PackedItems } from './backend.js';
import { QuiverError } from './errors.js';
import type { IndexItem, QueryResult } from './types.js';

/** Per item in the numbers: norm, score, distance, vectorScore, textScore (NaN: not applicable;
 * a NaN norm: the item was stored with an empty vector, and its slot in the vectors is unused). */
const NUMBERS_PER_ITEM = 5;

/** id, metadata JSON, id, metadata JSON, ... (a split, not one JSON.parse: V8 interns short
 * strings that JSON.parse creates, which costs more than the split for typical ids). */
function parts(packed: PackedItems): string[] {
  return packed.count === 0 ? [] : packed.text.split('\0');
}

function metadata(text: string): unknown {
  if (text === '{}') return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    // Only a database changed by another program can hold metadata that is not JSON.
    throw new QuiverError(
      'CORRUPT',
      `stored metadata is not valid JSON (${(err as Error).message}); delete and insert the damaged ` +
        'item again, or restore the index folder from a backup',
    );
  }
}

function views(packed: PackedItems): { numbers: Float64Array; vectors: Float32Array } {
  const numbers = new Float64Array(packed.buffer, 0, packed.count * NUMBERS_PER_ITEM);
  const vectors = new Float32Array(packed.buffer, numbers.byteLength, packed.count * packed.dims);
  return { numbers, vectors };
}

let template: number[] = [];

/** An array of `dims` doubles (V8 keeps it as unboxed doubles; slice() copies that kind). */
function doublesTemplate(dims: number): number[] {
  if (template.length !== dims) template = new Array<number>(dims).fill(0.5);
  return template;
}

function item<T>(texts: string[], vectors: Float32Array, dims: number, i: number, norm: number): IndexItem<T> {
  if (Number.isNaN(norm)) {
    // Stored with an empty vector: Vectra's shape for it is vector [] and norm 0.
    return { id: texts[2 * i], metadata: metadata(texts[2 * i + 1]) as T, vector: [], norm: 0 };
  }
  // dims 0: the query asked for no vectors (includeVectors: false); the norm is still the item's.
  if (dims === 0) return { id: texts[2 * i], metadata: metadata(texts[2 * i + 1]) as T, vector: [], norm };
  // A copy of a template of doubles, then a plain loop: Array.from over a typed array goes
  // through the iterator protocol (~10x slower), and `new Array(dims)` starts with small-integer
  // holes that the first float turns into a new backing store (measured on Node 20, 10 x 128
  // floats: 2.8 µs this way, 4.3 µs with new Array, 25 µs with Array.from).
  const vector = doublesTemplate(dims).slice();
  for (let j = 0, at = i * dims; j < dims; j++) vector[j] = vectors[at + j];
  return { id: texts[2 * i], metadata: metadata(texts[2 * i + 1]) as T, vector, norm };
}

/** Items of get/list, in the core's order. */
export function unpackItems<T>(packed: PackedItems): IndexItem<T>[] {
  const texts = parts(packed);
  const { numbers, vectors } = views(packed);
  const out = new Array<IndexItem<T>>(packed.count);
  for (let i = 0; i < packed.count; i++) {
    out[i] = item<T>(texts, vectors, packed.dims, i, numbers[i * NUMBERS_PER_ITEM]);
  }
  return out;
}

/** Query hits, best first; vectorScore/textScore only where the core gave them (hybrid). */
export function unpackHits<T>(packed: PackedItems): QueryResult<T>[] {
  const texts = parts(packed);
  const { numbers, vectors } = views(packed);
  const out = new Array<QueryResult<T>>(packed.count);
  for (let i = 0; i < packed.count; i++) {
    const n = i * NUMBERS_PER_ITEM;
    const hit: QueryResult<T> = {
      item: item<T>(texts, vectors, packed.dims, i, numbers[n]),
      score: numbers[n + 1],
      distance: numbers[n + 2],
    };
    if (!Number.isNaN(numbers[n + 3])) hit.vectorScore = numbers[n + 3];
    if (!Number.isNaN(numbers[n + 4])) hit.textScore = numbers[n + 4];
    out[i] = hit;
  }
  return out;
}
