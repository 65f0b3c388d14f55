// Each entry point's LocalIndex and LocalDocumentIndex (built by ts/src/entry-point.ts) run on
// that entry's default backend and handle in-memory indexes the entry's way.

import 'fake-indexeddb/auto';

import { describe, expect, test } from 'vitest';

import { browserBackend } from '../../ts/src/browser/in-thread.js';
import * as browserEntry from '../../ts/src/browser.js';
import { nodeDefaultBackend } from '../../ts/src/backends/node-default.js';
import { wasmNodeBackend } from '../../ts/src/backends/wasm-node.js';
import * as nodeEntry from '../../ts/src/index.js';
import * as wasmEntry from '../../ts/src/wasm.js';
import { expectQuiverError, useTempIndexes } from './helpers.js';

const temp = useTempIndexes();

describe.each([
  ['quiverdb', nodeEntry, nodeDefaultBackend],
  ['quiverdb/wasm', wasmEntry, wasmNodeBackend],
] as const)('%s', (_name, entry, backend) => {
  test('both classes default to the entry backend', () => {
    expect(new entry.LocalIndex(temp.path('a')).storage).toBe(backend);
    expect(new entry.LocalDocumentIndex({ folderPath: temp.path('b') }).storage).toBe(backend);
  });

  test('both classes keep mem:// indexes in a private folder', async () => {
    const index = new entry.LocalIndex(`mem://${_name}/idx`);
    await index.createIndex({ version: 1, dimensions: 2 });
    await index.insertItem({ id: 'a', vector: [1, 0] });
    expect((await index.listItems()).map((item) => item.id)).toEqual(['a']);
    await index.close();
    const documents = new entry.LocalDocumentIndex({ folderPath: `mem://${_name}/docs` });
    await documents.createIndex({ version: 1, dimensions: 2 });
    expect(await documents.isIndexCreated()).toBe(true);
    await documents.close();
  });
});

describe('quiverdb/browser (outside a page: the in-thread backend)', () => {
  test('both classes default to the in-thread backend and refuse in-memory indexes', async () => {
    expect(new browserEntry.LocalIndex('idx').storage).toBe(browserBackend);
    expect(new browserEntry.LocalDocumentIndex({ folderPath: 'docs' }).storage).toBe(browserBackend);
    for (const make of [
      () => new browserEntry.LocalIndex('mem://x'),
      () => new browserEntry.LocalDocumentIndex({ folderPath: 'mem://x' }),
    ]) {
      await expectQuiverError(
        Promise.resolve().then(make),
        'INVALID_ARGUMENT',
        'in-memory indexes are not available in this build',
      );
    }
  });
});
