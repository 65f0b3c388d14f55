// The LocalIndex contract, writing items: insert, get and list round trips, upsert, batch
// and chunked inserts (all or nothing), deletes, call order, and staged updates (beginUpdate /
// endUpdate / cancelUpdate). Run against every backend in backends.ts (shared set-up:
// contract-setup.ts). Real backends only: nothing here is mocked.

import { describe, expect, test } from 'vitest';

import type { Backend } from '../../ts/src/backend.js';
import type { QuiverErrorCode } from '../../ts/src/errors.js';
import { backends } from './backends.js';
import { FRUIT, hitIds, ids, type Item, useContractIndexes } from './contract-setup.js';
import { expectQuiverError, expectUnchanged, snapshot } from './helpers.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe.each(backends)('LocalIndex on the $name backend', (backend: Backend) => {
  const { newIndex, createdIndex } = useContractIndexes(backend);

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
});
