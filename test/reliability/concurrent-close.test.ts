// 12 processes close one index at once: each writes its items, waits at a barrier, then calls
// close() (which saves the graph file) at the same moment. The next open must be consistent:
// verify() finds graph and database in agreement without rebuilding, every item is found by a
// query with its own vector, and a query with a very large efSearch (a walk over the whole
// graph) returns normally. The next user is a child process (workers/inspect.mjs), so that a
// crash on a damaged graph fails this test instead of ending the runner. Native backend (the WASM
// build's SQLite has no cross-process locking).

import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import { beforeAll, describe, expect, test } from 'vitest';

import { LocalIndex } from '../../ts/src/local-index.js';
import { makeTempDir } from '../ts/helpers.js';
import { LONG, NATIVE, SEED, describeExit, ensureDistBuilt, runWorker, runWorkersTogether } from './support.js';
import { makeRng, randomVector } from './workers/common.mjs';

const DIMS = 64; // a graph file of ~1 MB: saves that take long enough to overlap
const PROCESSES = 12;
const ITEMS_PER_PROCESS = 200;
const SEED_ITEMS = 300;
const ROUNDS = LONG ? 200 : 3;

describe('processes closing one index at once', () => {
  beforeAll(ensureDistBuilt, 180_000);

  test(`${PROCESSES} processes write then close together; the next open is consistent (native)`, async () => {
    const tmp = makeTempDir('quiver-close-');
    try {
      const folder = join(tmp.path, 'index');
      const rng = makeRng(SEED);
      const index = new LocalIndex(folder, undefined, { backend: NATIVE.backend });
      await index.createIndex({ version: 1, dimensions: DIMS });
      await index.batchInsertItems(
        Array.from({ length: SEED_ITEMS }, (_, i) => ({ id: `seed-${i}`, vector: randomVector(rng, DIMS), metadata: { i } })),
      );
      await index.close(); // a graph file exists before the first round
      let expectedItems = SEED_ITEMS;
      const reports: string[] = [];
      const busy: string[] = []; // writes that met BUSY and were retried
      for (let round = 0; round < ROUNDS; round++) {
        const barrier = join(tmp.path, `barrier${round}`);
        const exits = await runWorkersTogether(
          Array.from({ length: PROCESSES }, (_, k) => ({
            script: 'closer.mjs',
            args: [NATIVE.entry, folder, barrier, `r${round}c${k}`, String(PROCESSES),
              String(ITEMS_PER_PROCESS), String(SEED + round * 100 + k), String(DIMS)],
          })),
        );
        const failures = exits.filter((exit) => exit.code !== 0 || exit.signal).map((exit) =>
          `${JSON.stringify(exit.lines.find((l) => l.tag === 'error'))} ${describeExit(exit)}`);
        expect(failures, `round ${round}: closers that failed (the others were then stopped)`).toEqual([]);
        expectedItems += PROCESSES * ITEMS_PER_PROCESS;
        for (const exit of exits) busy.push(...exit.lines.find((l) => l.tag === 'closed')!.value.busy);

        // Every process closed normally: none may leave a temp file behind (before the next
        // open, which would clean it up).
        expect(readdirSync(folder).filter((name) => name.endsWith('.tmp')), `round ${round}: temp files left`).toEqual([]);

        const inspect = await runWorker('inspect.mjs', [NATIVE.entry, folder]);
        expect(inspect.signal, `round ${round}: the next open crashed: ${describeExit(inspect)}`).toBeNull();
        expect(inspect.code, `round ${round}: ${JSON.stringify(inspect.lines)} ${describeExit(inspect)}`).toBe(0);
        const found = inspect.lines.find((l) => l.tag === 'inspect')!.value;
        reports.push(`round ${round}: ${found.verify.open}; ${found.notFound.length} not in top 10`);
        expect(found.stats.items).toBe(expectedItems);
        expect(found.items.length).toBe(expectedItems);
        // The graph file left by the last close must be one whole, true save: loaded as it is,
        // not found to disagree with the database (a CRC-valid file that disagrees was written
        // from a mix of processes' bytes, or from a view that missed other processes' commits).
        expect(found.verify.open, `round ${round}: the open after the concurrent closes`).toMatch(/^graph file loaded/);
        expect(
          { consistent: found.verify.consistent, rebuilt: found.verify.rebuilt },
          `round ${round}: verify() after the concurrent closes: ${JSON.stringify(found.verify)}`,
        ).toEqual({ consistent: true, rebuilt: false });
        expect(found.notFound, `round ${round}: items a query by their own vector does not find`).toEqual([]);
      }
      console.info(`concurrent close (seed ${SEED}): ${ROUNDS} rounds of ${PROCESSES} processes, ` +
        `${busy.length} writes retried after BUSY\n  ${reports.join('\n  ')}`);
      // 12 processes writing 200 items each must not wait out SQLite's 5 s lock timeout.
      expect(busy, 'writes that met BUSY (SQLite lock held > 5 s by another process)').toEqual([]);
    } finally {
      tmp.cleanup();
    }
  }, (LONG ? 4 * 3600 : 300) * 1000);
});
