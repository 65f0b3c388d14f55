// The graph file (shard-0.hnsw) has the same bytes whichever build wrote it: an index saved by
// the native addon reopens in the WASM build (wasm32: hnswlib's size_t fields and labels are 4
// bytes in memory there) without a rebuild, and the other way round. Before graph format 2 each
// build rejected the other's file, and the WASM build even its own, so every WASM reopen rebuilt
// the graph from SQLite.
import { afterEach, beforeEach, describe, expect, test } from 'vitest';

import type { Backend } from '../../ts/src/backend.js';
import { nodeBackend } from '../../ts/src/backends/node.js';
import { wasmNodeBackend } from '../../ts/src/backends/wasm-node.js';
import { LocalIndex } from '../../ts/src/local-index.js';
import { makeTempDir } from './helpers.js';

const DIMS = 16;
const COUNT = 300;

function vectorOf(i: number): number[] {
  return Array.from({ length: DIMS }, (_, d) => Math.sin(i * 7.1 + d * 1.3) + (d === i % DIMS ? 2 : 0));
}

async function write(folder: string, backend: Backend, metric: string): Promise<void> {
  const index = new LocalIndex(folder, undefined, { backend });
  await index.createIndex({ version: 1, dimensions: DIMS, metric } as never);
  await index.beginUpdate();
  for (let i = 0; i < COUNT; i++) await index.insertItem({ id: `item-${i}`, vector: vectorOf(i), metadata: { i } });
  await index.endUpdate();
  await index.close();
}

async function reopen(folder: string, backend: Backend): Promise<void> {
  const index = new LocalIndex(folder, undefined, { backend });
  const report = JSON.parse(await index.verify()) as { consistent: boolean; open: string };
  expect(report.open).toMatch(/^graph file loaded at write/);
  expect(report.consistent).toBe(true);
  for (const i of [0, 17, 299]) {
    const [hit] = await index.queryItems(vectorOf(i), 1);
    expect(hit?.item.id).toBe(`item-${i}`);
    // Vectors come back bit-exact from the graph (cosine too: stored as given plus its norm).
    expect(Array.from(hit!.item.vector)).toEqual(Array.from(Float32Array.from(vectorOf(i))));
  }
  await index.close();
}

describe('graph file portability between the native and the WASM build', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    tmp = makeTempDir('quiver-graph-port-');
  });
  afterEach(() => tmp.cleanup());

  for (const metric of ['cosine', 'l2']) {
    for (const [from, to] of [
      [nodeBackend, wasmNodeBackend],
      [wasmNodeBackend, nodeBackend],
      [wasmNodeBackend, wasmNodeBackend],
    ] as const) {
      test(`${metric}: written by ${from.name}, reopened by ${to.name}`, async () => {
        const folder = `${tmp.path}/idx`;
        await write(folder, from, metric);
        await reopen(folder, to);
      });
    }
  }
});
