// The bad-input table: every public method of LocalIndex fed wrong types, NaN/Infinity, huge and
// negative numbers, empty/NUL/surrogate ids, oversize and deeply nested metadata, cycles, BigInt,
// unknown option keys, bad filters, wrong dimensions, a closed and a missing index — on every
// backend of the contract suite. For each case:
//   - the call returns a Promise (it never throws synchronously) that rejects with a QuiverError
//     whose `.code` is the one in the table (the same on every backend) and whose message says
//     something useful;
//   - the index is unchanged: a fresh open lists exactly the same items and stats, and where the
//     backend keeps real folders, once closed, the folder holds the same files with the same
//     bytes (SQLite's -wal/-shm exist only while a connection is open, so "unchanged" is checked
//     after close; a read may touch them, a bad call must not change anything that survives);
//   - the process is alive (a crash in the core would take down this test file's process).

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import type { Backend } from '../../ts/src/backend.js';
import { QuiverError, type QuiverErrorCode } from '../../ts/src/errors.js';
import { stringifyWithoutRecursion } from '../../ts/src/json.js';
import type { LocalIndex } from '../../ts/src/local-index.js';
import type { IndexItemInput } from '../../ts/src/types.js';
import { type AnyMetadata, backends, createLocalIndex, storesInFolders } from '../ts/backends.js';
import { makeTempDir, snapshot, type Snapshot } from '../ts/helpers.js';

type Index = LocalIndex<AnyMetadata>;
type Item = IndexItemInput<AnyMetadata>;

/** Which index a case runs against. */
type Target =
  | 'open' // the populated index, opened by a fresh LocalIndex
  | 'closed' // the same, after close()
  | 'missing'; // a folder where no index exists

interface Case {
  name: string;
  /** Must return what the public method returned, synchronously (no await before the call). */
  run: (index: Index) => unknown;
  code: QuiverErrorCode;
  /** A part of the message that tells the user what is wrong. */
  message?: RegExp;
  target?: Target;
}

const ITEMS: Item[] = [
  { id: 'a', vector: [1, 0, 0], metadata: { category: 'fruit', price: 3 } },
  { id: 'b', vector: [0, 1, 0], metadata: { category: 'fruit', price: 10 } },
  { id: 'c', vector: [0.75, 0.25, 0], metadata: { category: 'veg', price: 5, tags: ['x'] } },
  { id: 'd', vector: [-1, 0, 0.5], metadata: { nested: { deep: { er: 1 } } } },
];
const V = [1, 0, 0];

// Fresh values per call: a case may run on several backends, and cycles must be built anew.
function cyclic(): AnyMetadata {
  const value: AnyMetadata = { a: { b: 1 } };
  value.a.self = value;
  return value;
}
function nested(levels: number, leaf: unknown = 1): AnyMetadata {
  let value: AnyMetadata = { leaf };
  for (let i = 0; i < levels; i++) value = { n: value };
  return value;
}
function nestedArray(levels: number): unknown[] {
  let value: unknown[] = [1];
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}
function nestedFilter(levels: number): AnyMetadata {
  let filter: AnyMetadata = { price: 3 };
  for (let i = 0; i < levels; i++) filter = { $and: [filter] };
  return filter;
}
const item = (extra: Partial<Item> & Record<string, unknown>): Item => ({ id: 'new', vector: V, ...extra }) as Item;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- wrong types on purpose
const any = (value: unknown): any => value;

const IA = 'INVALID_ARGUMENT';

