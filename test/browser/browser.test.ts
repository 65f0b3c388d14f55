// quiverdb/browser in a real headless Chromium: persistence in IndexedDB across a page reload,
// one tab at a time per index, the same errors as in Node, and a page that keeps running while
// the worker inserts. Pages load the built package (dist/), like an app would.

import { join } from 'node:path';

import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';

import { nodeBackend } from '../../ts/src/backends/node.js';
import { wasmNodeBackend } from '../../ts/src/backends/wasm-node.js';
import { LocalIndex } from '../../ts/src/local-index.js';
import { makeTempDir } from '../ts/helpers.js';
import {
  assertBuilt,
  call,
  launchBrowser,
  openTestPage,
  recordConsole,
  repoRoot,
  serveStatic,
  waitReady,
} from './harness.js';

type Hits = Record<string, [string, number][]>;
interface Verification {
  listed: number;
  stats: number;
  mismatches: string[];
  missing: string[];
}
interface CallResult {
  ok: boolean;
  code?: string;
  message?: string;
  quiverError?: boolean;
}

let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
let server: Awaited<ReturnType<typeof serveStatic>> | undefined;
let pages: Page[] = [];
const logs: string[] = [];

beforeAll(async () => {
  assertBuilt();
  server = await serveStatic(repoRoot, 'test/browser/fixtures/index.html');
  browser = await launchBrowser();
});

beforeEach((context) => {
  // A broken worker or page usually says why only in the browser console: show it on failure.
  context.onTestFailed(() => {
    if (logs.length > 0)
      console.error(`browser console of "${context.task.name}":\n${logs.join('\n')}`);
  });
});

