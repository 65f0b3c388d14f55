// queryStream (query/cursor.h through every binding): order across batches, no duplicates,
// exact and complete when maxResults covers the index, writes while a stream is open, closing
// by break and by AbortSignal, bad options. Runs on every backend, plus the browser worker's RPC
// (page side and host joined by a real MessageChannel, the host serving the IDBFS backend).

import { afterAll, describe, expect, test } from 'vitest';

import type { Backend } from '../../ts/src/backend.js';
import { createWorkerBackend } from '../../ts/src/browser/worker-backend.js';
import type { LocalIndex } from '../../ts/src/local-index.js';
import type { QueryResult } from '../../ts/src/types.js';
import { type AnyMetadata, backends, createLocalIndex } from './backends.js';
import { expectQuiverError, randomVector, useTempIndexes } from './helpers.js';
import { loopbackWorker } from './loopback-worker.js';

type Index = LocalIndex<AnyMetadata>;

const cleanups: (() => void)[] = [];
afterAll(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** The worker backend with its host in this thread, over a MessageChannel (loopback-worker.ts). */
function overRpc(backend: Backend): Backend {
  const { worker } = loopbackWorker(backend);
  cleanups.push(() => worker.terminate());
  // Not spread: the worker backend forwards its methods through a Proxy.
  return createWorkerBackend({ createWorker: () => worker });
}

const all: Backend[] = [...backends, overRpc(backends[backends.length - 1]!)];

const DIMS = 8;
const N = 400;

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

async function collect(stream: AsyncIterable<QueryResult<AnyMetadata>[]>, batchSize: number): Promise<QueryResult<AnyMetadata>[]> {
  const out: QueryResult<AnyMetadata>[] = [];
  for await (const batch of stream) {
    expect(batch.length).toBeGreaterThan(0);
    expect(batch.length).toBeLessThanOrEqual(batchSize);
    out.push(...batch);
  }
  return out;
}

function expectOrderedAndUnique(hits: QueryResult<AnyMetadata>[]): void {
  for (let i = 1; i < hits.length; i++) expect(hits[i]!.score).toBeLessThanOrEqual(hits[i - 1]!.score);
  expect(new Set(hits.map((h) => h.item.id)).size).toBe(hits.length);
}

describe.each(all)('queryStream on the $name backend', (backend: Backend) => {
  const temp = useTempIndexes();
  const vectors = Array.from({ length: N }, (_, i) => randomVector(DIMS, i));

  async function filled(): Promise<Index> {
    const index = temp.track(createLocalIndex(backend, temp.path('index')));
    await index.createIndex({ version: 1, dimensions: DIMS });
    await index.batchInsertItems(vectors.map((v, i) => ({ id: `i${i}`, vector: v, metadata: { n: i, even: i % 2 === 0 } })));
    return index;
  }

  test('maxResults covering the index: every item once, in exact order, in batches', async () => {
    const index = await filled();
    const q = randomVector(DIMS, 1000);
    const hits = await collect(index.queryStream(q, { batchSize: 64, maxResults: N }), 64);
    expect(hits).toHaveLength(N);
    expectOrderedAndUnique(hits);
    const exact = vectors.map((v, i) => ({ id: `i${i}`, s: cosine(q, v) })).sort((a, b) => b.s - a.s);
    expect(hits.map((h) => h.item.id)).toEqual(exact.map((e) => e.id));
    for (let i = 0; i < N; i++) expect(hits[i]!.score).toBeCloseTo(exact[i]!.s, 6);
    // The same hits as query() for the first batch (scores in double precision both ways).
    const top = await index.query(q, { topK: 10 });
    expect(hits.slice(0, 10).map((h) => [h.item.id, h.score])).toEqual(top.map((h) => [h.item.id, h.score]));
    expect(hits[0]!.item.metadata).toEqual({ n: Number(hits[0]!.item.id.slice(1)), even: Number(hits[0]!.item.id.slice(1)) % 2 === 0 });
  });

  test('default stream (graph walk, then exact pass): ordered, unique, first batch = query', async () => {
    const index = await filled();
    const q = randomVector(DIMS, 2000);
    const hits = await collect(index.queryStream(q, { batchSize: 25, efSearch: 50 }), 25);
    expectOrderedAndUnique(hits);
    expect(hits.length).toBeGreaterThanOrEqual(N * 0.98); // an item reached late is left out
    const top = await index.query(q, { topK: 25, efSearch: 50 });
    const first = new Set(hits.slice(0, 25).map((h) => h.item.id));
    expect(top.filter((h) => first.has(h.item.id)).length).toBeGreaterThanOrEqual(24);
  });

  test('includeVectors: false: the same stream without the vectors', async () => {
    const index = await filled();
    const q = randomVector(DIMS, 5);
    const full = await collect(index.queryStream(q, { batchSize: 40, maxResults: 120 }), 40);
    const bare = await collect(index.queryStream(q, { batchSize: 40, maxResults: 120, includeVectors: false }), 40);
    expect(full[0]!.item.vector).toHaveLength(DIMS);
    expect(bare).toEqual(full.map((h) => ({ ...h, item: { ...h.item, vector: [] } })));
    await expect(index.queryStream(q, { includeVectors: 1 as unknown as boolean })[Symbol.asyncIterator]().next())
      .rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('includeVectors must be true or false') });
  });

  test('filter and maxResults', async () => {
    const index = await filled();
    const hits = await collect(index.queryStream(randomVector(DIMS, 3), { batchSize: 30, filter: { even: true }, maxResults: 70 }), 30);
    expect(hits).toHaveLength(70);
    expectOrderedAndUnique(hits);
    for (const h of hits) expect(h.item.metadata.even).toBe(true);
  });

  test('writes while a stream is open: no duplicate, nothing inserted after it opened, no deleted item', async () => {
    const index = await filled();
    const q = randomVector(DIMS, 4);
    const it = index.queryStream(q, { batchSize: 50 })[Symbol.asyncIterator]();
    const seen: QueryResult<AnyMetadata>[] = [];
    const first = await it.next();
    seen.push(...first.value!);
    const firstIds = new Set(seen.map((h) => h.item.id));
    const unseen = vectors.map((_, i) => `i${i}`).filter((id) => !firstIds.has(id));
    const deleted = unseen.slice(0, 40);
    await index.deleteItems(deleted);
    await index.deleteItem(seen[0]!.item.id);
    await index.insertItem({ id: seen[0]!.item.id, vector: q }); // re-inserted: a new item
    await index.upsertItem({ id: unseen[50]!, vector: randomVector(DIMS, 77), metadata: { changed: true } });
    await index.batchInsertItems(Array.from({ length: 30 }, (_, i) => ({ id: `new${i}`, vector: randomVector(DIMS, 5000 + i) })));
    for (let r = await it.next(); !r.done; r = await it.next()) seen.push(...r.value);
    expectOrderedAndUnique(seen);
    for (const h of seen.slice(50)) {
      expect(h.item.id.startsWith('new')).toBe(false);
      expect(deleted).not.toContain(h.item.id);
      if (h.item.id === unseen[50]) expect(h.item.metadata).toEqual({ changed: true });
    }
    expect(seen.length).toBeGreaterThan(N - 60);
  });

  test('break and abort close the stream; the index keeps working', async () => {
    const index = await filled();
    let batches = 0;
    for await (const batch of index.queryStream(randomVector(DIMS, 5), { batchSize: 10 })) {
      expect(batch).toHaveLength(10);
      if (++batches === 2) break;
    }
    const controller = new AbortController();
    const it = index.queryStream(randomVector(DIMS, 6), { batchSize: 10, signal: controller.signal })[Symbol.asyncIterator]();
    expect((await it.next()).value).toHaveLength(10);
    controller.abort();
    await expect(it.next()).rejects.toMatchObject({ name: 'AbortError' });
    expect((await it.next()).done).toBe(true);
    const aborted = new AbortController();
    aborted.abort();
    await expect(index.queryStream(randomVector(DIMS, 6), { signal: aborted.signal })[Symbol.asyncIterator]().next()).rejects.toMatchObject({ name: 'AbortError' });
    await index.insertItem({ id: 'after', vector: randomVector(DIMS, 9) });
    expect(await index.getItem('after')).toBeDefined();
  });

  test('bad options reject the first next() with INVALID_ARGUMENT and open nothing', async () => {
    const index = await filled();
    const v = randomVector(DIMS, 7);
    const first = (options: unknown) => index.queryStream(v, options as never)[Symbol.asyncIterator]().next();
    await expectQuiverError(first({ batchSize: 0 }), 'INVALID_ARGUMENT', 'batchSize');
    await expectQuiverError(first({ batchSize: 1.5 }), 'INVALID_ARGUMENT', 'batchSize');
    await expectQuiverError(first({ maxResults: 0 }), 'INVALID_ARGUMENT', 'maxResults');
    await expectQuiverError(first({ efSearch: Number.NaN }), 'INVALID_ARGUMENT', 'efSearch');
    await expectQuiverError(first({ topK: 3 }), 'INVALID_ARGUMENT', 'unknown option');
    await expectQuiverError(first({ filter: { n: { $bogus: 1 } } }), 'INVALID_ARGUMENT');
    await expectQuiverError(index.queryStream([1, 2], {})[Symbol.asyncIterator]().next(), 'DIMENSION_MISMATCH');
  });

  test('iterateItems: insertion order from one snapshot; filter; bad options', async () => {
    const index = await filled();
    const it = index.iterateItems({ batchSize: 64 })[Symbol.asyncIterator]();
    const ids: string[] = [];
    const first = await it.next();
    ids.push(...first.value!.map((item: { id: string }) => item.id));
    expect(first.value![0]).toMatchObject({ id: 'i0', metadata: { n: 0, even: true } });
    expect(Array.from(first.value![0]!.vector)).toEqual(Array.from(vectors[0]!));
    await index.deleteItems(['i100', 'i300']);
    await index.insertItem({ id: 'late', vector: randomVector(DIMS, 1) });
    for (let r = await it.next(); !r.done; r = await it.next()) ids.push(...r.value.map((item: { id: string }) => item.id));
    expect(ids).toEqual(vectors.map((_, i) => `i${i}`)); // the snapshot: nothing added, nothing vanished
    const evens: string[] = [];
    for await (const batch of index.iterateItems({ filter: { even: true, n: { $lt: 20 } }, batchSize: 3 })) {
      expect(batch.length).toBeLessThanOrEqual(3);
      evens.push(...batch.map((item) => item.id));
    }
    expect(evens).toEqual(['i0', 'i2', 'i4', 'i6', 'i8', 'i10', 'i12', 'i14', 'i16', 'i18']);
    await expectQuiverError(index.iterateItems({ batchSize: 0 })[Symbol.asyncIterator]().next(), 'INVALID_ARGUMENT', 'batchSize');
    await expectQuiverError(index.iterateItems({ order: 'x' } as never)[Symbol.asyncIterator]().next(), 'INVALID_ARGUMENT', 'unknown option');
  });
});
