// The LocalIndex contract, lifecycle: createIndex and its configuration, calls before an index
// exists, deleteIndex, persistence across instances, verify, and close(). Run against every
// backend in backends.ts (shared set-up: contract-setup.ts). Real backends only: nothing here is
// mocked.

import { existsSync } from 'node:fs';

import { describe, expect, test } from 'vitest';

import type { Backend } from '../../ts/src/backend.js';
import { QuiverError } from '../../ts/src/errors.js';
import { testQuantization, testShards } from '../default-quantization.js';
import { backends, storesInFolders } from './backends.js';
import { FRUIT, useContractIndexes } from './contract-setup.js';
import { expectQuiverError, expectUnchanged, snapshot } from './helpers.js';

describe.each(backends)('LocalIndex on the $name backend', (backend: Backend) => {
  const { temp, newIndex, createdIndex } = useContractIndexes(backend);

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
        simd: expect.stringMatching(/^(avx512|avx2|sse4|neon|scalar|wasm-simd128)$/),
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