const cases: Case[] = [
  // ---- insertItem: the item itself ----
  { name: 'insertItem(undefined)', run: (i) => i.insertItem(any(undefined)), code: IA },
  { name: 'insertItem(null)', run: (i) => i.insertItem(any(null)), code: IA },
  { name: 'insertItem("text")', run: (i) => i.insertItem(any('text')), code: IA },
  { name: 'insertItem(42)', run: (i) => i.insertItem(any(42)), code: IA },
  { name: 'insertItem([vector])', run: (i) => i.insertItem(any([V])), code: IA },
  // ---- insertItem: vectors ----
  { name: 'no vector', run: (i) => i.insertItem({ id: 'new' }), code: IA, message: /Vector is required/ },
  { name: 'vector is a string', run: (i) => i.insertItem(item({ vector: any('abc') })), code: IA, message: /vector/ },
  { name: 'vector is an object', run: (i) => i.insertItem(item({ vector: any({ 0: 1 }) })), code: IA },
  { name: 'vector has a string', run: (i) => i.insertItem(item({ vector: any([1, '2', 3]) })), code: IA, message: /vector\[1\]/ },
  { name: 'vector has a BigInt', run: (i) => i.insertItem(item({ vector: any([1, 2n, 3]) })), code: IA },
  { name: 'vector has null', run: (i) => i.insertItem(item({ vector: any([1, null, 3]) })), code: IA },
  { name: 'vector has NaN', run: (i) => i.insertItem(item({ vector: [NaN, 0, 0] })), code: IA, message: /NaN/ },
  { name: 'vector has Infinity', run: (i) => i.insertItem(item({ vector: [0, Infinity, 0] })), code: IA, message: /infinite/ },
  { name: 'Float32Array with -Infinity', run: (i) => i.insertItem(item({ vector: new Float32Array([0, 0, -Infinity]) })), code: IA },
  { name: 'vector overflows float32', run: (i) => i.insertItem(item({ vector: [1e39, 0, 0] })), code: IA },
  { name: 'zero vector under cosine', run: (i) => i.insertItem(item({ vector: [0, 0, 0] })), code: IA, message: /zero vector/ },
  // An item with an empty vector is valid (Vectra stores them; never a vector hit); a query is not.
  { name: 'empty query vector', run: (i) => i.queryItems([], '', 3), code: IA },
  { name: 'too few dimensions', run: (i) => i.insertItem(item({ vector: [1, 0] })), code: 'DIMENSION_MISMATCH', message: /2 dimensions but the index has 3/ },
  { name: 'too many dimensions', run: (i) => i.insertItem(item({ vector: [1, 0, 0, 0] })), code: 'DIMENSION_MISMATCH' },
  { name: 'vector of 70,000 dimensions', run: (i) => i.insertItem(item({ vector: new Float32Array(70_000).fill(1) })), code: 'LIMIT' },
  // ---- insertItem: ids ----
  { name: 'empty id', run: (i) => i.insertItem(item({ id: '' })), code: IA, message: /non-empty/ },
  { name: 'id with NUL', run: (i) => i.insertItem(item({ id: 'a\u0000b' })), code: IA, message: /NUL/ },
  { name: 'id that is only NUL', run: (i) => i.insertItem(item({ id: '\u0000' })), code: IA, message: /NUL/ },
  { name: 'id with a lone high surrogate', run: (i) => i.insertItem(item({ id: 'sur\uD800x' })), code: IA, message: /lone surrogate/ },
  { name: 'id with a lone low surrogate', run: (i) => i.insertItem(item({ id: '\uDC00' })), code: IA, message: /lone surrogate/ },
  { name: 'id ending in a high surrogate', run: (i) => i.insertItem(item({ id: 'end\uDBFF' })), code: IA, message: /lone surrogate/ },
  { name: 'id of 513 bytes', run: (i) => i.insertItem(item({ id: 'x'.repeat(513) })), code: 'LIMIT', message: /512 bytes/ },
  { name: 'id of 257 two-byte characters', run: (i) => i.insertItem(item({ id: 'é'.repeat(257) })), code: 'LIMIT' },
  { name: 'id is a number', run: (i) => i.insertItem(item({ id: any(42) })), code: IA, message: /id must be a string/ },
  { name: 'id is an object', run: (i) => i.insertItem(item({ id: any({}) })), code: IA },
  { name: 'id is a BigInt', run: (i) => i.insertItem(item({ id: any(1n) })), code: IA },
  { name: 'id already taken', run: (i) => i.insertItem(item({ id: 'a' })), code: 'ALREADY_EXISTS', message: /Item with id a already exists/ },
  // ---- insertItem: metadata ----
  { name: 'metadata is a string', run: (i) => i.insertItem(item({ metadata: any('text') })), code: IA, message: /plain object/ },
  { name: 'metadata is an array', run: (i) => i.insertItem(item({ metadata: any([1]) })), code: IA },
  { name: 'metadata is a number', run: (i) => i.insertItem(item({ metadata: any(7) })), code: IA },
  { name: 'metadata has NaN', run: (i) => i.insertItem(item({ metadata: { n: NaN } })), code: IA, message: /metadata\.n is NaN/ },
  { name: 'metadata has Infinity', run: (i) => i.insertItem(item({ metadata: { n: Infinity } })), code: IA },
  { name: 'metadata has a BigInt', run: (i) => i.insertItem(item({ metadata: { n: 10n } })), code: IA, message: /BigInt/ },
  { name: 'metadata is cyclic', run: (i) => i.insertItem(item({ metadata: cyclic() })), code: IA, message: /circular/ },
  { name: 'metadata has a Date', run: (i) => i.insertItem(item({ metadata: { d: new Date(0) } })), code: IA, message: /Date/ },
  { name: 'metadata has a Map', run: (i) => i.insertItem(item({ metadata: { m: new Map() } })), code: IA },
  { name: 'metadata has a function', run: (i) => i.insertItem(item({ metadata: { f: () => 1 } })), code: IA },
  { name: 'metadata has a symbol', run: (i) => i.insertItem(item({ metadata: { s: Symbol('s') } })), code: IA },
  { name: 'metadata has a symbol key', run: (i) => i.insertItem(item({ metadata: { [Symbol('k')]: 1 } })), code: IA },
  { name: 'metadata is a class instance', run: (i) => i.insertItem(item({ metadata: any(new (class P { x = 1; })()) })), code: IA },
  { name: 'metadata has a typed array', run: (i) => i.insertItem(item({ metadata: { t: new Uint8Array(2) } })), code: IA },
  { name: 'metadata over 64 KiB', run: (i) => i.insertItem(item({ metadata: { s: 'x'.repeat(70_000) } })), code: 'LIMIT', message: /limit/ },
  { name: 'metadata nested 10,000 deep', run: (i) => i.insertItem(item({ metadata: nested(10_000) })), code: 'LIMIT', message: /nested/ },
  { name: 'metadata nested 100,000 deep', run: (i) => i.insertItem(item({ metadata: nested(100_000) })), code: 'LIMIT' },
  { name: 'metadata nested 65 deep', run: (i) => i.insertItem(item({ metadata: nested(65) })), code: 'LIMIT', message: /nested/ },
  { name: 'metadata array nested 10,000 deep', run: (i) => i.insertItem(item({ metadata: { a: nestedArray(10_000) } })), code: 'LIMIT' },
  { name: 'metadata string with a lone surrogate', run: (i) => i.insertItem(item({ metadata: { s: 'x\uD800' } })), code: IA, message: /surrogate/ },
  { name: 'metadata key with a lone surrogate', run: (i) => i.insertItem(item({ metadata: { ['k\uDC00']: 1 } })), code: IA, message: /surrogate/ },
  // ---- upsertItem ----
  { name: 'upsertItem(undefined)', run: (i) => i.upsertItem(any(undefined)), code: IA },
  { name: 'upsertItem: NaN vector', run: (i) => i.upsertItem({ id: 'a', vector: [NaN, 1, 1] }), code: IA },
  { name: 'upsertItem: wrong dimensions', run: (i) => i.upsertItem({ id: 'a', vector: [1] }), code: 'DIMENSION_MISMATCH' },
  { name: 'upsertItem: id with NUL', run: (i) => i.upsertItem({ id: 'a\u0000', vector: V }), code: IA, message: /NUL/ },
  { name: 'upsertItem: id with a lone surrogate', run: (i) => i.upsertItem({ id: '\uD83D', vector: V }), code: IA },
  { name: 'upsertItem: BigInt metadata', run: (i) => i.upsertItem({ id: 'a', vector: V, metadata: { n: 1n } }), code: IA },
  { name: 'upsertItem: deep metadata', run: (i) => i.upsertItem({ id: 'a', vector: V, metadata: nested(10_000) }), code: 'LIMIT' },
  { name: 'upsertItem: no vector', run: (i) => i.upsertItem({ id: 'a' }), code: IA, message: /Vector is required/ },
  // ---- batchInsertItems (all or nothing) ----
  { name: 'batchInsertItems("x")', run: (i) => i.batchInsertItems(any('x')), code: IA },
  { name: 'batchInsertItems(null)', run: (i) => i.batchInsertItems(any(null)), code: IA },
  { name: 'batchInsertItems(array-like)', run: (i) => i.batchInsertItems(any({ length: 1, 0: item({}) })), code: IA },
  { name: 'batchInsertItems: [good, null]', run: (i) => i.batchInsertItems([item({ id: 'p' }), any(null)]), code: IA },
  { name: 'batchInsertItems: [good, NaN vector]', run: (i) => i.batchInsertItems([item({ id: 'p' }), item({ id: 'q', vector: [NaN, 0, 0] })]), code: IA },
  { name: 'batchInsertItems: [good, taken id]', run: (i) => i.batchInsertItems([item({ id: 'p' }), item({ id: 'b' })]), code: 'ALREADY_EXISTS' },
  { name: 'batchInsertItems: same id twice', run: (i) => i.batchInsertItems([item({ id: 'p' }), item({ id: 'p' })]), code: 'ALREADY_EXISTS' },
  { name: 'batchInsertItems: [good, NUL id]', run: (i) => i.batchInsertItems([item({ id: 'p' }), item({ id: 'q\u0000' })]), code: IA },
  { name: 'batchInsertItems: [good, wrong dims]', run: (i) => i.batchInsertItems([item({ id: 'p' }), item({ id: 'q', vector: [1, 2] })]), code: 'DIMENSION_MISMATCH' },
  { name: 'batchInsertItems: [good, cyclic metadata]', run: (i) => i.batchInsertItems([item({ id: 'p' }), item({ id: 'q', metadata: cyclic() })]), code: IA },
  { name: 'batchInsertItems: [good, deep metadata]', run: (i) => i.batchInsertItems([item({ id: 'p' }), item({ id: 'q', metadata: nested(10_000) })]), code: 'LIMIT' },
  // ---- insertItems (options are checked before the first batch is written) ----
  { name: 'insertItems("x")', run: (i) => i.insertItems(any('x')), code: IA },
  { name: 'insertItems: batchSize 0', run: (i) => i.insertItems(three(), { batchSize: 0 }), code: IA, message: /batchSize/ },
  { name: 'insertItems: batchSize -1', run: (i) => i.insertItems(three(), { batchSize: -1 }), code: IA },
  { name: 'insertItems: batchSize 1.5', run: (i) => i.insertItems(three(), { batchSize: 1.5 }), code: IA },
  { name: 'insertItems: batchSize NaN', run: (i) => i.insertItems(three(), { batchSize: NaN }), code: IA },
  { name: 'insertItems: batchSize "2"', run: (i) => i.insertItems(three(), { batchSize: any('2') }), code: IA },
  { name: 'insertItems: batchSize 2n', run: (i) => i.insertItems(three(), { batchSize: any(2n) }), code: IA },
  { name: 'insertItems: onProgress 5', run: (i) => i.insertItems(three(), { batchSize: 2, onProgress: any(5) }), code: IA, message: /onProgress/ },
  { name: 'insertItems: onProgress "log"', run: (i) => i.insertItems(three(), { batchSize: 1, onProgress: any('log') }), code: IA },
  { name: 'insertItems: options "fast"', run: (i) => i.insertItems(three(), any('fast')), code: IA },
  { name: 'insertItems: unknown option', run: (i) => i.insertItems(three(), any({ batchsize: 2 })), code: IA, message: /batchsize/ },
  { name: 'insertItems: [good, good, NaN] in one batch', run: (i) => i.insertItems([...three().slice(0, 2), item({ id: 'z', vector: [NaN, 0, 0] })], { batchSize: 10 }), code: IA },
  // ---- deleteItem / deleteItems ----
  { name: 'deleteItem(undefined)', run: (i) => i.deleteItem(any(undefined)), code: IA },
  { name: 'deleteItem(42)', run: (i) => i.deleteItem(any(42)), code: IA },
  { name: 'deleteItem({})', run: (i) => i.deleteItem(any({})), code: IA },
  { name: 'deleteItem("")', run: (i) => i.deleteItem(''), code: IA },
  { name: 'deleteItem: id with NUL', run: (i) => i.deleteItem('a\u0000b'), code: IA, message: /NUL/ },
  { name: 'deleteItem: id with a lone surrogate', run: (i) => i.deleteItem('a\uD800'), code: IA, message: /lone surrogate/ },
  { name: 'deleteItem: id of 513 bytes', run: (i) => i.deleteItem('x'.repeat(513)), code: 'LIMIT' },
  { name: 'deleteItems(42)', run: (i) => i.deleteItems(any(42)), code: IA },
  { name: 'deleteItems([1])', run: (i) => i.deleteItems(any([1])), code: IA },
  { name: 'deleteItems(["a", null])', run: (i) => i.deleteItems(any(['a', null])), code: IA },
  { name: 'deleteItems(["b", ""])', run: (i) => i.deleteItems(['b', '']), code: IA },
  { name: 'deleteItems(["c", NUL id])', run: (i) => i.deleteItems(['c', 'c\u0000']), code: IA, message: /NUL/ },
  // ---- getItem ----
  { name: 'getItem(undefined)', run: (i) => i.getItem(any(undefined)), code: IA },
  { name: 'getItem(null)', run: (i) => i.getItem(any(null)), code: IA },
  { name: 'getItem(7)', run: (i) => i.getItem(any(7)), code: IA },
  { name: 'getItem("")', run: (i) => i.getItem(''), code: IA },
  { name: 'getItem: id with NUL', run: (i) => i.getItem('a\u0000b'), code: IA, message: /NUL/ },
  { name: 'getItem: id with a lone surrogate', run: (i) => i.getItem('\uD800'), code: IA, message: /lone surrogate/ },
  { name: 'getItem: id of 513 bytes', run: (i) => i.getItem('y'.repeat(513)), code: 'LIMIT' },
  // ---- listItemsByMetadata ----
  { name: 'filter is a string', run: (i) => i.listItemsByMetadata(any('category')), code: IA },
  { name: 'filter is an array', run: (i) => i.listItemsByMetadata(any([])), code: IA },
  { name: 'filter is a number', run: (i) => i.listItemsByMetadata(any(1)), code: IA },
  { name: 'filter: unknown operator', run: (i) => i.listItemsByMetadata({ price: { $foo: 1 } }), code: IA, message: /\$foo/ },
  { name: 'filter: $regex (not supported)', run: (i) => i.listItemsByMetadata({ category: { $regex: 'f' } }), code: IA },
  { name: 'filter: $gt NaN', run: (i) => i.listItemsByMetadata({ price: { $gt: NaN } }), code: IA },
  { name: 'filter: $and is not an array', run: (i) => i.listItemsByMetadata({ $and: any(5) }), code: IA },
  { name: 'filter: $in is not an array', run: (i) => i.listItemsByMetadata({ price: { $in: any(5) } }), code: IA },
  { name: 'filter: $exists is a string', run: (i) => i.listItemsByMetadata({ price: { $exists: any('yes') } }), code: IA },
  { name: 'filter: BigInt operand', run: (i) => i.listItemsByMetadata({ price: 3n }), code: IA, message: /BigInt/ },
  { name: 'filter: cyclic', run: (i) => i.listItemsByMetadata(cyclic()), code: IA, message: /circular/ },
  { name: 'filter: $and nested 40 deep', run: (i) => i.listItemsByMetadata(nestedFilter(40)), code: 'LIMIT' },
  { name: 'filter: $and nested 10,000 deep', run: (i) => i.listItemsByMetadata(nestedFilter(10_000)), code: 'LIMIT' },
  { name: 'filter: operand nested 10,000 deep', run: (i) => i.listItemsByMetadata({ tags: { $eq: nestedArray(10_000) } }), code: 'LIMIT' },
  { name: 'filter: a Date operand', run: (i) => i.listItemsByMetadata({ when: new Date(0) }), code: IA },
  // ---- queryItems ----
  { name: 'queryItems: no vector', run: (i) => i.queryItems(any(undefined), 3), code: IA },
  { name: 'queryItems: vector is a string', run: (i) => i.queryItems(any('abc'), 3), code: IA },
  { name: 'queryItems: NaN in vector', run: (i) => i.queryItems([NaN, 0, 0], 3), code: IA },
  { name: 'queryItems: wrong dimensions', run: (i) => i.queryItems([1, 0], 3), code: 'DIMENSION_MISMATCH' },
  { name: 'queryItems: zero vector', run: (i) => i.queryItems([0, 0, 0], 3), code: IA },
  { name: 'queryItems: topK 0', run: (i) => i.queryItems(V, 0), code: IA, message: /topK/ },
  { name: 'queryItems: topK -1', run: (i) => i.queryItems(V, -1), code: IA },
  { name: 'queryItems: topK 1.5', run: (i) => i.queryItems(V, 1.5), code: IA, message: /topK must be an integer/ },
  { name: 'queryItems: topK NaN', run: (i) => i.queryItems(V, NaN), code: IA, message: /NaN/ },
  { name: 'queryItems: topK Infinity', run: (i) => i.queryItems(V, Infinity), code: IA },
  { name: 'queryItems: topK 10001', run: (i) => i.queryItems(V, 10_001), code: 'LIMIT', message: /10000/ },
  { name: 'queryItems: topK 1e20', run: (i) => i.queryItems(V, 1e20), code: 'LIMIT' },
  { name: 'queryItems: topK "3"', run: (i) => i.queryItems(V, any('3'), any(undefined)), code: IA },
  { name: 'queryItems: topK 3n', run: (i) => i.queryItems(V, any(3n)), code: IA },
  { name: 'queryItems: topK missing', run: (i) => i.queryItems(V, any(undefined)), code: IA },
  { name: 'queryItems: filter is a string', run: (i) => i.queryItems(V, 3, any('price > 3')), code: IA },
  { name: 'queryItems: unknown operator', run: (i) => i.queryItems(V, 3, { price: { $near: 1 } }), code: IA },
  { name: 'queryItems: deep filter', run: (i) => i.queryItems(V, 3, nestedFilter(10_000)), code: 'LIMIT' },
  { name: 'queryItems(vector, text, 1.5)', run: (i) => i.queryItems(V, 'q', 1.5), code: IA },
  // ---- query (options) ----
  { name: 'query: options missing', run: (i) => i.query(V, any(undefined)), code: IA },
  { name: 'query: options null', run: (i) => i.query(V, any(null)), code: IA },
  { name: 'query: options is a number', run: (i) => i.query(V, any(5)), code: IA },
  { name: 'query: topK missing', run: (i) => i.query(V, any({})), code: IA, message: /topK/ },
  { name: 'query: topK 2.5', run: (i) => i.query(V, { topK: 2.5 }), code: IA },
  { name: 'query: efSearch 1.5', run: (i) => i.query(V, { topK: 3, efSearch: 1.5 }), code: IA, message: /efSearch must be an integer/ },
  { name: 'query: efSearch -1', run: (i) => i.query(V, { topK: 3, efSearch: -1 }), code: IA, message: /efSearch/ },
  { name: 'query: efSearch NaN', run: (i) => i.query(V, { topK: 3, efSearch: NaN }), code: IA, message: /efSearch/ },
  { name: 'query: efSearch Infinity', run: (i) => i.query(V, { topK: 3, efSearch: Infinity }), code: IA },
  { name: 'query: efSearch 100001', run: (i) => i.query(V, { topK: 3, efSearch: 100_001 }), code: IA, message: /100000/ },
  { name: 'query: efSearch "64"', run: (i) => i.query(V, { topK: 3, efSearch: any('64') }), code: IA },
  { name: 'query: efSearch 64n', run: (i) => i.query(V, { topK: 3, efSearch: any(64n) }), code: IA },
  { name: 'query: misspelt option', run: (i) => i.query(V, any({ topK: 3, efsearch: 64 })), code: IA, message: /"efsearch".*efSearch/ },
  { name: 'query: hybrid misspelt', run: (i) => i.query(V, any({ topK: 3, text: 'a', hybrid: { wieghts: {} } })), code: IA, message: /wieghts/ },
  { name: 'query: filter cyclic', run: (i) => i.query(V, { topK: 3, filter: cyclic() }), code: IA },
  // ---- createIndex on the existing index with deleteIfExists: a bad config must not delete it ----
  ...configCases(),
  { name: 'createIndex() without deleteIfExists', run: (i) => i.createIndex(), code: 'ALREADY_EXISTS', message: /Index already exists/ },
  // ---- staged-update state ----
  { name: 'endUpdate() with no update', run: (i) => i.endUpdate(), code: 'INVALID_STATE', message: /No update in progress/ },
  // ---- a closed index: every method rejects with CLOSED ----
  ...closedCases(),
  // ---- a folder without an index ----
  { name: 'missing: getItem', run: (i) => i.getItem('a'), code: 'NOT_FOUND', message: /Index does not exist/, target: 'missing' },
  { name: 'missing: insertItem', run: (i) => i.insertItem(item({})), code: 'NOT_FOUND', target: 'missing' },
  { name: 'missing: queryItems', run: (i) => i.queryItems(V, 1), code: 'NOT_FOUND', target: 'missing' },
  { name: 'missing: loadIndexData', run: (i) => i.loadIndexData(), code: 'NOT_FOUND', target: 'missing' },
  { name: 'missing: getIndexStats', run: (i) => i.getIndexStats(), code: 'NOT_FOUND', target: 'missing' },
  { name: 'missing: createIndex with a bad config', run: (i) => i.createIndex(any({ dimensions: NaN })), code: IA, target: 'missing' },
  { name: 'missing: createIndex with an unknown key', run: (i) => i.createIndex(any({ shard: 4 })), code: IA, target: 'missing' },
];

