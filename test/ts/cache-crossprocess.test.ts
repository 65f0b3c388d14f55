// The query cache against another process's writes (native backend): an answer cached before
// another process committed is never served after it (the read first notices the commit through
// SQLite's data_version, catches up, and the cache sees the state moved).

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { beforeAll, expect, test } from 'vitest';

import { nodeBackend } from '../../ts/src/backends/node.js';
import { LocalIndex } from '../../ts/src/local-index.js';
import { randomVector, useTempIndexes } from './helpers.js';

const ROOT = join(import.meta.dirname, '..', '..');
const DIST_ENTRY = join(ROOT, 'dist', 'esm', 'index.js');

beforeAll(() => {
  if (!existsSync(DIST_ENTRY)) {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-ts.mjs')], { cwd: ROOT, stdio: 'inherit' });
  }
});

const temp = useTempIndexes();

/** Runs `body` (an async function of `index`) in a child process on the same folder. */
function inChild(folder: string, body: string): void {
  const script = `
    import { LocalIndex } from ${JSON.stringify(pathToFileURL(DIST_ENTRY).href)};
    const index = new LocalIndex(${JSON.stringify(folder)});
    await (${body})(index);
    await index.close();`;
  execFileSync(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' });
}

test('a cached answer is dropped when another process inserts, upserts or deletes', async () => {
  const folder = temp.path('index');
  const index = temp.track(new LocalIndex(folder, undefined, { backend: nodeBackend }));
  await index.createIndex({ version: 1, dimensions: 8 });
  await index.batchInsertItems(Array.from({ length: 100 }, (_, i) => ({ id: `i${i}`, vector: randomVector(8, i) })));
  const q = randomVector(8, 999);
  const ask = async () => {
    const cached = await index.query(q, { topK: 5 });
    const again = await index.query(q, { topK: 5 });
    const uncached = await index.query(q, { topK: 5, explain: true });
    expect(again.map((h) => [h.item.id, h.score, h.item.metadata])).toEqual(uncached.map((h) => [h.item.id, h.score, h.item.metadata]));
    expect(cached.map((h) => h.item.id)).toEqual(uncached.map((h) => h.item.id));
    return uncached;
  };
  const before = await ask();
  expect((await index.getPerformanceMetrics()).cache.hits).toBeGreaterThan(0);
  const qText = JSON.stringify(Array.from(q));
  inChild(folder, `async (index) => index.insertItem({ id: 'other', vector: ${qText}, metadata: { by: 'child' } })`);
  expect((await ask())[0]!.item).toMatchObject({ id: 'other', metadata: { by: 'child' } });
  inChild(folder, `async (index) => index.upsertItem({ id: 'other', vector: ${qText}, metadata: { by: 'child', v: 2 } })`);
  expect((await ask())[0]!.item.metadata).toEqual({ by: 'child', v: 2 });
  inChild(folder, `async (index) => index.deleteItem('other')`);
  expect((await ask()).map((h) => h.item.id)).toEqual(before.map((h) => h.item.id));
});
