// The behavioural contract of LocalIndex (Vectra's semantics plus Quiver's additions), run
// against every backend in backends.ts. Real backends only: nothing here is mocked.

import { existsSync } from 'node:fs';

import { describe, expect, test } from 'vitest';

import type { Backend } from '../../ts/src/backend.js';
import { QuiverError, type QuiverErrorCode } from '../../ts/src/errors.js';
import type { LocalIndex } from '../../ts/src/local-index.js';
import type { CreateIndexConfig, IndexItemInput, MetadataFilter, QueryResult } from '../../ts/src/types.js';
import { testQuantization, testShards } from '../default-quantization.js';
import { type AnyMetadata, backends, createLocalIndex, storesInFolders } from './backends.js';
import { expectQuiverError, expectUnchanged, snapshot, useTempIndexes } from './helpers.js';

type Index = LocalIndex<AnyMetadata>;
type Item = IndexItemInput<AnyMetadata>;

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

// Values exactly representable as float32, so vectors read back equal what was written.
const FRUIT: Item[] = [
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

describe.each(backends)('LocalIndex on the $name backend', (backend: Backend) => {
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

  async function ids(promise: Promise<{ id: string }[]>): Promise<string[]> {
    return (await promise).map((item) => item.id);
  }

  async function hitIds(promise: Promise<{ item: { id: string } }[]>): Promise<string[]> {
    return (await promise).map((hit) => hit.item.id);
  }

  describe('index lifecycle', () => {
    test('createIndex creates the folder; isIndexCreated and stats reflect it', async () => {
      const index = newIndex();
      expect(index.folderPath).toBe(temp.path('index'));
      expect(await index.isIndexCreated()).toBe(false);
      await index.createIndex();
      expect(await index.isIndexCreated()).toBe(true);
      // A real folder on disk where the backend has one (IndexedDB has no folders).
      if (storesInFolders(backend)) expect(existsSync(index.folderPath)).toBe(true);
      // Exactly Vectra's shape, metadata_config {} when none was given.
      expect(await index.getIndexStats()).toStrictEqual({ version: 1, metadata_config: {}, items: 0 });
      expect(await index.getIndexInfo()).toMatchObject({ items: 0, metric: 'cosine' });
    });

    test('createIndex records the whole configuration', async () => {
      const index = newIndex();
      await index.createIndex({
        version: 2,
        metadata_config: { indexed: ['category'] },
        dimensions: 4,
        metric: 'l2',
        hnsw: { M: 8, efConstruction: 100, efSearch: 50 },
      });
      expect(await index.getIndexStats()).toStrictEqual({
        version: 2,
        metadata_config: { indexed: ['category'] },
        items: 0,
      });
      expect(await index.getIndexInfo()).toEqual({
        version: 2,
        metadata_config: { indexed: ['category'] },
        items: 0,
        dimensions: 4,
        metric: 'l2',
        hnsw: { M: 8, efConstruction: 100, efSearch: 50 },
        // QUIVER_TEST_QUANTIZATION (test/default-quantization.ts) quantizes every index created.
        quantization: testQuantization,
        rescore: testQuantization !== 'f32',
        simd: expect.stringMatching(/^(avx512|avx2|sse4|scalar|wasm-simd128)$/),
        shards: Array.from({ length: testShards() }, () => ({
          items: 0,
          bytes: expect.any(Number),
          fileBytes: expect.any(Number),
        })),
      });
    });

    test('a second createIndex fails with "Index already exists" and keeps the items', async () => {
      const index = await createdIndex({}, FRUIT);
      const before = await snapshot(index);
      await expectQuiverError(index.createIndex(), 'ALREADY_EXISTS', 'Index already exists');
      await expectQuiverError(
        newIndex().createIndex({ version: 1 }),
        'ALREADY_EXISTS',
        'Index already exists',
      );
      await expectUnchanged(index, before);
    });

    test('deleteIfExists replaces an existing index', async () => {
      const index = await createdIndex({}, FRUIT);
      await index.createIndex({ version: 1, deleteIfExists: true, dimensions: 2 });
      expect(await index.getIndexInfo()).toMatchObject({ items: 0, dimensions: 2 });
      expect(await index.listItems()).toEqual([]);
    });

    test('calls before createIndex fail with "Index does not exist", create nothing', async () => {
      const index = newIndex();
      const calls: (() => Promise<unknown>)[] = [
        () => index.getIndexStats(),
        () => index.loadIndexData(),
        () => index.insertItem({ vector: [1, 0, 0] }),
        () => index.getItem('a'),
        () => index.listItems(),
        () => index.listItemsByMetadata({ category: 'fruit' }),
        () => index.queryItems([1, 0, 0], 1),
        () => index.beginUpdate(),
        () => index.deleteItem('a'),
      ];
      for (const call of calls) {
        await expectQuiverError(call(), 'NOT_FOUND', 'Index does not exist');
      }
      expect(await index.isIndexCreated()).toBe(false);
      if (storesInFolders(backend)) expect(existsSync(index.folderPath)).toBe(false);
    });

    test('endUpdate with no index says "No update in progress"; cancelUpdate is a no-op', async () => {
      const index = newIndex();
      await expectQuiverError(index.endUpdate(), 'INVALID_STATE', 'No update in progress');
      await index.cancelUpdate();
      expect(await index.isIndexCreated()).toBe(false);
    });

    test('getIndexStats reports metadata_config exactly as given', async () => {
      const cases: [{ indexed?: string[] } | undefined, object][] = [
        [undefined, {}],
        [{}, {}],
        [{ indexed: [] }, { indexed: [] }],
        [{ indexed: ['a', 'b.c'] }, { indexed: ['a', 'b.c'] }],
      ];
      for (const [metadata_config, expected] of cases) {
        const index = newIndex();
        await index.createIndex({ version: 3, deleteIfExists: true, metadata_config });
        expect(await index.getIndexStats()).toStrictEqual({ version: 3, metadata_config: expected, items: 0 });
        await index.close();
        // Persisted: a new instance reads the same.
        const again = newIndex();
        expect(await again.getIndexStats()).toStrictEqual({ version: 3, metadata_config: expected, items: 0 });
      }
    });

    test('deleteIndex removes the index; the instance can create it again', async () => {
      const index = await createdIndex({}, FRUIT);
      await index.deleteIndex();
      expect(await index.isIndexCreated()).toBe(false);
      await expectQuiverError(index.getItem('a'), 'NOT_FOUND', 'Index does not exist');
      await index.deleteIndex(); // no index: no-op
      await index.createIndex({ version: 1, dimensions: 3 });
      expect(await index.getIndexStats()).toMatchObject({ items: 0 });
    });

    test('data persists across LocalIndex instances', async () => {
      const first = await createdIndex({}, FRUIT);
      await first.deleteItem('e');
      await first.close();
      const second = newIndex();
      expect(await second.isIndexCreated()).toBe(true);
      expect(await second.getIndexInfo()).toMatchObject({ items: 4, dimensions: 3 });
      expect(await second.getItem('c')).toMatchObject({
        vector: [0.75, 0.25, 0],
        metadata: { category: 'veg', price: 5, stock: false },
      });
      expect(await second.getItem('e')).toBeUndefined();
      const [best] = await second.queryItems([0, 1, 0], 1);
      expect(best.item.id).toBe('b');
    });

    test('verify reports on a healthy index', async () => {
      const index = await createdIndex({}, FRUIT);
      expect(typeof (await index.verify())).toBe('string');
      expect((await index.queryItems([1, 0, 0], 1))[0].item.id).toBe('a');
    });
  });

  describe('items', () => {
    test('insert, get and list round-trip ids, metadata and vectors', async () => {
      const index = await createdIndex();
      const metadata = {
        title: 'Ünïcode ✓ "quoted"',
        count: 42,
        ratio: -0.125,
        flag: false,
        nothing: null,
        list: [1, 'two', { three: 3 }],
        nested: { deep: { deeper: [true] } },
      };
      const inserted = await index.insertItem({ id: 'x', vector: [3, 4, 0], metadata });
      expect(inserted).toEqual({ id: 'x', vector: [3, 4, 0], metadata, norm: 5 });
      expect(await index.getItem('x')).toEqual({ id: 'x', vector: [3, 4, 0], metadata, norm: 5 });

      const fromF32 = await index.insertItem({ vector: new Float32Array([0.5, -0.25, 2]) });
      expect(fromF32.id).toMatch(UUID_V4);
      expect(fromF32.vector).toEqual([0.5, -0.25, 2]);
      expect(await index.getItem(fromF32.id)).toEqual({
        id: fromF32.id,
        vector: [0.5, -0.25, 2],
        metadata: {},
        norm: Math.sqrt(0.25 + 0.0625 + 4),
      });
      expect(await ids(index.listItems())).toEqual(['x', fromF32.id]);
      expect(await index.getItem('missing')).toBeUndefined();
      expect(await index.getIndexStats()).toMatchObject({ items: 2 });
    });

    test('undefined metadata properties are dropped, as JSON does', async () => {
      const index = await createdIndex();
      await index.insertItem({ id: 'u', vector: [1, 1, 1], metadata: { a: 1, b: undefined } });
      expect((await index.getItem('u'))?.metadata).toEqual({ a: 1 });
      expect(Object.keys((await index.getItem('u'))!.metadata)).toEqual(['a']);
    });

    test('the first vector fixes the dimensions when none were configured', async () => {
      const index = newIndex();
      await index.createIndex();
      await index.insertItem({ id: 'four', vector: [1, 2, 3, 4] });
      expect(await index.getIndexInfo()).toMatchObject({ dimensions: 4, items: 1 });
      const before = await snapshot(index);
      await expectQuiverError(index.insertItem({ vector: [1, 2, 3] }), 'DIMENSION_MISMATCH');
      await expectUnchanged(index, before);
    });

    test('items with an empty vector are stored and read back, never vector hits (as in Vectra)', async () => {
      const index = newIndex();
      await index.createIndex();
      await index.batchInsertItems([
        { id: 'note', vector: [], metadata: { kind: 'note' } },
        { id: 'v', vector: [1, 0, 0], metadata: { kind: 'note' } },
      ]);
      expect(await index.getItem('note')).toEqual({ id: 'note', vector: [], norm: 0, metadata: { kind: 'note' } });
      expect(await index.getIndexInfo()).toMatchObject({ dimensions: 3, items: 2 });
      expect(await ids(index.listItemsByMetadata({ kind: 'note' }))).toEqual(['note', 'v']);
      expect(await hitIds(index.queryItems([1, 0, 0], '', 10))).toEqual(['v']);
      expect(await hitIds(index.queryItems([1, 0, 0], '', 10, { kind: 'note' }))).toEqual(['v']);
      await index.upsertItem({ id: 'note', vector: [0, 1, 0], metadata: { kind: 'note' } });
      expect(await hitIds(index.queryItems([0, 1, 0], '', 10))).toEqual(['note', 'v']);
      await index.upsertItem({ id: 'note', vector: [], metadata: { kind: 'note' } });
      expect(await hitIds(index.queryItems([0, 1, 0], '', 10))).toEqual(['v']);
      await expectQuiverError(index.queryItems([], '', 10), 'INVALID_ARGUMENT');
    });

    test('upsertItem replaces an existing item and inserts a new one', async () => {
      const index = await createdIndex({}, FRUIT);
      const replaced = await index.upsertItem({ id: 'b', vector: [0, 0, 2], metadata: { v: 2 } });
      expect(replaced).toEqual({ id: 'b', vector: [0, 0, 2], metadata: { v: 2 }, norm: 2 });
      expect(await index.getItem('b')).toEqual(replaced);
      await index.upsertItem({ id: 'z', vector: [1, 1, 0] });
      expect(await index.getIndexStats()).toMatchObject({ items: 6 });
      const [best] = await index.queryItems([0, 0, 1], 1, { v: 2 });
      expect(best.item.id).toBe('b');
    });

    test('inserting an existing id fails with "Item with id X already exists"', async () => {
      const index = await createdIndex({}, FRUIT);
      const before = await snapshot(index);
      await expectQuiverError(
        index.insertItem({ id: 'c', vector: [1, 2, 3] }),
        'ALREADY_EXISTS',
        'Item with id c already exists',
      );
      await expectUnchanged(index, before);
    });

    test('batchInsertItems writes all items in order, or none', async () => {
      const index = await createdIndex();
      const result = await index.batchInsertItems(FRUIT.slice(0, 3));
      expect(result.map((item) => item.id)).toEqual(['a', 'b', 'c']);
      expect(result[0]).toEqual({ ...FRUIT[0], norm: 1 });
      const before = await snapshot(index);

      const good = (id: string): Item => ({ id, vector: [1, 2, 3] });
      const badBatches: [Item[], QuiverErrorCode, string | undefined][] = [
        [[good('p'), { id: 'q', vector: [1, 2] }, good('r')], 'DIMENSION_MISMATCH', undefined],
        [[good('p'), { id: 'q', vector: [1, NaN, 3] }, good('r')], 'INVALID_ARGUMENT', undefined],
        [[good('p'), { id: 'q' }, good('r')], 'INVALID_ARGUMENT', 'Vector is required'],
        [[good('p'), good('a'), good('r')], 'ALREADY_EXISTS', 'Item with id a already exists'],
        [[good('p'), good('q'), good('p')], 'ALREADY_EXISTS', 'Item with id p already exists'],
      ];
      for (const [batch, code, message] of badBatches) {
        await expectQuiverError(index.batchInsertItems(batch), code, message);
        await expectUnchanged(index, before);
      }
      // A metadata problem is caught in TypeScript, before anything reaches the core.
      const err = await expectQuiverError(
        index.batchInsertItems([good('p'), { ...good('q'), metadata: { when: new Date() } }]),
        'INVALID_ARGUMENT',
        'items[1].metadata.when is a Date',
      );
      expect(err.message).toContain('toISOString');
      await expectUnchanged(index, before);
    });

    test('insertItems commits in atomic batches and reports progress', async () => {
      const index = await createdIndex();
      const items: Item[] = Array.from({ length: 25 }, (_, i) => ({
        id: `item-${i}`,
        vector: [i + 1, 1, 0],
        metadata: { i },
      }));
      const progress: [number, number][] = [];
      const result = await index.insertItems(items, {
        batchSize: 10,
        onProgress: (done, total) => progress.push([done, total]),
      });
      expect(result).toEqual(items.map((item) => item.id));
      expect(progress).toEqual([
        [10, 25],
        [20, 25],
        [25, 25],
      ]);
      expect(await ids(index.listItems())).toEqual(result);

      // The second batch has a bad item: the first batch stays committed.
      const more: Item[] = Array.from({ length: 8 }, (_, i) => ({
        id: `more-${i}`,
        vector: i === 5 ? [1, 2] : [1, 2, 3],
      }));
      await expectQuiverError(index.insertItems(more, { batchSize: 4 }), 'DIMENSION_MISMATCH');
      expect(await index.getIndexStats()).toMatchObject({ items: 29 });
      expect(await index.getItem('more-3')).toBeDefined();
      expect(await index.getItem('more-4')).toBeUndefined();

      await expectQuiverError(index.insertItems(more, { batchSize: 0 }), 'INVALID_ARGUMENT');
    });

    test('deleteItems takes any iterable of ids (Vectra 0.15: a Set)', async () => {
      const index = await createdIndex({}, FRUIT);
      await index.deleteItems(new Set(['a', 'b']));
      await index.deleteItems(new Map([['c', 1]]).keys());
      expect(await ids(index.listItems())).toEqual(['d', 'e']);
      await expectQuiverError(index.deleteItems('d' as unknown as string[]), 'INVALID_ARGUMENT');
      await expectQuiverError(index.deleteItems(new Set([7 as unknown as string])), 'INVALID_ARGUMENT');
      expect(await ids(index.listItems())).toEqual(['d', 'e']);
    });

    test('deleteItem and deleteItems remove items; unknown ids are a no-op', async () => {
      const index = await createdIndex({}, FRUIT);
      await index.deleteItem('b');
      await index.deleteItem('no-such-id');
      expect(await ids(index.listItems())).toEqual(['a', 'c', 'd', 'e']);
      await index.deleteItems(['a', 'nope', 'e']);
      expect(await ids(index.listItems())).toEqual(['c', 'd']);
      await index.deleteItems([]);
      expect(await index.getIndexStats()).toMatchObject({ items: 2 });
      expect(await index.getItem('a')).toBeUndefined();
      expect(await hitIds(index.queryItems([1, 0, 0], 10))).toEqual(['c', 'd']);
    });

    test('calls made without awaiting take effect in call order', async () => {
      const index = await createdIndex();
      const pending: Promise<unknown>[] = [];
      for (let i = 0; i < 40; i++) {
        pending.push(index.insertItem({ id: `n${i}`, vector: [i + 1, 1, 1] }));
      }
      pending.push(index.deleteItem('n3'));
      pending.push(index.upsertItem({ id: 'n3', vector: [1, 1, 1] }));
      const listed = index.listItems();
      await Promise.all(pending);
      const expected = Array.from({ length: 40 }, (_, i) => `n${i}`).filter((id) => id !== 'n3');
      expect(await ids(listed)).toEqual([...expected, 'n3']);
    });
  });

  describe('staged updates', () => {
    test('changes are invisible until endUpdate', async () => {
      const index = await createdIndex({}, FRUIT.slice(0, 2));
      const before = await snapshot(index);
      await index.beginUpdate();
      await index.insertItem({ id: 'new', vector: [0, 0, 1], metadata: { staged: true } });
      await index.upsertItem({ id: 'a', vector: [0, 1, 1], metadata: { replaced: true } });
      await index.deleteItem('b');
      await expectUnchanged(index, before);
      expect(await index.getItem('new')).toBeUndefined();
      expect(await index.listItemsByMetadata({ staged: true })).toEqual([]);
      expect((await index.queryItems([0, 1, 0], 1))[0].item.id).toBe('b');

      // A second reader (another instance) does not see the staged changes either.
      const reader = newIndex();
      expect(await reader.getIndexStats()).toMatchObject({ items: 2 });

      await index.endUpdate();
      expect(await index.getItem('b')).toBeUndefined();
      expect(await index.getItem('a')).toMatchObject({ metadata: { replaced: true } });
      expect(await index.getItem('new')).toMatchObject({ metadata: { staged: true } });
      expect(await reader.getIndexStats()).toMatchObject({ items: 2 });
      expect(await ids(reader.listItems())).toEqual(['a', 'new']);
    });

    test('cancelUpdate discards staged changes', async () => {
      const index = await createdIndex({}, FRUIT);
      const before = await snapshot(index);
      await index.beginUpdate();
      await index.insertItem({ id: 'gone', vector: [1, 1, 1] });
      await index.deleteItems(['a', 'b']);
      await index.cancelUpdate();
      await expectUnchanged(index, before);
      await index.beginUpdate(); // possible again after a cancel
      await index.endUpdate();
      await expectUnchanged(index, before);
    });

    test('un-awaited cancelUpdate followed by beginUpdate (Vectra style) works', async () => {
      const index = await createdIndex();
      void index.beginUpdate();
      void index.insertItem({ id: 'discarded', vector: [1, 0, 0] });
      void index.cancelUpdate();
      await index.beginUpdate();
      await index.insertItem({ id: 'kept', vector: [0, 1, 0] });
      await index.endUpdate();
      expect(await ids(index.listItems())).toEqual(['kept']);
    });

    test('update state errors: "Update already in progress", "No update in progress"', async () => {
      const index = await createdIndex({}, FRUIT);
      const before = await snapshot(index);
      await expectQuiverError(index.endUpdate(), 'INVALID_STATE', 'No update in progress');
      await index.beginUpdate();
      await index.insertItem({ id: 'staged', vector: [1, 2, 3] });
      await expectQuiverError(index.beginUpdate(), 'INVALID_STATE', 'Update already in progress');
      // The open update survives both the error and a rejected item.
      await expectQuiverError(index.insertItem({ id: 'x', vector: [1, 2] }), 'DIMENSION_MISMATCH');
      await expectQuiverError(index.insertItem({ id: 'a', vector: [1, 2, 3] }), 'ALREADY_EXISTS');
      await expectUnchanged(index, before);
      await index.endUpdate();
      expect(await ids(index.listItems())).toEqual(['a', 'b', 'c', 'd', 'e', 'staged']);
      await expectQuiverError(index.endUpdate(), 'INVALID_STATE', 'No update in progress');
    });
  });

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

  describe('queries', () => {
    test('cosine: identical vector scores 1, orthogonal 0, best first', async () => {
      const index = await createdIndex({}, FRUIT);
      const results = await index.queryItems([2, 0, 0], 5);
      expect(results.map((r) => r.item.id)).toEqual(['a', 'c', 'b', 'e', 'd']);
      expect(results[0].score).toBeCloseTo(1, 5);
      expect(results[0].distance).toBeCloseTo(0, 5);
      expect(results[1].score).toBeCloseTo(0.75 / Math.hypot(0.75, 0.25), 5);
      expect(results[2].score).toBeCloseTo(0, 5);
      expect(results[4].score).toBeCloseTo(-1 / Math.hypot(1, 0.5), 5);
      for (const r of results) expect(r.distance).toBeCloseTo(1 - r.score, 5);
      for (let i = 1; i < results.length; i++) {
        expect(results[i - 1].score).toBeGreaterThanOrEqual(results[i].score);
      }
      expect(results[0].item).toEqual({ ...FRUIT[0], norm: 1 });
    });

    test('topK limits the hits', async () => {
      const index = await createdIndex({}, FRUIT);
      expect(await hitIds(index.queryItems([0, 1, 0], 2))).toEqual(['b', 'c']);
      expect(await index.queryItems([0, 1, 0], 100)).toHaveLength(5);
    });

    test('Vectra 0.10+ signature: (vector, query, topK, filter?, isBm25?)', async () => {
      const index = await createdIndex({}, FRUIT);
      const plain = await index.queryItems([1, 0, 0], 3);
      expect(await index.queryItems([1, 0, 0], 'some text', 3)).toEqual(plain);
      expect(await index.queryItems([1, 0, 0], '', 3, undefined, false)).toEqual(plain);
      const filtered = await index.queryItems([1, 0, 0], 'text', 10, { category: 'veg' });
      expect(filtered.map((r) => r.item.id)).toEqual(['c', 'd']);
      // No text source is configured, so the keyword half finds nothing: the semantic hits.
      expect(await index.queryItems([1, 0, 0], 'text', 3, undefined, true)).toEqual(plain);
    });

    test('a filtered query returns only matching items, even when others are nearer', async () => {
      const index = await createdIndex({}, FRUIT);
      const results = await index.queryItems([1, 0, 0], 10, { price: { $lte: 5 } });
      expect(results.map((r) => r.item.id)).toEqual(['a', 'c', 'd']);
      expect(await index.queryItems([1, 0, 0], 10, { category: 'meat' })).toEqual([]);
    });

    test('query() takes options, including efSearch', async () => {
      const index = await createdIndex({}, FRUIT);
      // Unfiltered, 'e' (no category) would be the nearest.
      expect(await hitIds(index.query([0, 0.2, 1], { topK: 1 }))).toEqual(['e']);
      const results = await index.query(new Float32Array([0, 0.2, 1]), {
        topK: 2,
        filter: { category: { $exists: true } },
        efSearch: 200,
      });
      expect(results.map((r) => r.item.id)).toEqual(['d', 'b']);
    });

    test('l2 metric: score is minus the squared distance', async () => {
      const index = await createdIndex({ metric: 'l2' }, FRUIT.slice(0, 2));
      const [same, other] = await index.queryItems([1, 0, 0], 2);
      expect(same.item.id).toBe('a');
      expect(same.score).toBeCloseTo(0, 5);
      expect(other.distance).toBeCloseTo(2, 5);
      expect(other.score).toBeCloseTo(-2, 5);
    });

    test('ip metric: score is the dot product', async () => {
      const index = await createdIndex({ metric: 'ip' }, FRUIT.slice(0, 3));
      const results = await index.queryItems([2, 0, 0], 3);
      expect(results.map((r) => r.item.id)).toEqual(['a', 'c', 'b']);
      expect(results[0].score).toBeCloseTo(2, 5);
      expect(results[1].score).toBeCloseTo(1.5, 5);
      expect(results[2].score).toBeCloseTo(0, 5);
      expect(results[1].distance).toBeCloseTo(1 - 1.5, 5);
    });

    test('concurrent queries all resolve', async () => {
      const index = await createdIndex({}, FRUIT);
      const all = await Promise.all(
        Array.from({ length: 20 }, (_, i) => index.queryItems([1, i % 2, 0], 1)),
      );
      for (const [i, [hit]] of all.entries()) expect(hit.item.id).toBe(i % 2 ? 'c' : 'a');
    });

    test("another instance's writes are seen by the next query, get and list", async () => {
      const writer = await createdIndex({}, FRUIT);
      const reader = newIndex();
      expect((await reader.queryItems([0, 0, 1], 1))[0]!.item.id).not.toBe('z');
      await writer.insertItem({ id: 'z', vector: [0, 0, 1], metadata: { n: 1 } });
      expect((await reader.queryItems([0, 0, 1], 1))[0]!.item.id).toBe('z');
      await writer.upsertItem({ id: 'z', vector: [0, 0, 1], metadata: { n: 2 } });
      expect(await reader.getItem('z')).toMatchObject({ metadata: { n: 2 } });
      await writer.deleteItem('z');
      expect(await reader.getItem('z')).toBeUndefined();
      expect((await reader.queryItems([0, 0, 1], 1))[0]!.item.id).not.toBe('z');
      expect((await reader.listItems()).map((i) => i.id)).not.toContain('z');
    });

    test('a bad query among concurrent ones fails alone (queries started together run together)', async () => {
      const index = await createdIndex({}, FRUIT);
      const vectors: number[][] = Array.from({ length: 12 }, (_, i) => [1, i % 2, 0]);
      vectors[5] = [1, 2]; // wrong dimension
      const settled = await Promise.allSettled(
        vectors.map((v, i) => index.queryItems(i % 3 ? v : new Float32Array(v), 1)),
      );
      for (const [i, s] of settled.entries()) {
        if (i === 5) {
          expect(s.status).toBe('rejected');
          expect((s as PromiseRejectedResult).reason.code).toBe('DIMENSION_MISMATCH');
        } else {
          expect(s.status).toBe('fulfilled');
          expect((s as PromiseFulfilledResult<QueryResult<AnyMetadata>[]>).value[0]!.item.id).toBe(i % 2 ? 'c' : 'a');
        }
      }
    });
  });

  describe('bad input is a typed error and writes nothing', () => {
    test('vectors: wrong dimension, NaN, ±Infinity, missing, zero under cosine', async () => {
      const index = await createdIndex({}, FRUIT);
      const before = await snapshot(index);
      const cases: [Item, QuiverErrorCode, string | undefined][] = [
        [{ id: 'v', vector: [1, 2] }, 'DIMENSION_MISMATCH', undefined],
        [{ id: 'v', vector: [1, 2, 3, 4] }, 'DIMENSION_MISMATCH', undefined],
        [{ id: 'v', vector: [1, NaN, 3] }, 'INVALID_ARGUMENT', undefined],
        [{ id: 'v', vector: new Float32Array([1, NaN, 3]) }, 'INVALID_ARGUMENT', undefined],
        [{ id: 'v', vector: [Infinity, 0, 0] }, 'INVALID_ARGUMENT', undefined],
        [{ id: 'v', vector: [0, 0, -Infinity] }, 'INVALID_ARGUMENT', undefined],
        [{ id: 'v' }, 'INVALID_ARGUMENT', 'Vector is required'],
        [{ id: 'v', vector: [0, 0, 0] }, 'INVALID_ARGUMENT', undefined],
        [{ id: 'v', vector: 'abc' as unknown as number[] }, 'INVALID_ARGUMENT', undefined],
        [{ id: 'v', vector: [1, '2', 3] as unknown as number[] }, 'INVALID_ARGUMENT', undefined],
      ];
      for (const [item, code, message] of cases) {
        await expectQuiverError(index.insertItem(item), code, message);
        await expectQuiverError(index.upsertItem(item), code, message);
        await expectUnchanged(index, before);
      }
      await expectQuiverError(index.queryItems([1, 2], 3), 'DIMENSION_MISMATCH');
      await expectQuiverError(index.queryItems([NaN, 0, 0], 3), 'INVALID_ARGUMENT');
      await expectUnchanged(index, before);
    });

    test('topK must be an integer from 1 to 10000', async () => {
      const index = await createdIndex({}, FRUIT);
      const before = await snapshot(index);
      await expectQuiverError(index.queryItems([1, 0, 0], 0), 'INVALID_ARGUMENT');
      await expectQuiverError(index.queryItems([1, 0, 0], -1), 'INVALID_ARGUMENT');
      await expectQuiverError(index.queryItems([1, 0, 0], 2.5), 'INVALID_ARGUMENT');
      await expectQuiverError(index.queryItems([1, 0, 0], 'q', 0), 'INVALID_ARGUMENT');
      await expectQuiverError(index.query([1, 0, 0], { topK: -1 }), 'INVALID_ARGUMENT');
      await expectQuiverError(index.queryItems([1, 0, 0], 1e9), 'LIMIT');
      expect(await index.queryItems([1, 0, 0], 10_000)).toHaveLength(5);
      await expectUnchanged(index, before);
    });

    test('metadata JSON cannot represent is rejected in TypeScript with its path', async () => {
      const index = await createdIndex({}, FRUIT);
      const before = await snapshot(index);
      const cyclic: AnyMetadata = { a: { b: 1 } };
      cyclic.a.self = cyclic;
      class Point {
        constructor(public x = 1) {}
      }
      const cases: [unknown, string][] = [
        [{ fn: () => 1 }, 'item.metadata.fn is a function'],
        [{ n: 10n }, 'item.metadata.n is a BigInt'],
        [cyclic, 'item.metadata.a.self is a circular reference'],
        [{ when: new Date(0) }, 'item.metadata.when is a Date'],
        [{ m: new Map([['k', 1]]) }, 'item.metadata.m is a Map'],
        [{ list: [1, new Point()] }, 'item.metadata.list[1] is a Point'],
        [{ s: Symbol('s') }, 'item.metadata.s is a symbol'],
        [{ 'odd key': { x: NaN } }, 'item.metadata["odd key"].x is NaN'],
        [{ big: -Infinity }, 'item.metadata.big is -Infinity'],
        [[1, 2], 'item.metadata must be a plain object (got an array)'],
        ['text', 'item.metadata must be a plain object (got a string)'],
      ];
      for (const [metadata, message] of cases) {
        const item = { id: 'm', vector: [1, 2, 3], metadata } as Item;
        await expectQuiverError(index.insertItem(item), 'INVALID_ARGUMENT', message);
        await expectQuiverError(index.upsertItem(item), 'INVALID_ARGUMENT', message);
      }
      await expectUnchanged(index, before);
      // Shared (non-cyclic) references are fine.
      const shared = { x: 1 };
      const metadata = { p: shared, q: shared };
      await index.insertItem({ id: 'shared', vector: [1, 2, 3], metadata });
      expect((await index.getItem('shared'))?.metadata).toEqual({ p: { x: 1 }, q: { x: 1 } });
    });

    test('metadata over 64 KiB fails with LIMIT', async () => {
      const index = await createdIndex({}, FRUIT);
      const before = await snapshot(index);
      const huge = { text: 'x'.repeat(70 * 1024) };
      const item = { id: 'h', vector: [1, 2, 3], metadata: huge };
      await expectQuiverError(index.insertItem(item), 'LIMIT');
      const batch = [{ id: 'ok', vector: [1, 2, 3] }, item];
      await expectQuiverError(index.batchInsertItems(batch), 'LIMIT');
      await expectUnchanged(index, before);
      const large = { text: 'y'.repeat(60 * 1024) };
      await index.insertItem({ id: 'large', vector: [1, 2, 3], metadata: large });
      expect((await index.getItem('large'))?.metadata).toEqual(large);
    });

    test('ids must be strings', async () => {
      const index = await createdIndex({}, FRUIT);
      const before = await snapshot(index);
      const item = { id: 42, vector: [1, 2, 3] } as unknown as Item;
      const message = 'item.id must be a string';
      await expectQuiverError(index.insertItem(item), 'INVALID_ARGUMENT', message);
      await expectQuiverError(index.batchInsertItems([item]), 'INVALID_ARGUMENT', 'items[0].id');
      await expectQuiverError(index.getItem(7 as unknown as string), 'INVALID_ARGUMENT');
      await expectQuiverError(index.deleteItem({} as unknown as string), 'INVALID_ARGUMENT');
      await expectQuiverError(
        index.deleteItems(['a', 3 as unknown as string]),
        'INVALID_ARGUMENT',
        'ids[1] must be a string',
      );
      await expectUnchanged(index, before);
    });

    test('errors from the core are QuiverErrors with a code and a message', async () => {
      const index = await createdIndex({}, FRUIT);
      const err = await expectQuiverError(index.insertItem({ vector: [1] }), 'DIMENSION_MISMATCH');
      expect(err).toBeInstanceOf(Error);
      // Vectra throws plain Errors, and Vectra users assert with `new Error(message)`, which
      // compares `name` too.
      expect(err.name).toBe('Error');
      expect(err.message.length).toBeGreaterThan(0);
    });
  });

  describe('quantization', () => {
    /** 300 random vectors of 37 components (odd: every kernel's tail runs), seeded. */
    function randomItems(): Item[] {
      let state = 12345;
      const next = (): number => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
      return Array.from({ length: 300 }, (_, i) => ({
        id: `q${i}`,
        vector: Array.from({ length: 37 }, next),
        metadata: { i },
      }));
    }

    for (const quantization of ['f16', 'i8'] as const) {
      for (const metric of ['cosine', 'l2', 'ip'] as const) {
        test(`${quantization} ${metric}: items come back exact; rescored queries rank by exact score`, async () => {
          const items = randomItems();
          const index = await createdIndex({ dimensions: 37, metric, quantization }, items);
          expect(await index.getIndexInfo()).toMatchObject({ quantization, rescore: false });
          const item = await index.getItem('q7');
          expect(item?.vector).toEqual(items[7].vector.map((x) => Math.fround(x)));
          const hits = await index.query(items[9].vector, { topK: 5, rescore: true });
          expect(hits[0].item.id).toBe('q9');
          expect(hits[0].item.vector).toEqual(items[9].vector.map((x) => Math.fround(x)));
          // Best first by the exact (double) score.
          for (let i = 1; i < hits.length; i++) expect(hits[i - 1].score).toBeGreaterThanOrEqual(hits[i].score);
          const plain = await index.query(items[9].vector, { topK: 5, rescore: false });
          expect(plain).toHaveLength(5);
        });
      }
    }

    test('the quantization survives a reopen (the graph file keeps the i8 scale)', async () => {
      const items = randomItems();
      let index = await createdIndex({ dimensions: 37, metric: 'l2', quantization: 'i8', rescore: true }, items);
      const before = await hitIds(index.query(items[3].vector, { topK: 5 }));
      await index.close();
      index = newIndex();
      expect(await index.getIndexInfo()).toMatchObject({ quantization: 'i8', rescore: true });
      expect(await hitIds(index.query(items[3].vector, { topK: 5 }))).toEqual(before);
    });

    test('bad quantization options are INVALID_ARGUMENT and create nothing', async () => {
      const index = newIndex();
      await expectQuiverError(index.createIndex({ quantization: 'f64' as never }), 'INVALID_ARGUMENT', /quantization/);
      await expectQuiverError(index.createIndex({ rescore: 'yes' as never }), 'INVALID_ARGUMENT', /rescore/);
      expect(await index.isIndexCreated()).toBe(false);
      const created = await createdIndex({ quantization: 'f16' }, FRUIT);
      await expectQuiverError(
        created.query([1, 0, 0], { topK: 1, rescore: 1 as never }),
        'INVALID_ARGUMENT',
        /rescore must be true or false/,
      );
    });
  });

  describe('close', () => {
    test('every call after close() rejects with CLOSED; close is idempotent', async () => {
      const index = await createdIndex({}, FRUIT);
      const before = await snapshot(index);
      await index.close();
      await index.close();
      const calls: (() => Promise<unknown>)[] = [
        () => index.createIndex({ version: 1, deleteIfExists: true }),
        () => index.isIndexCreated(),
        () => index.deleteIndex(),
        () => index.loadIndexData(),
        () => index.getIndexStats(),
        () => index.verify(),
        () => index.beginUpdate(),
        () => index.endUpdate(),
        () => index.cancelUpdate(),
        () => index.insertItem({ id: 'x', vector: [1, 2, 3] }),
        () => index.upsertItem({ id: 'a', vector: [1, 2, 3] }),
        () => index.batchInsertItems([{ id: 'x', vector: [1, 2, 3] }]),
        () => index.insertItems([{ id: 'x', vector: [1, 2, 3] }]),
        () => index.deleteItem('a'),
        () => index.deleteItems(['a', 'b']),
        () => index.getItem('a'),
        () => index.listItems(),
        () => index.listItemsByMetadata({ category: 'fruit' }),
        () => index.queryItems([1, 0, 0], 1),
        () => index.queryItems([1, 0, 0], 'text', 1),
        () => index.query([1, 0, 0], { topK: 1 }),
      ];
      for (const call of calls) await expectQuiverError(call(), 'CLOSED');
      await expectUnchanged(newIndex(), before);
    });

    test('close waits for calls made before it', async () => {
      const index = await createdIndex();
      const insert = index.insertItem({ id: 'last', vector: [1, 1, 1] });
      const closed = index.close();
      const late = expectQuiverError(index.getItem('last'), 'CLOSED');
      await Promise.all([insert, closed, late]);
      expect(await newIndex().getItem('last')).toBeDefined();
    });

    test('an index that was never opened can be closed', async () => {
      const index = newIndex();
      await index.close();
      await expectQuiverError(index.isIndexCreated(), 'CLOSED');
      expect(new QuiverError('CLOSED', 'x')).toBeInstanceOf(QuiverError);
    });
  });
});
