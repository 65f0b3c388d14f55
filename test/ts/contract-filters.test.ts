// The LocalIndex contract, metadata filters: every operator through listItemsByMetadata, depth
// and operator errors, countItems and deleteItemsByMetadata. Run against every backend in
// backends.ts (shared set-up: contract-setup.ts). Real backends only: nothing here is mocked.

import { describe, expect, test } from 'vitest';

import type { Backend } from '../../ts/src/backend.js';
import type { MetadataFilter } from '../../ts/src/types.js';
import { backends } from './backends.js';
import { FRUIT, hitIds, ids, useContractIndexes } from './contract-setup.js';
import { expectQuiverError, expectUnchanged, snapshot } from './helpers.js';

describe.each(backends)('LocalIndex on the $name backend', (backend: Backend) => {
  const { createdIndex } = useContractIndexes(backend);

  describe('metadata filters', () => {
    const cases: [string, MetadataFilter, string[]][] = [
      ['implicit $eq', { category: 'fruit' }, ['a', 'b']],
      ['$eq', { category: { $eq: 'veg' } }, ['c', 'd']],
      ['$eq on a boolean', { stock: true }, ['a']],
      ['$eq false', { stock: { $eq: false } }, ['c']],
      ['$ne matches items without the field', { category: { $ne: 'fruit' } }, ['c', 'd', 'e']],
      ['$gt', { price: { $gt: 3 } }, ['b', 'c']],
      ['$gte', { price: { $gte: 3 } }, ['a', 'b', 'c']],
      ['$lt', { price: { $lt: 3 } }, ['d']],
      ['$lte', { price: { $lte: 3 } }, ['a', 'd']],
      ['numeric $in', { price: { $in: [1, 10, 99] } }, ['b', 'd']],
      ['string $in', { category: { $in: ['veg', 'mineral'] } }, ['c', 'd']],
      ['$nin matches items without the field', { price: { $nin: [1, 10] } }, ['a', 'c', 'e']],
      ['$exists: true', { tag: { $exists: true } }, ['a', 'd']],
      ['$exists: false', { tag: { $exists: false } }, ['b', 'c', 'e']],
      ['several fields (implicit $and)', { category: 'veg', price: { $gt: 2 } }, ['c']],
      ['range on one field', { price: { $gt: 1, $lt: 10 } }, ['a', 'c']],
      ['$and', { $and: [{ category: 'fruit' }, { price: { $lt: 5 } }] }, ['a']],
      ['$or', { $or: [{ category: 'veg' }, { price: { $gt: 5 } }] }, ['b', 'c', 'd']],
      [
        'nested $or in $and',
        { $and: [{ $or: [{ tag: 'red' }, { tag: 'green' }] }, { price: { $gte: 2 } }] },
        ['a'],
      ],
      ['$not (matches items without the field)', { price: { $not: { $gt: 3 } } }, ['a', 'd', 'e']],
      ['$nor', { $nor: [{ category: 'fruit' }, { tag: 'green' }] }, ['c', 'e']],
      ['no match', { category: 'meat' }, []],
      ['empty filter', {}, ['a', 'b', 'c', 'd', 'e']],
    ];

    test.each(cases)('listItemsByMetadata: %s', async (_name, filter, expected) => {
      const index = await createdIndex({}, FRUIT);
      expect(await ids(index.listItemsByMetadata(filter))).toEqual(expected);
    });

    test('a filter deeper than the limit fails with LIMIT; a reasonable depth works', async () => {
      const index = await createdIndex({}, FRUIT);
      const nest = (depth: number): MetadataFilter => {
        let filter: MetadataFilter = { category: 'fruit' };
        for (let i = 0; i < depth; i++) filter = { $and: [filter] };
        return filter;
      };
      expect(await ids(index.listItemsByMetadata(nest(8)))).toEqual(['a', 'b']);
      await expectQuiverError(index.listItemsByMetadata(nest(40)), 'LIMIT');
      await expectQuiverError(index.queryItems([1, 0, 0], 3, nest(40)), 'LIMIT');
    });

    test('an unknown operator fails with INVALID_ARGUMENT', async () => {
      const index = await createdIndex({}, FRUIT);
      const filter = { category: { $regex: '^fr' } } as MetadataFilter;
      await expectQuiverError(index.listItemsByMetadata(filter), 'INVALID_ARGUMENT');
      await expectQuiverError(index.queryItems([1, 0, 0], 3, filter), 'INVALID_ARGUMENT');
      await expectQuiverError(index.query([1, 0, 0], { topK: 3, filter }), 'INVALID_ARGUMENT');
    });

    test('a filter value JSON cannot represent is rejected with its path', async () => {
      const index = await createdIndex({}, FRUIT);
      await expectQuiverError(
        index.listItemsByMetadata({ price: { $gt: new Date() } } as unknown as MetadataFilter),
        'INVALID_ARGUMENT',
        'filter.price.$gt is a Date',
      );
    });
  });

  describe('countItems and deleteItemsByMetadata', () => {
    test('countItems counts every item, or those matching a filter (the same set as listItemsByMetadata)', async () => {
      const index = await createdIndex({}, FRUIT);
      expect(await index.countItems()).toBe(5);
      expect(await index.countItems({})).toBe(5);
      expect(await index.countItems({ category: 'fruit' })).toBe(2);
      expect(await index.countItems({ price: { $gte: 3 } })).toBe(3);
      expect(await index.countItems({ tag: { $exists: false } })).toBe(3);
      expect(await index.countItems({ category: 'meat' })).toBe(0);
      await expectQuiverError(index.countItems({ price: { $regex: 'x' } } as unknown as MetadataFilter), 'INVALID_ARGUMENT');
    });

    test('deleteItemsByMetadata deletes the matches in one call and returns how many', async () => {
      const index = await createdIndex({}, FRUIT);
      expect(await index.deleteItemsByMetadata({ price: { $lt: 4 } })).toBe(2);
      expect(await ids(index.listItems())).toEqual(['b', 'c', 'e']);
      expect(await index.countItems({ price: { $lt: 4 } })).toBe(0);
      expect(await hitIds(index.queryItems([1, 0, 0], 5))).not.toContain('a');
      expect(await index.deleteItemsByMetadata({ category: 'meat' })).toBe(0);
      // Columns built by a filter follow later writes: an upsert changes what matches.
      await index.upsertItem({ id: 'b', vector: [0, 1, 0], metadata: { category: 'veg', price: 2 } });
      expect(await index.deleteItemsByMetadata({ category: 'veg' })).toBe(2);
      expect(await ids(index.listItems())).toEqual(['e']);
    });

    test('bad or empty filters are typed errors and delete nothing; not inside an update', async () => {
      const index = await createdIndex({}, FRUIT);
      const before = await snapshot(index);
      await expectQuiverError(index.deleteItemsByMetadata({}), 'INVALID_ARGUMENT', 'non-empty filter');
      await expectQuiverError(
        index.deleteItemsByMetadata(undefined as unknown as MetadataFilter),
        'INVALID_ARGUMENT',
      );
      await expectQuiverError(
        index.deleteItemsByMetadata({ price: { $bad: 1 } } as unknown as MetadataFilter),
        'INVALID_ARGUMENT',
      );
      await expectQuiverError(
        index.deleteItemsByMetadata({ price: { $gt: new Date() } } as unknown as MetadataFilter),
        'INVALID_ARGUMENT',
      );
      await index.beginUpdate();
      await expectQuiverError(index.deleteItemsByMetadata({ category: 'fruit' }), 'INVALID_STATE');
      await index.cancelUpdate();
      await expectUnchanged(index, before);
    });
  });
});