afterEach(async () => {
  // Close the test's pages whatever happened (the browser itself is closed in afterAll).
  for (const page of pages) await page.close().catch(() => {});
  pages = [];
  logs.length = 0;
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function newPage(): Promise<Page> {
  const page = await browser!.context.newPage();
  pages.push(page);
  recordConsole(page, logs);
  await openTestPage(page, server!.url);
  return page;
}

describe('quiverdb/browser in headless Chromium', () => {
  test('10,000 items survive a page reload: every item and the same top-k', async () => {
    const count = 10_000;
    const dims = 32;
    const page = await newPage();
    expect(await call<number>(page, 'fill', 'persist', count, dims)).toBe(count);
    const before = await call<Hits>(page, 'queries', 'persist', dims);
    expect(before.nearest[0]).toEqual(['item-1234', expect.closeTo(1, 5)]);
    expect(before.filtered).toHaveLength(10);
    for (const [id] of before.filtered) {
      const n = Number(id.slice('item-'.length));
      expect(n % 10 === 3 || n % 10 === 7).toBe(true);
      expect(n).toBeGreaterThanOrEqual(5000);
    }
    expect(before.byText.map(([id]) => Number(id.slice(5)) % 2)).toEqual([1, 1, 1, 1, 1]);

    // Reload without closing the index: only what IndexedDB holds comes back, and the HNSW graph
    // (never saved, since the index was not closed) is rebuilt from the database.
    await page.reload();
    await waitReady(page);
    const afterReload = await call<Verification>(page, 'verifyAll', 'persist', count, dims);
    expect(afterReload).toEqual({ listed: count, stats: count, mismatches: [], missing: [] });
    expect(await call<Hits>(page, 'queries', 'persist', dims)).toEqual(before);

    // Close (saves the graph), reload again: the saved graph answers the same.
    await call(page, 'closeIndex', 'persist');
    await page.reload();
    await waitReady(page);
    expect(await call<Hits>(page, 'queries', 'persist', dims)).toEqual(before);
    expect((await call<Verification>(page, 'verifyAll', 'persist', count, dims)).listed).toBe(
      count,
    );
  }, 120_000);

  test('queryStream in the worker: for await batches, best first, no repeats, break frees it', async () => {
    const page = await newPage();
    const dims = 16;
    expect(await call(page, 'fill', 'stream', 3000, dims)).toBe(3000);
    const r = await call<{ streamed: [string, number][][]; top: [string, number][]; openStreams: number }>(
      page, 'streamThenBreak', 'stream', dims, 100, 5);
    expect(r.streamed.map((b) => b.length)).toEqual([100, 100, 100, 100, 100]);
    const all = r.streamed.flat();
    expect(new Set(all.map(([id]) => id)).size).toBe(all.length);
    for (let i = 1; i < all.length; i++) expect(all[i]![1]).toBeLessThanOrEqual(all[i - 1]![1]);
    // The first batch is the same search as queryItems(topK = batchSize) (a near-tie may differ).
    const topIds = new Set(r.top.map(([id]) => id));
    expect(r.streamed[0]!.filter(([id]) => topIds.has(id)).length).toBeGreaterThanOrEqual(98);
    expect(r.openStreams).toBe(0);
  });

  test('an index open in one page is BUSY in another until the first closes it', async () => {
    const first = await newPage();
    const second = await newPage();
    expect(await call<number>(first, 'fill', 'shared', 10, 8)).toBe(10);

    const busy = await call<CallResult>(second, 'openIndex', 'shared');
    expect(busy).toEqual({
      ok: false,
      code: 'BUSY',
      message: 'index "shared" is open in another tab or worker; close it there first',
      quiverError: true,
    });

    await call(first, 'closeIndex', 'shared');
    expect(await call<CallResult>(second, 'openIndex', 'shared')).toEqual({ ok: true, items: 10 });
    // ...and now the first page is the one kept out.
    expect(await call<CallResult>(first, 'openIndex', 'shared')).toMatchObject({ code: 'BUSY' });
  }, 60_000);

  test('writes reach IndexedDB with strict durability unless relaxed is asked for', async () => {
    const page = await newPage();
    expect(await call(page, 'durabilityModes', 'durability')).toEqual({
      default: ['strict'],
      relaxed: ['relaxed'],
    });
  });

  describe('bad input gives the same errors as in Node', () => {
    // Calls run in order on a 3-d cosine index holding item "a". '__NaN__' stands for NaN.
    const calls = [
      { method: 'insertItem', args: [{ id: 'short', vector: [1, 0] }] },
      { method: 'insertItem', args: [{ id: 'nan', vector: [1, '__NaN__', 0] }] },
      { method: 'queryItems', args: [[1, 0, 0], 3, { price: { $near: 3 } }] },
      { method: 'insertItem', args: [{ id: 'a', vector: [0, 1, 0] }] },
      { method: 'queryItems', args: [[1, 0], 3] },
      { method: 'queryItems', args: [[1, 0, 0], 0] },
      { method: 'insertItem', args: [{ id: 'novector' }] },
      { method: 'listItemsByMetadata', args: [{ $and: 5 }] },
      {
        method: 'batchInsertItems',
        args: [
          [
            { id: 'b', vector: [0, 1, 0] },
            { id: 'c', vector: [0, 0, '__NaN__'] },
          ],
        ],
      },
      { method: 'upsertItem', args: [{ id: 'z', vector: [0, 0, 0] }] },
      { method: 'beginUpdate', args: [] },
      { method: 'beginUpdate', args: [] },
      { method: 'cancelUpdate', args: [] },
      { method: 'createIndex', args: [{ version: 1, dimensions: 3 }] },
    ];
    // What Node answers, spelled out, so that the test fails if both sides regress together.
    const expected = [
      { ok: false, code: 'DIMENSION_MISMATCH' },
      { ok: false, code: 'INVALID_ARGUMENT' },
      { ok: false, code: 'INVALID_ARGUMENT' },
      { ok: false, code: 'ALREADY_EXISTS', message: 'Item with id a already exists' },
      { ok: false, code: 'DIMENSION_MISMATCH' },
      { ok: false, code: 'INVALID_ARGUMENT' },
      { ok: false, code: 'INVALID_ARGUMENT', message: 'Vector is required' },
      { ok: false, code: 'INVALID_ARGUMENT' },
      { ok: false, code: 'INVALID_ARGUMENT' },
      { ok: false, code: 'INVALID_ARGUMENT' },
      { ok: true },
      { ok: false, code: 'INVALID_STATE', message: 'Update already in progress' },
      { ok: true },
      { ok: false, code: 'ALREADY_EXISTS', message: 'Index already exists' },
    ];

    async function inNode(
      backend: typeof nodeBackend,
    ): Promise<{ results: CallResult[]; ids: string[] }> {
      const tmp = makeTempDir();
      const index = new LocalIndex(join(tmp.path, 'index'), undefined, { backend });
      try {
        await index.createIndex({ version: 1, dimensions: 3 });
        await index.insertItem({ id: 'a', vector: [1, 0, 0], metadata: { price: 3 } });
        const results: CallResult[] = [];
        for (const { method, args } of calls) {
          try {
            await (index as any)[method](...decodeNaN(args));
            results.push({ ok: true });
          } catch (err) {
            const { code, message } = err as { code?: string; message?: string };
            results.push({ ok: false, code, message, quiverError: true });
          }
        }
        return { results, ids: (await index.listItems()).map((item) => item.id) };
      } finally {
        await index.close();
        tmp.cleanup();
      }
    }

    test.each(['worker', 'in-thread'])(
      '%s backend',
      async (mode) => {
        const page = await newPage();
        const browserSide = await call<{ results: CallResult[]; ids: string[] }>(
          page,
          'runCalls',
          `errors-${mode}`,
          mode,
          calls,
        );
        expect(browserSide.results).toMatchObject(expected);
        expect(browserSide.ids).toEqual(['a']); // nothing invalid was written
        for (const result of browserSide.results) {
          if (!result.ok) expect(result.quiverError).toBe(true);
        }
        for (const backend of [nodeBackend, wasmNodeBackend]) {
          expect(browserSide, `same as Node's ${backend.name} backend`).toEqual(
            await inNode(backend),
          );
        }
      },
      60_000,
    );
  });

  test('in worker mode, page timers keep firing during a 20,000-vector insert', async () => {
    const page = await newPage();
    const worker = await call<TimerRun>(page, 'timerDuringInsert', 'timers', 20_000, 32, 'worker');
    expect(worker.items).toBe(20_000);
    // Ticks during the first half of the insert, i.e. while the core was still inserting.
    expect(ticksInFirstHalf(worker)).toBeGreaterThan(0);

    // Control: the in-thread backend blocks the page for the whole insert, so the same check
    // sees no tick before the core returns (this is why pages default to the worker).
    const inThread = await call<TimerRun>(
      page,
      'timerDuringInsert',
      'timers-in-thread',
      5_000,
      32,
      'in-thread',
    );
    expect(inThread.items).toBe(5_000);
    expect(ticksInFirstHalf(inThread)).toBe(0);
  }, 120_000);
});

interface TimerRun {
  start: number;
  end: number;
  ticks: number[];
  items: number;
}

function ticksInFirstHalf(run: TimerRun): number {
  const middle = run.start + (run.end - run.start) / 2;
  return run.ticks.filter((t) => t > run.start && t < middle).length;
}

function decodeNaN(value: unknown): any {
  if (value === '__NaN__') return NaN;
  if (Array.isArray(value)) return value.map(decodeNaN);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decodeNaN(v)]));
  }
  return value;
}
