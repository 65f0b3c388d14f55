// The filter rules that Vectra 0.15's ItemSelector.spec.js pins and Quiver follows, through
// LocalIndex on every backend (listItemsByMetadata and the filtered graph search):
// - a field condition that is `undefined` matches nothing (JSON.stringify used to drop it, so
//   `{ owner: undefined }` matched every item);
// - `$and: []` and `$nor: []` match everything, `$or: []` nothing (they used to be errors);
// - `$gt` `$gte` `$lt` `$lte` compare numbers only (strings used to compare in byte order).

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { backends, createLocalIndex, type AnyMetadata } from './backends.js';
import { makeTempDir } from './helpers.js';
import type { LocalIndex } from '../../ts/src/local-index.js';
import type { MetadataFilter } from '../../ts/src/types.js';

const items: { id: string; vector: number[]; metadata: AnyMetadata }[] = [
  { id: 'a', vector: [1, 0], metadata: { owner: 'ann', n: 1, word: 'apple' } },
  { id: 'b', vector: [0, 1], metadata: { owner: 'bob', n: 5, word: 'kiwi' } },
  { id: 'c', vector: [1, 1], metadata: { n: 9 } },
];

describe.each(backends)('filters follow Vectra ($name)', (backend) => {
  let tmp: ReturnType<typeof makeTempDir>;
  let index: LocalIndex<AnyMetadata>;
  beforeAll(async () => {
    tmp = makeTempDir();
    index = createLocalIndex(backend, `${tmp.path}/idx`);
    await index.createIndex({ version: 1 });
    await index.batchInsertItems(items);
  });
  afterAll(async () => {
    await index.close();
    tmp.cleanup();
  });

  async function matching(filter: MetadataFilter): Promise<string[]> {
    const listed = (await index.listItemsByMetadata(filter)).map((i) => i.id).sort();
    const searched = (await index.queryItems([1, 1], 10, filter)).map((r) => r.item.id).sort();
    expect(searched).toEqual(listed);
    return listed;
  }

  test.each<[string, MetadataFilter, string[]]>([
    ['undefined condition', { owner: undefined }, []],
    ['undefined next to a matching condition', { n: 1, owner: undefined }, []],
    ['undefined in an $or branch', { $or: [{ owner: undefined }, { n: 5 }] }, ['b']],
    ['undefined in an $and branch', { $and: [{ n: { $gte: 1 } }, { owner: undefined }] }, []],
    ['undefined in a $nor branch', { $nor: [{ owner: undefined }] }, ['a', 'b', 'c']],
    ['undefined operator operand is dropped', { n: { $gt: 4, $lt: undefined } }, ['b', 'c']],
    ['$and: []', { $and: [] }, ['a', 'b', 'c']],
    ['$or: []', { $or: [] }, []],
    ['$nor: []', { $nor: [] }, ['a', 'b', 'c']],
    ['$gt on a string field', { word: { $gt: 'a' } }, []],
    ['$lte on a string field', { word: { $lte: 'z' } }, []],
    ['$lt with a string operand on a number field', { n: { $lt: '9' } }, []],
    ['$gt on numbers still works', { n: { $gt: 4 } }, ['b', 'c']],
  ])('%s', async (_name, filter, expected) => {
    expect(await matching(filter)).toEqual(expected);
  });

  test('a filter object is not modified', async () => {
    const filter = { $or: [{ owner: undefined }, { n: 5 }] };
    await matching(filter);
    expect(filter).toEqual({ $or: [{ owner: undefined }, { n: 5 }] });
    expect(Object.keys(filter.$or[0])).toEqual(['owner']);
  });
});
