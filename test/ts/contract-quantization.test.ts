// The LocalIndex contract, quantization (f16, i8): items read back exact, rescored queries rank
// by the exact score, the setting survives a reopen, bad options are rejected. Run against every
// backend in backends.ts (shared set-up: contract-setup.ts). Real backends only: nothing here is
// mocked.

import { describe, expect, test } from 'vitest';

import type { Backend } from '../../ts/src/backend.js';
import { backends } from './backends.js';
import { FRUIT, hitIds, type Item, useContractIndexes } from './contract-setup.js';
import { expectQuiverError } from './helpers.js';

describe.each(backends)('LocalIndex on the $name backend', (backend: Backend) => {
  const { newIndex, createdIndex } = useContractIndexes(backend);

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
          expect(item?.vector).toEqual(items[7].vector!.map((x) => Math.fround(x)));
          const hits = await index.query(items[9].vector!, { topK: 5, rescore: true });
          expect(hits[0].item.id).toBe('q9');
          expect(hits[0].item.vector).toEqual(items[9].vector!.map((x) => Math.fround(x)));
          // Best first by the exact (double) score.
          for (let i = 1; i < hits.length; i++) expect(hits[i - 1].score).toBeGreaterThanOrEqual(hits[i].score);
          const plain = await index.query(items[9].vector!, { topK: 5, rescore: false });
          expect(plain).toHaveLength(5);
          // Without vectors (and without rescoring) no row is read: the same hits, the graph's
          // quantized scores (close to the exact ones, best first), the exact norms.
          const bare = await index.query(items[9].vector!, { topK: 5, rescore: false, includeVectors: false });
          expect(new Set(bare.map((h) => h.item.id))).toEqual(new Set(plain.map((h) => h.item.id)));
          const exact = new Map(plain.map((h) => [h.item.id, h]));
          for (let i = 0; i < bare.length; i++) {
            const h = bare[i]!, e = exact.get(h.item.id)!;
            expect(h.item.vector).toEqual([]);
            expect(h.item.norm).toBeCloseTo(e.item.norm, 5);
            expect(Math.abs(h.score - e.score)).toBeLessThanOrEqual(0.05 * (1 + Math.abs(e.score)));
            if (i > 0) expect(h.score).toBeLessThanOrEqual(bare[i - 1]!.score);
          }
        });
      }
    }

    test('the quantization survives a reopen (the graph file keeps the i8 scale)', async () => {
      const items = randomItems();
      let index = await createdIndex({ dimensions: 37, metric: 'l2', quantization: 'i8', rescore: true }, items);
      const before = await hitIds(index.query(items[3].vector!, { topK: 5 }));
      await index.close();
      index = newIndex();
      expect(await index.getIndexInfo()).toMatchObject({ quantization: 'i8', rescore: true });
      expect(await hitIds(index.query(items[3].vector!, { topK: 5 }))).toEqual(before);
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
});
