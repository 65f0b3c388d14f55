// The query cache, getPerformanceMetrics() and `explain`, on every backend: a cached answer is
// the uncached one after every kind of write; the figures are measured; the plan is reported.

import { describe, expect, test, vi } from 'vitest';

import type { Backend } from '../../ts/src/backend.js';
import { LocalIndex } from '../../ts/src/local-index.js';
import type { QueryResult } from '../../ts/src/types.js';
import { testShards } from '../default-quantization.js';
import { type AnyMetadata, backends, createLocalIndex } from './backends.js';
import { expectQuiverError, randomVector, useTempIndexes } from './helpers.js';

const DIMS = 6;

function shape(hits: QueryResult<AnyMetadata>[]): [string, number, AnyMetadata][] {
  return hits.map((h) => [h.item.id, h.score, h.item.metadata]);
}

describe.each(backends)('query cache, metrics and explain on the $name backend', (backend: Backend) => {
  const temp = useTempIndexes();

  async function filled(cache?: { maxEntries?: number; maxBytes?: number }) {
    const index = temp.track(new LocalIndex<AnyMetadata>(temp.path('index'), undefined, { backend, ...(cache ? { cache } : {}) }));
    if (!(await index.isIndexCreated())) {
      await index.createIndex({ version: 1, dimensions: DIMS });
      await index.batchInsertItems(Array.from({ length: 200 }, (_, i) => ({ id: `i${i}`, vector: randomVector(DIMS, i), metadata: { n: i } })));
    }
    return index;
  }

  test('a cached answer equals the uncached one after inserts, upserts, deletes and staged updates', async () => {
    const index = await filled();
    const q = randomVector(DIMS, 10001); // not one of the items' vectors (no exact tie)
    const ask = async () => {
      const first = shape(await index.query(q, { topK: 8 }));
      const cached = shape(await index.query(q, { topK: 8 }));
      const uncached = shape(await index.query(q, { topK: 8, explain: true })); // explain bypasses the cache
      expect(cached).toEqual(uncached);
      expect(first).toEqual(uncached);
      return uncached;
    };
    const start = await ask();
    const hits0 = (await index.getPerformanceMetrics()).cache.hits;
    await ask();
    expect((await index.getPerformanceMetrics()).cache.hits).toBeGreaterThan(hits0);
    await index.insertItem({ id: 'twin', vector: q, metadata: { n: -1 } });
    expect((await ask())[0]![0]).toBe('twin');
    await index.upsertItem({ id: 'twin', vector: q, metadata: { n: -2 } });
    expect((await ask())[0]![2]).toEqual({ n: -2 });
    await index.deleteItem('twin');
    expect(await ask()).toEqual(start);
    await index.beginUpdate();
    await index.insertItem({ id: 'staged', vector: q });
    expect(await ask()).toEqual(start); // staged: not visible yet
    await index.endUpdate();
    expect((await ask())[0]![0]).toBe('staged');
  });

  test('cache 0 turns it off; bad sizes are INVALID_ARGUMENT', async () => {
    await filled();
    const off = temp.track(new LocalIndex<AnyMetadata>(temp.path('index'), undefined, { backend, cache: { maxEntries: 0 } }));
    const q = randomVector(DIMS, 2);
    await off.query(q, { topK: 3 });
    await off.query(q, { topK: 3 });
    const m = await off.getPerformanceMetrics();
    expect(m.cache).toMatchObject({ hits: 0, entries: 0, maxEntries: 0 });
    const bad = temp.track(new LocalIndex<AnyMetadata>(temp.path('index'), undefined, { backend, cache: { maxEntries: -1 } }));
    await expectQuiverError(bad.query(q, { topK: 3 }), 'INVALID_ARGUMENT', 'cache.maxEntries');
    const created = temp.track(createLocalIndex(backend, temp.path('other')));
    await expectQuiverError(created.createIndex({ version: 1, cache: { maxBytes: 1.5 } } as never), 'INVALID_ARGUMENT', 'cache.maxBytes');
    await created.createIndex({ version: 1, dimensions: 2, cache: { maxEntries: 7 } });
    expect((await created.getPerformanceMetrics()).cache.maxEntries).toBe(7);
  });

  test("query latency is LocalIndex's own stopwatch: from the call to the hits as Vectra's objects", async () => {
    const index = await filled();
    const q = randomVector(DIMS, 4);
    await index.getPerformanceMetrics(); // opened, nothing measured yet
    let clock = 0;
    const now = vi.spyOn(performance, 'now').mockImplementation(() => (clock += 250));
    try {
      await index.query(q, { topK: 3 });
      await index.query(q, { topK: 3 }); // a cache hit: measured the same way
    } finally {
      now.mockRestore();
    }
    const m = await index.getPerformanceMetrics(); // hands the last latency in
    expect(m.queries.count).toBe(2);
    expect(m.queries.p50Ms).toBeGreaterThan(240); // 250 ms between the two clock reads of each query
    expect(m.queries.p99Ms).toBeLessThan(1000);
  });

  test('options with only `cache` in third place are options, not a Vectra storage', async () => {
    await filled();
    // The entry points' LocalIndex picks its backend itself; only the cache is given.
    class Defaulted extends LocalIndex<AnyMetadata> {
      static override defaultBackend(): Backend {
        return backend;
      }
    }
    const off = temp.track(new Defaulted(temp.path('index'), undefined, { cache: { maxEntries: 0 } }));
    const q = randomVector(DIMS, 3);
    await off.query(q, { topK: 3 });
    await off.query(q, { topK: 3 });
    expect((await off.getPerformanceMetrics()).cache).toMatchObject({ hits: 0, maxEntries: 0 });
  });

  test('getPerformanceMetrics measures queries, inserts, items, bytes and streams', async () => {
    const index = await filled();
    for (let i = 0; i < 30; i++) await index.query(randomVector(DIMS, 100 + i), { topK: 5 });
    const m = await index.getPerformanceMetrics();
    expect(m.queries.count).toBeGreaterThanOrEqual(30);
    expect(m.queries.p50Ms).toBeGreaterThan(0);
    expect(m.queries.p50Ms).toBeLessThanOrEqual(m.queries.p95Ms);
    expect(m.queries.p95Ms).toBeLessThanOrEqual(m.queries.p99Ms);
    expect(m.queries.perSecond).toBeGreaterThan(0);
    expect(m.inserts.perSecond).toBeGreaterThan(0);
    expect(m.items).toBe(200);
    expect(m.bytesOnDisk).toBeGreaterThan(200 * DIMS * 4);
    expect(m.bytesInMemory.vectors).toBeGreaterThan(200 * DIMS * 4);
    // One entry per shard (QUIVER_TEST_SHARDS), adding up to the index's figures.
    expect(m.shards).toHaveLength(testShards());
    expect(m.shards.reduce((sum, s) => sum + s.items, 0)).toBe(200);
    expect(m.shards.reduce((sum, s) => sum + s.bytesInMemory, 0)).toBe(m.bytesInMemory.vectors);
    if (testShards() === 1) expect(m.shards).toEqual([{ items: 200, bytesInMemory: m.bytesInMemory.vectors }]);
    expect(m.streams).toEqual({ open: 0, bytes: 0 });
    const it = index.queryStream(randomVector(DIMS, 3), { batchSize: 5 })[Symbol.asyncIterator]();
    await it.next();
    expect((await index.getPerformanceMetrics()).streams.open).toBe(1);
    await it.return!();
    expect((await index.getPerformanceMetrics()).streams.open).toBe(0); // freed at once
  });

  test('explain reports the plan, its estimates and timings', async () => {
    const index = await filled();
    const plain = await index.query(randomVector(DIMS, 4), { topK: 5, explain: true });
    expect(plain).toHaveLength(5);
    expect(plain.explain).toMatchObject({ plan: 'hnsw', items: 200, results: 5, cacheHit: false });
    expect(plain.explain!.timings.totalMs).toBeGreaterThanOrEqual(plain.explain!.timings.searchMs);
    const filtered = await index.query(randomVector(DIMS, 4), { topK: 5, explain: true, filter: { n: { $lt: 20 } } });
    expect(filtered.explain!.plan).toBe('exact-scan');
    expect(filtered.explain!.estimates.matches).toBeGreaterThan(0);
    expect(filtered.explain!.estimates.matches).toBeLessThan(100);
    expect((await index.query(randomVector(DIMS, 4), { topK: 5 })).explain).toBeUndefined();
  });
});
