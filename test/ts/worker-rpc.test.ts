// The worker backend's RPC (ts/src/browser/rpc.ts, worker-backend.ts, worker-host.ts) in Node:
// the page side and the host side joined by a real MessageChannel (structured clone and
// transfer, as between a page and its worker), the host serving the native backend. Chromium
// runs the same code in its real worker in test/browser.

import { fileURLToPath } from 'node:url';

import ts from 'typescript';
import { afterEach, describe, expect, test } from 'vitest';

import type { Backend } from '../../ts/src/backend.js';
import { nodeBackend } from '../../ts/src/backends/node.js';
import { compactViews, transferables } from '../../ts/src/browser/rpc.js';
import { createWorkerBackend } from '../../ts/src/browser/worker-backend.js';
import { LocalIndex } from '../../ts/src/local-index.js';
import { expectQuiverError, randomVector, useTempIndexes } from './helpers.js';
import { type LoopbackWorker, loopbackWorker } from './loopback-worker.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A loopback worker (loopback-worker.ts), terminated after the test. */
function loopback(backend: Backend): LoopbackWorker {
  const made = loopbackWorker(backend);
  cleanups.push(() => made.worker.terminate());
  return made;
}

const temp = useTempIndexes();
let folders = 0;
const tempFolder = (): string => temp.path(`index-${++folders}`);

describe('worker RPC over a MessageChannel', () => {
  test('every LocalIndex call answers as on the backend itself', async () => {
    const { worker } = loopback(nodeBackend);
    const remote = createWorkerBackend({ createWorker: () => worker });
    const run = async (backend: Backend) => {
      const index = new LocalIndex(tempFolder(), undefined, { backend });
      await index.createIndex({ version: 1, dimensions: 4, metadata_config: { indexed: ['n'] } });
      await index.beginUpdate();
      for (let i = 0; i < 20; i++) {
        await index.insertItem({ id: `i${i}`, vector: randomVector(4, i), metadata: { n: i } });
      }
      await index.endUpdate();
      await index.upsertItem({ id: 'i3', vector: randomVector(4, 99), metadata: { n: 3 } });
      await index.deleteItem('i4');
      const out = {
        exists: await index.isIndexCreated(),
        stats: await index.getIndexStats(),
        get: await index.getItem('i3'),
        missing: await index.getItem('nope'),
        list: await index.listItemsByMetadata({ n: { $lt: 5 } }),
        hits: await index.queryItems(randomVector(4, 7), 5, { n: { $gte: 2 } }),
        count: await index.countItems({ n: { $lt: 10 } }),
        deleted: await index.deleteItemsByMetadata({ n: { $gte: 15 } }),
        left: await index.countItems(),
      };
      await index.close();
      return out;
    };
    const direct = await run(nodeBackend);
    const viaRpc = await run(remote);
    expect(viaRpc).toEqual(direct);
    expect(viaRpc.hits.map((h) => h.item.id)).toContain('i7');
    expect([viaRpc.count, viaRpc.deleted, viaRpc.left]).toEqual([9, 5, 14]);
  });

  test('errors keep their code and class; the caller keeps its vectors', async () => {
    const { worker } = loopback(nodeBackend);
    const backend = createWorkerBackend({ createWorker: () => worker });
    const index = new LocalIndex(tempFolder(), undefined, { backend });
    await index.createIndex({ version: 1, dimensions: 3 });
    const vector = new Float32Array([1, 0, 0]);
    await index.insertItem({ id: 'a', vector });
    await expectQuiverError(index.insertItem({ id: 'a', vector }), 'ALREADY_EXISTS');
    await expectQuiverError(index.queryItems([1, 0], 1), 'DIMENSION_MISMATCH');
    await index.queryItems(vector, 1);
    // Requests are cloned, not transferred: the app's array is still whole.
    expect(Array.from(vector)).toEqual([1, 0, 0]);
    await index.close();
  });

  test('a vector viewing part of a large buffer reaches the worker as its own range', async () => {
    const { worker } = loopback(nodeBackend);
    const backend = createWorkerBackend({ createWorker: () => worker });
    const index = new LocalIndex(tempFolder(), undefined, { backend });
    await index.createIndex({ version: 1, dimensions: 3, metric: 'l2' });
    // An app's matrix of embeddings (4 MB), rows taken with subarray().
    const matrix = new Float32Array(1 << 20);
    for (let i = 0; i < matrix.length; i++) matrix[i] = (i % 7) - 3;
    const row = (i: number) => matrix.subarray(3 * i, 3 * i + 3);
    await index.insertItems([0, 1, 2].map((i) => ({ id: `r${i}`, vector: row(i) })));
    const hits = await index.queryItems(row(1), 3);
    expect(hits.map((h) => [h.item.id, h.item.vector, h.score])).toEqual([
      ['r1', Array.from(row(1)), 0],
      ...hits.slice(1).map((h) => [h.item.id, Array.from(row(Number(h.item.id.slice(1)))), h.score]),
    ]);
    expect(matrix.length).toBe(1 << 20); // cloned from, never transferred away
    await index.close();
  });

  test('result buffers are transferred, not copied', async () => {
    const { worker, transfers } = loopback(nodeBackend);
    const backend = createWorkerBackend({ createWorker: () => worker });
    const index = new LocalIndex(tempFolder(), undefined, { backend });
    await index.createIndex({ version: 1, dimensions: 3 });
    await index.insertItem({ id: 'a', vector: [1, 2, 3] });
    transfers.length = 0;
    const item = await index.getItem('a');
    expect(item?.vector).toEqual([1, 2, 3]);
    expect(transfers.flat().length).toBeGreaterThan(0);
    await index.close();
  });

  test('the forwarder is not a thenable and rejects calls the contract does not have', async () => {
    const { worker } = loopback(nodeBackend);
    const backend = createWorkerBackend({ createWorker: () => worker });
    const folder = tempFolder();
    await backend.create(folder, JSON.stringify({ dimensions: 2 }), false);
    // `await` would hang or misfire if `then` were forwarded like a method.
    const index = await backend.open(folder);
    expect((index as unknown as { then?: unknown }).then).toBeUndefined();
    expect(JSON.stringify({ index })).toBe('{"index":{}}');
    const unknown = (index as unknown as { drop(): Promise<void> }).drop();
    await expectQuiverError(unknown, 'INTERNAL', 'unknown call drop');
    await index.close();
    await expectQuiverError(index.stats(), 'CLOSED', 'the index is closed');
  });
});

