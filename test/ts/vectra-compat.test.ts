// Vectra 0.15 API shapes that live outside the backend contract: the positional constructor
// (folderPath, indexName, storage, codec, options), in-memory storage, the storage getter, and
// errors that Vectra-style assertions accept. Run on the Node entry points (native and WASM).

import { deepStrictEqual, rejects } from 'node:assert';
import { existsSync } from 'node:fs';

import { describe, expect, test } from 'vitest';

import { LocalIndex as NativeLocalIndex, QuiverError } from '../../ts/src/index.js';
import { LocalIndex as WasmLocalIndex } from '../../ts/src/wasm.js';
import { useTempIndexes } from './helpers.js';

/** Stands in for Vectra's VirtualFileStorage: Quiver recognises it by its class name. */
class VirtualFileStorage {}

describe.each([
  ['native', NativeLocalIndex],
  ['wasm', WasmLocalIndex],
] as const)('Vectra 0.15 compatibility (%s)', (_name, LocalIndex) => {
  const { path, track } = useTempIndexes();

  test('errors pass assert.rejects(p, new Error(message)) and keep code and class', async () => {
    const index = track(new LocalIndex(path('i')));
    await index.createIndex();
    await rejects(index.createIndex(), new Error('Index already exists'));
    await rejects(index.batchInsertItems([{ id: 'x' }]), { name: 'Error', message: 'Vector is required' });
    const err = await index.createIndex().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QuiverError);
    expect((err as QuiverError).code).toBe('ALREADY_EXISTS');
  });

  test('positional constructor: indexName, storage, codec, options are accepted', async () => {
    const folder = path('p');
    const index = track(new LocalIndex(folder, 'custom.json', undefined, undefined, { bm25Factory: () => ({}) }));
    expect(index.indexName).toBe('custom.json');
    expect(index.storage).toBeTruthy();
    await index.createIndex();
    await index.insertItem({ id: 'a', vector: [1, 2] });
    expect(existsSync(folder)).toBe(true);
    const other = track(new LocalIndex(folder));
    expect((await other.listItems()).map((i) => i.id)).toEqual(['a']);
  });

  test('in-memory storage: VirtualFileStorage or mem:// paths, shared per storage object', async () => {
    const storage = new VirtualFileStorage();
    const index = track(new LocalIndex('mem://idx', undefined, storage));
    expect(index.storage).toBe(storage);
    await index.createIndex({ version: 3, metadata_config: { indexed: ['t'] } });
    await index.insertItem({ id: 'a', vector: [1], metadata: { t: 'x', other: 'y' } });
    deepStrictEqual(await index.getIndexStats(), { version: 3, metadata_config: { indexed: ['t'] }, items: 1 });
    // Same storage object and path: the same index. Another storage object: another index.
    const same = track(new LocalIndex('mem://idx', undefined, storage));
    expect((await same.getItem('a'))?.metadata).toEqual({ t: 'x', other: 'y' });
    const fresh = track(new LocalIndex('mem://idx', undefined, new VirtualFileStorage()));
    expect(await fresh.isIndexCreated()).toBe(false);
    // Nothing was written under the folder path given.
    expect(existsSync('mem:')).toBe(false);
  });
});
