// 8 writer processes and 4 reader processes on one index (native backend: the WASM build's
// SQLite has no cross-process locking, so one folder belongs to one WASM process).
// Each writer publishes every write once it resolved (workers/mp-worker.mjs); every process, as
// soon as it learns of another process's resolved write, must see it on its next calls (getItem,
// a query by its vector, metadata filters) and must stop seeing a resolved delete. At the end the
// index holds exactly the resolved writes: nothing lost, nothing phantom, graph and store agree.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { beforeAll, describe, expect, test } from 'vitest';

import { LocalIndex } from '../../ts/src/local-index.js';
import { makeTempDir } from '../ts/helpers.js';
import { LONG, NATIVE, SEED, describeExit, ensureDistBuilt, runWorker, runWorkersTogether } from './support.js';
import { itemDifference, readJsonLines } from './workers/common.mjs';

const DIMS = 16;
const WRITERS = 8;
const READERS = 4;
const ROUNDS = LONG ? 30 : 1;
const WRITE_MS = LONG ? 60_000 : 8_000;

interface Summary {
  me: string;
  writes: number;
  checkedPuts: number;
  checkedDeletes: number;
  recallMisses: number;
  busy: number;
  violations: string[];
  violationCount: number;
  known: number;
}

/** The resolved state the writers published: id -> {v, m}. */
function publishedState(markers: string) {
  const state = new Map<string, { v: string; m: Record<string, unknown> }>();
  for (let w = 0; w < WRITERS; w++) {
    for (const rec of readJsonLines(join(markers, `w${w}.jsonl`))) {
      if (rec.t === 'put') for (const it of rec.items) state.set(it.id, { v: it.v, m: it.m });
      if (rec.t === 'del') state.delete(rec.id);
    }
  }
  return state;
}

describe('several processes on one index', () => {
  beforeAll(ensureDistBuilt, 180_000);

  test(`${WRITERS} writers + ${READERS} readers see each other's resolved writes (native)`, async () => {
    const tmp = makeTempDir('quiver-mp-');
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const folder = join(tmp.path, `index${round}`);
        const markers = join(tmp.path, `markers${round}`);
        mkdirSync(markers);
        const index = new LocalIndex(folder, undefined, { backend: NATIVE.backend });
        await index.createIndex({ version: 1, dimensions: DIMS });
        await index.close();

        const roles = [
          ...Array.from({ length: WRITERS }, (_, k) => ['writer', k] as const),
          ...Array.from({ length: READERS }, (_, k) => ['reader', k] as const),
        ];
        const exits = await runWorkersTogether(
          roles.map(([role, k], n) => ({
            script: 'mp-worker.mjs',
            args: [NATIVE.entry, folder, markers, role, String(k), String(WRITERS),
              String(roles.length), String(WRITE_MS), String(SEED + round * 100 + n), String(DIMS)],
          })),
        );
        const summaries: Summary[] = [];
        for (const [n, exit] of exits.entries()) {
          expect(exit.code, `${roles[n].join('')}: ${JSON.stringify(exit.lines.find((l) => l.tag === 'error'))} ${describeExit(exit)}`).toBe(0);
          summaries.push(exit.lines.find((l) => l.tag === 'summary')!.value);
        }
        const total = (key: keyof Summary) => summaries.reduce((sum, s) => sum + (s[key] as number), 0);
        console.info(
          `multi-process round ${round} (seed ${SEED}): ${total('writes')} writes by ${WRITERS} writers, ` +
            `${total('checkedPuts')} put checks + ${total('checkedDeletes')} delete checks by other processes, ` +
            `${total('recallMisses')} approximate-search misses (found with efSearch 2000), ${total('busy')} BUSY, ` +
            `${total('violationCount')} stale or wrong views`,
        );
        expect(summaries.flatMap((s) => s.violations)).toEqual([]);

        // Nothing lost, nothing phantom, every item intact, graph and store agree.
        const expected = publishedState(markers);
        const inspect = await runWorker('inspect.mjs', [NATIVE.entry, folder]);
        expect(inspect.code, describeExit(inspect)).toBe(0);
        const found = inspect.lines.find((l) => l.tag === 'inspect')!.value;
        const listed = new Map<string, { id: string; v: string; m: Record<string, unknown> }>(
          found.items.map((it: { id: string }) => [it.id, it]),
        );
        expect([...expected.keys()].filter((id) => !listed.has(id)), 'lost').toEqual([]);
        expect([...listed.keys()].filter((id) => !expected.has(id)), 'phantom').toEqual([]);
        const damaged = [...expected].filter(([id, want]) => {
          const it = listed.get(id)!;
          return itemDifference({ id: it.id, vector: decode(it.v), metadata: it.m }, id, want) !== '';
        });
        expect(damaged.map(([id]) => id), 'damaged').toEqual([]);
        expect(found.verify.consistent, JSON.stringify(found.verify)).toBe(true);
        expect(found.notFoundWideEf, 'items a query by their own vector does not find').toEqual([]);
      }
    } finally {
      tmp.cleanup();
    }
  }, (LONG ? 4 * 3600 : 300) * 1000);
});

function decode(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}