function three(): Item[] {
  return [item({ id: 'p1' }), item({ id: 'p2' }), item({ id: 'p3' })];
}

function configCases(): Case[] {
  const bad: [string, unknown, QuiverErrorCode, RegExp?][] = [
    ['config is a string', 'config', IA],
    ['config is a number', 3, IA],
    ['config is an array', [1], IA],
    ['dimensions 16n', { dimensions: 16n }, IA, /BigInt/],
    ['dimensions NaN', { dimensions: NaN }, IA, /NaN/],
    ['dimensions Infinity', { dimensions: Infinity }, IA],
    ['dimensions -1', { dimensions: -1 }, IA, /dimensions/],
    ['dimensions 1.5', { dimensions: 1.5 }, IA, /dimensions must be an integer/],
    ['dimensions 70000', { dimensions: 70_000 }, IA, /65536/],
    ['dimensions "16"', { dimensions: '16' }, IA],
    ['metric "euclid"', { metric: 'euclid' }, IA, /metric/],
    ['metric 5', { metric: 5 }, IA],
    ['hnsw is a number', { hnsw: 5 }, IA, /hnsw/],
    ['hnsw is cyclic', { hnsw: cyclic() }, IA, /circular/],
    ['hnsw.M 1', { hnsw: { M: 1 } }, IA, /hnsw\.M/],
    ['hnsw.M 1000', { hnsw: { M: 1000 } }, IA],
    ['hnsw.efConstruction 0', { hnsw: { efConstruction: 0 } }, IA],
    ['hnsw.efSearch 1.5', { hnsw: { efSearch: 1.5 } }, IA, /efSearch/],
    ['hnsw.m (misspelt)', { hnsw: { m: 16 } }, IA, /"m"/],
    ['unknown key shard (misspelt shards)', { shard: 4 }, IA, /"shard"/],
    ['shards 0', { shards: 0 }, IA, /shards must be an integer from 1 to 64/],
    ['shards 65', { shards: 65 }, IA, /shards/],
    ['shards 1.5', { shards: 1.5 }, IA, /shards/],
    ['shards "2"', { shards: '2' }, IA, /shards/],
    ['misspelt metadata_confg', { metadata_confg: { indexed: ['a'] } }, IA, /"metadata_confg"/],
    ['metadata_config.index (misspelt)', { metadata_config: { index: ['a'] } }, IA, /"index"/],
    ['metadata_config.indexed is a string', { metadata_config: { indexed: 'a' } }, IA],
    ['metadata_config.indexed has a number', { metadata_config: { indexed: [1] } }, IA],
    ['metadata_config.indexed has a bad name', { metadata_config: { indexed: ['a b'] } }, IA],
    ['version "x"', { version: 'x' }, IA],
    ['version 1.5', { version: 1.5 }, IA],
    ['deleteIfExists "yes"', { deleteIfExists: 'yes' }, IA, /deleteIfExists/],
    ['config nested 10,000 deep', { hnsw: nested(10_000) }, 'LIMIT'],
  ];
  return bad.map(([name, config, code, message]) => ({
    name: `createIndex: ${name}`,
    // deleteIfExists: true, so a config accepted by mistake would replace the populated index.
    run: (i: Index) =>
      i.createIndex(
        any(
          typeof config === 'object' && config !== null && !Array.isArray(config)
            ? { deleteIfExists: true, ...config }
            : config,
        ),
      ),
    code,
    message,
  }));
}