describe('transferables', () => {
  test('finds every buffer behind views, raw buffers and nested results, once each', () => {
    const shared = new ArrayBuffer(32);
    const a = new Float32Array(shared, 0, 4);
    const b = new Uint8Array(shared, 16, 16);
    const own = new Float32Array([1, 2]);
    const raw = new ArrayBuffer(8);
    const found = transferables({ hits: [{ vector: a }, { vector: own }], packed: { b, raw }, n: 3 });
    expect(new Set(found)).toEqual(new Set([shared, own.buffer, raw]));
    expect(found).toHaveLength(3);
    expect(transferables('text')).toEqual([]);
    expect(transferables(undefined)).toEqual([]);
  });

  test('compactViews copies partial views only, and their containers only when needed', () => {
    const big = new Float32Array(1000).map((_, i) => i);
    const part = big.subarray(10, 13);
    const whole = new Float32Array([1, 2]);
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const items = [{ id: 'a', vector: part }, { id: 'b', vector: whole }];
    const args = [items, 'options', flag];
    const out = compactViews(args);
    expect(out).not.toBe(args);
    expect(out[1]).toBe('options');
    expect(out[2]).toBe(flag); // shared memory stays shared
    const copied = (out[0] as typeof items)[0].vector;
    expect(Array.from(copied)).toEqual([10, 11, 12]);
    expect(copied.buffer.byteLength).toBe(12);
    expect((out[0] as typeof items)[1]).toBe(items[1]); // nothing inside it changed
    expect(items[0].vector).toBe(part); // the caller's arguments are untouched
    const plain = [{ id: 'c', vector: whole }, 'x'];
    expect(compactViews(plain)).toBe(plain);
    // The same view twice: one copy, used at both places.
    const twice = compactViews([{ vector: part }, { vector: part }]);
    expect(twice[0].vector).not.toBe(part);
    expect(twice[1].vector).toBe(twice[0].vector);
  });

  test('leaves SharedArrayBuffers (which cannot be transferred) out', () => {
    const view = new Float32Array(new SharedArrayBuffer(16));
    expect(transferables([view])).toEqual([]);
  });
});

test('messages are typed from the Backend contract: wrong calls do not compile', () => {
  const fixture = fileURLToPath(new URL('./fixtures/rpc-types.ts', import.meta.url));
  // Declares the wasm glue module that ts/src/browser imports (built into dist/, not in ts/src).
  const glue = fileURLToPath(new URL('../../ts/src/browser/quiver-module.d.ts', import.meta.url));
  const program = ts.createProgram([fixture, glue], {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
  });
  const messages = ts
    .getPreEmitDiagnostics(program)
    .map((d) => {
      const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
      return `${d.file?.fileName ?? ''}:${line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
  expect(messages).toEqual([]);
}, 60_000);
