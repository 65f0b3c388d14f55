// The LocalIndex contract, queries: scores per metric, topK, Vectra's queryItems signature,
// filtered queries, query() options, concurrent queries and another instance's writes. Run
// against every backend in backends.ts (shared set-up: contract-setup.ts). Real backends only:
// nothing here is mocked.

import { describe, expect, test } from 'vitest';

import type { Backend } from '../../ts/src/backend.js';
import type { QueryResult } from '../../ts/src/types.js';
import { type AnyMetadata, backends } from './backends.js';
import { FRUIT, hitIds, useContractIndexes } from './contract-setup.js';
import { expectQuiverError } from './helpers.js';

describe.each(backends)('LocalIndex on the $name backend', (backend: Backend) => {
  const { newIndex, createdIndex } = useContractIndexes(backend);

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

    test('includeVectors: false returns the same hits, scores and norms with empty vectors', async () => {
      const index = await createdIndex({}, FRUIT);
      const vector = [2, 0.5, 0];
      const full = await index.query(vector, { topK: 5 });
      const bare = await index.query(vector, { topK: 5, includeVectors: false });
      expect(full.every((r) => r.item.vector.length === 3)).toBe(true);
      expect(bare).toEqual(full.map((r) => ({ ...r, item: { ...r.item, vector: [] } })));
      // Each form is cached under its own key: asking again in the other order changes nothing.
      expect(await index.query(vector, { topK: 5, includeVectors: true })).toEqual(full);
      expect(await index.query(vector, { topK: 5, includeVectors: false })).toEqual(bare);
      const filtered = await index.query([1, 0, 0], { topK: 10, filter: { category: 'veg' }, includeVectors: false });
      expect(filtered.map((r) => [r.item.id, r.item.vector])).toEqual([['c', []], ['d', []]]);
      await expectQuiverError(
        index.query(vector, { topK: 1, includeVectors: 'no' as unknown as boolean }),
        'INVALID_ARGUMENT',
        'includeVectors must be true or false',
      );
    });

    test('a number[] is stored and queried exactly as the Float32Array of its values', async () => {
      // LocalIndex hands a number[] over as a Float64Array (one step instead of one N-API call per
      // number); the core rounds each value to float32 either way.
      const index = await createdIndex({ metric: 'l2' }, []);
      const doubles = [0.1, 1 / 3, -2.000000001];
      await index.insertItem({ id: 'array', vector: doubles });
      await index.insertItem({ id: 'typed', vector: Float32Array.from(doubles) });
      const [array, typed] = [await index.getItem('array'), await index.getItem('typed')];
      expect(array?.vector).toEqual(Array.from(Float32Array.from(doubles)));
      expect(array?.vector).toEqual(typed?.vector);
      const query = [0.3, -0.7, 1e-3];
      const fromArray = await index.query(query, { topK: 2 });
      expect(fromArray.map((r) => r.score)).toEqual((await index.query(Float32Array.from(query), { topK: 2 })).map((r) => r.score));
      expect(fromArray[0].score).toBe(fromArray[1].score);
      // The array is read when the call is made, even when the query waits for a write issued
      // before it: changing the array afterwards changes nothing.
      const later = [9, 9, 9];
      const write = index.upsertItem({ id: 'typed', vector: Float32Array.from(doubles) });
      const pending = index.query(later, { topK: 1 });
      later[0] = -9;
      await write;
      expect((await pending)[0].score).toBe((await index.query([9, 9, 9], { topK: 1 }))[0].score);
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
      // Wrong dimensions: one at the front of the burst, one in its middle.
      vectors[1] = [1, 2];
      vectors[5] = [1, 2];
      const settled = await Promise.allSettled(
        vectors.map((v, i) => index.queryItems(i % 3 ? v : new Float32Array(v), 1)),
      );
      for (const [i, s] of settled.entries()) {
        if (i === 1 || i === 5) {
          expect(s.status).toBe('rejected');
          expect((s as PromiseRejectedResult).reason.code).toBe('DIMENSION_MISMATCH');
        } else {
          expect(s.status).toBe('fulfilled');
          expect((s as PromiseFulfilledResult<QueryResult<AnyMetadata>[]>).value[0]!.item.id).toBe(i % 2 ? 'c' : 'a');
        }
      }
    });
  });
});