function closedCases(): Case[] {
  const calls: [string, (i: Index) => unknown][] = [
    ['insertItem', (i) => i.insertItem(item({}))],
    ['upsertItem', (i) => i.upsertItem(item({ id: 'a' }))],
    ['batchInsertItems', (i) => i.batchInsertItems([item({})])],
    ['insertItems', (i) => i.insertItems([item({})])],
    ['deleteItem', (i) => i.deleteItem('a')],
    ['getItem', (i) => i.getItem('a')],
    ['listItems', (i) => i.listItems()],
    ['listItemsByMetadata', (i) => i.listItemsByMetadata({ price: 3 })],
    ['queryItems', (i) => i.queryItems(V, 1)],
    ['query', (i) => i.query(V, { topK: 1 })],
    ['getIndexStats', (i) => i.getIndexStats()],
    ['beginUpdate', (i) => i.beginUpdate()],
    ['createIndex', (i) => i.createIndex({ version: 1, deleteIfExists: true })],
    ['deleteIndex', (i) => i.deleteIndex()],
    ['verify', (i) => i.verify()],
    ['isIndexCreated', (i) => i.isIndexCreated()],
    ['loadIndexData', (i) => i.loadIndexData()],
    ['endUpdate', (i) => i.endUpdate()],
    ['cancelUpdate', (i) => i.cancelUpdate()],
    ['deleteItems', (i) => i.deleteItems(['a'])],
  ];
  return calls.map(([name, run]) => ({ name: `closed: ${name}`, run, code: 'CLOSED' as const, target: 'closed' as const }));
}

