// Shared set-up of the LocalIndex contract files (contract-*.test.ts): the FRUIT items, the
// result-id helpers, and indexes opened on one backend in a fresh temp folder for each test.

import type { Backend } from '../../ts/src/backend.js';
import type { LocalIndex } from '../../ts/src/local-index.js';
import type { CreateIndexConfig, IndexItemInput } from '../../ts/src/types.js';
import { type AnyMetadata, createLocalIndex } from './backends.js';
import { useTempIndexes } from './helpers.js';

export type Index = LocalIndex<AnyMetadata>;
export type Item = IndexItemInput<AnyMetadata>;

// Values exactly representable as float32, so vectors read back equal what was written.
export const FRUIT: Item[] = [
  {
    id: 'a',
    vector: [1, 0, 0],
    metadata: { category: 'fruit', price: 3, tag: 'red', stock: true },
  },
  { id: 'b', vector: [0, 1, 0], metadata: { category: 'fruit', price: 10 } },
  { id: 'c', vector: [0.75, 0.25, 0], metadata: { category: 'veg', price: 5, stock: false } },
  { id: 'd', vector: [-1, 0, 0.5], metadata: { category: 'veg', price: 1, tag: 'green' } },
  { id: 'e', vector: [-0.25, 0, 1], metadata: { name: 'uncategorized' } },
];

export async function ids(promise: Promise<{ id: string }[]>): Promise<string[]> {
  return (await promise).map((item) => item.id);
}

export async function hitIds(promise: Promise<{ item: { id: string } }[]>): Promise<string[]> {
  return (await promise).map((hit) => hit.item.id);
}

/**
 * Indexes on `backend` for each test of the enclosing describe (call it inside
 * `describe.each(backends)`): a fresh temp folder per test (useTempIndexes), every index opened
 * in it closed after the test.
 */
export function useContractIndexes(backend: Backend): {
  temp: ReturnType<typeof useTempIndexes>;
  newIndex(name?: string): Index;
  createdIndex(config?: CreateIndexConfig, items?: Item[]): Promise<Index>;
} {
  const temp = useTempIndexes();

  /** A LocalIndex on a not-yet-created folder inside this test's temp dir. */
  function newIndex(name = 'index'): Index {
    return temp.track(createLocalIndex(backend, temp.path(name)));
  }

  /** A created 3-d cosine index (unless `config` says otherwise), optionally filled. */
  async function createdIndex(config: CreateIndexConfig = {}, items: Item[] = []): Promise<Index> {
    const index = newIndex();
    await index.createIndex({ version: 1, dimensions: 3, ...config });
    if (items.length > 0) await index.batchInsertItems(items);
    return index;
  }

  return { temp, newIndex, createdIndex };
}
