// Reads answered on the caller's thread (native small queries, WASM) must still let the event
// loop turn: a loop of awaited queries lets a timer fire within a few milliseconds, and lets an
// insertItems({ concurrentReads }) running beside it finish (ts/src/turn-budget.ts). Without the
// budget the timer fired only after the loop, and the insert never finished.

import { describe, expect, test } from 'vitest';

import type { Backend } from '../../ts/src/backend.js';
import { backends, createLocalIndex } from './backends.js';
import { useTempIndexes } from './helpers.js';

const DIMS = 16;

function vectors(n: number, from = 0): Float32Array {
  const out = new Float32Array(n * DIMS);
  for (let i = 0; i < out.length; i++) out[i] = Math.fround(Math.sin((i + from * DIMS) * 0.71) + 1.2);
  return out;
}

describe.each(backends)('the event loop on the $name backend', (backend: Backend) => {
  const temp = useTempIndexes();

  async function filled(n: number) {
    const index = temp.track(createLocalIndex(backend, temp.path('index')));
    await index.createIndex({ version: 1, dimensions: DIMS });
    await index.insertItems({ ids: Array.from({ length: n }, (_, i) => `v${i}`), vectors: vectors(n) });
    return index;
  }

  test('a loop of awaited queries lets a timer fire', async () => {
    const index = await filled(300);
    const q = Array.from(vectors(1, 7));
    let fired = false;
    setTimeout(() => (fired = true), 0);
    let queries = 0;
    while (!fired && queries < 20_000) {
      await index.queryItems(q, 3);
      queries++;
    }
    expect(fired).toBe(true);
    expect(queries).toBeLessThan(20_000);
  });

  test('a loop of awaited queries lets an insertItems with concurrentReads finish', async () => {
    const index = await filled(300);
    const q = Array.from(vectors(1, 7));
    let finished = false;
    const insert = index
      .insertItems({ ids: Array.from({ length: 600 }, (_, i) => `n${i}`), vectors: vectors(600, 300) }, {
        batchSize: 200,
        concurrentReads: true,
      })
      .then(() => (finished = true));
    let queries = 0;
    while (!finished && queries < 50_000) {
      const hits = await index.queryItems(q, 3);
      expect(hits).toHaveLength(3);
      queries++;
    }
    await insert;
    expect(queries).toBeLessThan(50_000);
    expect((await index.getIndexStats()).items).toBe(900);
  });
});
