// insertItems' (and upsertItems') ingest options and packed form, shards and getIndexInfo, on every backend:
// packed items arrive exactly, progress per batch, `threads` checked by the core, an aborted
// signal rolls back the batch in progress (QuiverAbortError says how many items stay).

import { describe, expect, test } from 'vitest';

import type { Backend } from '../../ts/src/backend.js';
import { QuiverAbortError } from '../../ts/src/errors.js';
import { testQuantization } from '../default-quantization.js';
import { backends, createLocalIndex } from './backends.js';
import { expectQuiverError, useTempIndexes } from './helpers.js';

const DIMS = 8;

function packed(n: number, from = 0): { ids: string[]; vectors: Float32Array; metadata: { n: number }[] } {
  const vectors = new Float32Array(n * DIMS);
  for (let i = 0; i < vectors.length; i++) vectors[i] = Math.fround(Math.sin(i * 0.37 + from) + 1.5);
  return {
    ids: Array.from({ length: n }, (_, i) => `p${from + i}`),
    vectors,
    metadata: Array.from({ length: n }, (_, i) => ({ n: from + i })),
  };
}

describe.each(backends)('ingest on the $name backend', (backend: Backend) => {
  const temp = useTempIndexes();

  async function created(config: Record<string, unknown> = {}) {
    const index = temp.track(createLocalIndex(backend, temp.path('index')));
    await index.createIndex({ version: 1, dimensions: DIMS, ...config });
    return index;
  }

  test('the packed form writes every item exactly, one batch at a time', async () => {
    const index = await created({ shards: 3 });
    const input = packed(250);
    const progress: number[] = [];
    const ids = await index.insertItems(input, { batchSize: 100, onProgress: (done) => progress.push(done) });
    expect(ids).toEqual(input.ids);
    expect(progress).toEqual([100, 200, 250]);
    for (const i of [0, 99, 100, 249]) {
      const item = await index.getItem(`p${i}`);
      expect(item?.metadata).toEqual({ n: i });
      expect(Array.from(item!.vector)).toEqual(Array.from(input.vectors.subarray(i * DIMS, (i + 1) * DIMS)));
      const hit = await index.queryItems(Array.from(input.vectors.subarray(i * DIMS, (i + 1) * DIMS)), 1);
      expect(hit[0]!.item.id).toBe(`p${i}`);
    }
    const info = await index.getIndexInfo();
    expect(info.shards).toHaveLength(3);
    expect(info.shards.reduce((sum, s) => sum + s.items, 0)).toBe(250);
    for (const s of info.shards) expect(s.items).toBeGreaterThan(60); // label % 3: even spread
    expect(info.quantization).toBe(testQuantization); // f32 unless QUIVER_TEST_QUANTIZATION says
    expect(await index.getIndexStats()).toStrictEqual({ version: 1, metadata_config: {}, items: 250 });
  });

  test('bad packed input and bad threads are rejected before anything is written', async () => {
    const index = await created();
    const input = packed(10);
    await expectQuiverError(
      index.insertItems({ ids: input.ids, vectors: input.vectors.subarray(0, 75) }),
      'INVALID_ARGUMENT',
      'vectors must hold ids.length x dimensions floats',
    );
    await expectQuiverError(
      index.insertItems({ ids: input.ids, vectors: input.vectors, metadata: [{ n: 1 }] }),
      'INVALID_ARGUMENT',
      'metadata must have one entry per id',
    );
    await expectQuiverError(index.insertItems(input, { threads: 0 }), 'INVALID_ARGUMENT', 'threads must be an integer from 1 to 256');
    await expectQuiverError(index.insertItems(input, { threads: 1.5 }), 'INVALID_ARGUMENT', 'threads');
    await expectQuiverError(
      index.insertItems(input, { signal: {} as AbortSignal }),
      'INVALID_ARGUMENT',
      'signal must be an AbortSignal',
    );
    expect((await index.getIndexStats()).items).toBe(0);
    expect(await index.insertItems(input, { threads: 1 })).toHaveLength(10);
    await index.reserve(1000);
    expect(await index.insertItems(packed(10, 10), { threads: 2 })).toHaveLength(10);
    expect((await index.getIndexStats()).items).toBe(20);
  });

  test('an aborted signal stops at a batch boundary; earlier batches stay', async () => {
    const index = await created({ shards: 2 });
    const controller = new AbortController();
    const input = packed(300);
    const run = index.insertItems(input, {
      batchSize: 100,
      signal: controller.signal,
      onProgress: (done) => {
        if (done === 100) controller.abort();
      },
    });
    const err = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(QuiverAbortError);
    expect((err as QuiverAbortError).code).toBe('ABORTED');
    expect((err as QuiverAbortError).name).toBe('AbortError');
    expect((err as QuiverAbortError).committed).toBe(100);
    expect((await index.getIndexStats()).items).toBe(100);
    expect(await index.getItem('p99')).toBeDefined();
    expect(await index.getItem('p100')).toBeUndefined();
    // Already aborted: nothing at all.
    await expectQuiverError(index.insertItems(packed(5, 500), { signal: controller.signal }), 'ABORTED', 'nothing was written');
    expect((await index.getIndexStats()).items).toBe(100);
  });

  test('reads wait for an insertItems call unless it is made with concurrentReads', async () => {
    const index = await created();
    // Default: a read issued while the call runs sees all of it (read-your-writes).
    let seen: Promise<number> | undefined;
    await index.insertItems(packed(1000), {
      batchSize: 100,
      onProgress: (done) => {
        if (done === 100) seen = index.getIndexStats().then((s) => s.items);
      },
    });
    expect(await seen).toBe(1000);

    // concurrentReads: the read starts at once and sees whole batches only; a write issued
    // meanwhile still waits for the call.
    let during = -1;
    let hit = '';
    let deleted: Promise<void> | undefined;
    const concurrent = index.insertItems(packed(1000, 1000), {
      batchSize: 100,
      concurrentReads: true,
      onProgress: (done) => {
        if (done === 100) {
          void index.getIndexStats().then((s) => (during = s.items - 1000));
          // Started now (its answer may be handed over a turn later: ts/src/turn-budget.ts).
          void index.queryItems(Array.from(packed(1, 1000).vectors), 1).then((hits) => (hit = hits[0]!.item.id));
          deleted = index.deleteItem('p1000');
        }
      },
    });
    await concurrent;
    await deleted;
    await new Promise((resolve) => setImmediate(resolve));
    expect(hit).toBe('p1000'); // it saw the first batch
    expect(during % 100).toBe(0);
    expect(during).toBeGreaterThanOrEqual(100);
    expect(during).toBeLessThan(1000);
    expect(await index.getItem('p1000')).toBeUndefined(); // the delete ran after the call
    expect((await index.getIndexStats()).items).toBe(1999);
    await expectQuiverError(index.insertItems(packed(1, 5000), { concurrentReads: 'yes' as unknown as boolean }), 'INVALID_ARGUMENT', 'concurrentReads');
  });

  test('upsertItems replaces the items that exist and adds the others, in both forms', async () => {
    const index = await created({ shards: 2 });
    await index.insertItems(packed(100));
    // Packed: p50..p149 (half exist) with other vectors and metadata.
    const next = packed(100, 50);
    for (let i = 0; i < next.vectors.length; i++) next.vectors[i] = Math.fround(next.vectors[i]! * 2 - 1);
    next.metadata = next.metadata.map((m) => ({ n: m.n + 1000 }));
    const progress: number[] = [];
    const ids = await index.upsertItems(next, { batchSize: 40, onProgress: (done) => progress.push(done) });
    expect(ids).toEqual(next.ids);
    expect(progress).toEqual([40, 80, 100]);
    expect((await index.getIndexStats()).items).toBe(150);
    const replaced = await index.getItem('p60');
    expect(replaced!.metadata).toEqual({ n: 1060 });
    expect(Float32Array.from(replaced!.vector)).toEqual(next.vectors.subarray(10 * DIMS, 11 * DIMS));
    expect((await index.getItem('p10'))!.metadata).toEqual({ n: 10 }); // untouched
    // Objects: one replaced, one new; found by their new vectors.
    const v = Array.from({ length: DIMS }, (_, i) => (i % 2 ? 3 : -3));
    await index.upsertItems([{ id: 'p0', vector: v, metadata: { n: -1 } }, { id: 'q', vector: v.map((x) => -x) }]);
    expect((await index.getIndexStats()).items).toBe(151);
    const [hit] = await index.queryItems(v, 1);
    expect(hit!.item.id).toBe('p0');
    expect(hit!.item.metadata).toEqual({ n: -1 });
    // Aborted before it starts: the method named, nothing written.
    const controller = new AbortController();
    controller.abort();
    await expectQuiverError(index.upsertItems(packed(5, 500), { signal: controller.signal }), 'ABORTED', 'upsertItems was aborted');
    expect((await index.getIndexStats()).items).toBe(151);
  });

  test('reads issued during upsertItems with concurrentReads see each batch whole', async () => {
    const index = await created();
    await index.insertItems(packed(1000));
    // Every item's metadata says which round wrote it; a batch of the upsert replaces 100.
    const next = packed(1000);
    next.metadata = next.metadata.map(() => ({ n: -7 }));
    const rounds: number[] = [];
    const reads: Promise<void>[] = [];
    await index.upsertItems(next, {
      batchSize: 100,
      concurrentReads: true,
      onProgress: (done) => {
        if (done < 1000) {
          reads.push(
            index.listItems().then((items) => {
              const replaced = items.filter((item) => (item.metadata as { n: number }).n === -7).length;
              rounds.push(replaced);
            }),
          );
        }
      },
    });
    await Promise.all(reads);
    expect(rounds.length).toBe(9);
    for (const replaced of rounds) {
      expect(replaced % 100).toBe(0); // whole batches only
      expect(replaced).toBeGreaterThanOrEqual(100);
    }
    expect(rounds.some((replaced) => replaced < 1000)).toBe(true); // answered during the call
    expect((await index.listItems()).every((item) => (item.metadata as { n: number }).n === -7)).toBe(true);
    expect((await index.getIndexStats()).items).toBe(1000);
  });

  if (backend.name === 'native') {
    test('native: an abort during a batch rolls that batch back in the core', async () => {
      const index = await created();
      const controller = new AbortController();
      const n = 60_000;
      const input = packed(n);
      setTimeout(() => controller.abort(), 5);
      const err = await index.insertItems(input, { batchSize: n, signal: controller.signal }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(QuiverAbortError);
      expect((err as QuiverAbortError).committed).toBe(0);
      expect((await index.getIndexStats()).items).toBe(0);
      expect(await index.getItem('p0')).toBeUndefined();
      // The index is still usable, and nothing half-written shows up after a reopen.
      expect(await index.insertItems(packed(3, 7))).toEqual(['p7', 'p8', 'p9']);
      await index.close();
      const again = temp.track(createLocalIndex(backend, temp.path('index')));
      expect((await again.getIndexStats()).items).toBe(3);
    });
  }
});
