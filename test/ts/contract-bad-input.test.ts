// The LocalIndex contract, bad input: vectors, topK, metadata, ids; each is a typed QuiverError
// and writes nothing. Run against every backend in backends.ts (shared set-up:
// contract-setup.ts). Real backends only: nothing here is mocked.

import { describe, expect, test } from 'vitest';

import type { Backend } from '../../ts/src/backend.js';
import type { QuiverErrorCode } from '../../ts/src/errors.js';
import { type AnyMetadata, backends } from './backends.js';
import { FRUIT, type Item, useContractIndexes } from './contract-setup.js';
import { expectQuiverError, expectUnchanged, snapshot } from './helpers.js';

describe.each(backends)('LocalIndex on the $name backend', (backend: Backend) => {
  const { createdIndex } = useContractIndexes(backend);

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
        [{ id: 'v', vector: [1, '2', 3] as unknown as number[] }, 'INVALID_ARGUMENT', 'vector[1]'],
        // eslint-disable-next-line no-sparse-arrays
        [{ id: 'v', vector: [1, , 3] as unknown as number[] }, 'INVALID_ARGUMENT', 'vector[1]'],
        [{ id: 'v', vector: [1e39, 0, 0] }, 'INVALID_ARGUMENT', undefined],
        [{ id: 'v', vector: new Float64Array([1, 2, NaN]) as unknown as number[] }, 'INVALID_ARGUMENT', undefined],
      ];
      for (const [item, code, message] of cases) {
        await expectQuiverError(index.insertItem(item), code, message);
        await expectQuiverError(index.upsertItem(item), code, message);
        await expectUnchanged(index, before);
      }
      await expectQuiverError(index.queryItems([1, 2], 3), 'DIMENSION_MISMATCH');
      await expectQuiverError(index.queryItems([NaN, 0, 0], 3), 'INVALID_ARGUMENT');
      await expectQuiverError(index.queryItems([1, '2', 3] as unknown as number[], 3), 'INVALID_ARGUMENT', 'vector[1]');
      await expectQuiverError(index.query([0, 0, -1e39], { topK: 3 }), 'INVALID_ARGUMENT');
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
});