/** sha256 of every file in the folder (the folder has no subfolders). */
function folderHashes(folder: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(folder).sort()) {
    out[name] = createHash('sha256').update(readFileSync(join(folder, name))).digest('hex');
  }
  return out;
}

test('the serializer used past JSON.stringify\'s depth writes exactly what JSON.stringify writes', () => {
  const sparse: unknown[] = [1];
  sparse[3] = 'x';
  const values: object[] = [
    {},
    [],
    { a: 1, b: 'two', c: [true, false, null], d: { e: -0, f: 1.5e-7, g: undefined }, h: [undefined] },
    { 'odd "key"\n': 'caf\u00e9 \u{1F600} \u0000', nested: [[[{ x: [] }]]] },
    sparse,
    nested(50),
  ];
  for (const value of values) expect(stringifyWithoutRecursion(value)).toBe(JSON.stringify(value));
});

test('the table has at least 100 cases, each with a unique name', () => {
  expect(cases.length).toBeGreaterThanOrEqual(100);
  expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
});

describe.each(backends)('bad input on the $name backend', (backend: Backend) => {
  let tmp: ReturnType<typeof makeTempDir>;
  let folder: string;
  let before: Snapshot;
  let beforeFiles: Record<string, string> | undefined;
  let missingCount = 0;

  /** Creates the populated index and records its content and, on disk, its bytes. */
  async function populate(deleteIfExists: boolean): Promise<void> {
    const index = createLocalIndex(backend, folder);
    await index.createIndex({ version: 1, dimensions: 3, deleteIfExists });
    await index.batchInsertItems(ITEMS);
    before = await snapshot(index);
    await index.close();
    if (storesInFolders(backend)) beforeFiles = folderHashes(folder);
  }

  beforeAll(async () => {
    tmp = makeTempDir('quiver-bad-input-');
    folder = join(tmp.path, 'index');
    await populate(false);
  });
  afterAll(() => tmp.cleanup());

  /** The index is exactly as before: logically (fresh open), and byte for byte once closed. */
  async function expectUntouched(): Promise<void> {
    const fresh = createLocalIndex(backend, folder);
    try {
      expect(await snapshot(fresh)).toEqual(before);
    } finally {
      await fresh.close();
    }
    if (beforeFiles) expect(folderHashes(folder)).toEqual(beforeFiles);
  }

  test.each(cases)('$name', async ({ run, code, message, target = 'open' }) => {
    let index: Index;
    let where = folder;
    if (target === 'missing') {
      where = join(tmp.path, `missing-${missingCount++}`);
      index = createLocalIndex(backend, where);
    } else {
      index = createLocalIndex(backend, folder);
      if (target === 'closed') {
        await index.getIndexStats(); // opened, then closed
        await index.close();
      }
    }

    let intact = false;
    try {
      let returned: unknown;
      expect(() => {
        returned = run(index);
      }, 'the call must return a rejected Promise, not throw synchronously').not.toThrow();
      expect(returned).toBeInstanceOf(Promise);
      const error = await (returned as Promise<unknown>).then(
        (value) => ({ resolvedWith: value }),
        (err: unknown) => err,
      );
      expect(error, 'the call must reject with a QuiverError').toBeInstanceOf(QuiverError);
      const { code: actual, message: text } = error as QuiverError;
      expect({ code: actual, message: text }).toMatchObject({
        code,
        ...(message ? { message: expect.stringMatching(message) } : {}),
      });
      expect(text.length, 'the message must say what is wrong').toBeGreaterThan(10);
      expect(text).not.toMatch(/internal error/);

      await index.close();
      if (target === 'missing') {
        expect(existsSync(where) && readdirSync(where).length > 0, 'nothing may be created').toBe(false);
        expect(await createLocalIndex(backend, where).isIndexCreated()).toBe(false);
      }
      await expectUntouched();
      intact = true;
    } finally {
      // A failed case may have written: start the next one from the populated index again.
      if (!intact) {
        await index.close().catch(() => {});
        await populate(true);
      }
    }
  });

  test('NUL and any valid Unicode inside metadata (values and keys) round-trip exactly', async () => {
    // Ids may not hold NUL (see the table); metadata travels as JSON text, where NUL is escaped.
    const index = createLocalIndex(backend, join(tmp.path, 'round-trip'));
    await index.createIndex({ version: 1, dimensions: 3 });
    const metadata = { 'k\u0000ey': 'a\u0000b', emoji: '\u{1F600}', accents: 'caf\u00e9' };
    await index.insertItem({ id: 'caf\u00e9 \u{1F600}', vector: V, metadata });
    const got = await index.getItem('caf\u00e9 \u{1F600}');
    expect(got?.metadata).toEqual(metadata);
    expect((await index.listItemsByMetadata({ 'k\u0000ey': 'a\u0000b' })).map((x) => x.id)).toEqual([
      'caf\u00e9 \u{1F600}',
    ]);
    await index.close();
  });

  test('the core still works after the whole table', async () => {
    const index = createLocalIndex(backend, folder);
    const hits = await index.queryItems(V, 1);
    expect(hits.map((h) => h.item.id)).toEqual(['a']);
    await index.close();
  });
});
