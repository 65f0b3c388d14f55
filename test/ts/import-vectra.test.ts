// importVectraIndex on folders written by Vectra 0.15.0 itself (JSON and protobuf codecs,
// external metadata files), on the native and the WASM build.

import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { nodeBackend } from '../../ts/src/backends/node.js';
import { wasmNodeBackend } from '../../ts/src/backends/wasm-node.js';
import { LocalIndex, importVectraIndex } from '../../ts/src/index.js';
import { makeTempDir } from './helpers.js';
import { loadVectra, type Vectra } from './vectra-oracle.js';

let vectra: Vectra;
let tmp: ReturnType<typeof makeTempDir>;
beforeAll(() => {
  vectra = loadVectra();
  tmp = makeTempDir();
}, 300_000);
afterAll(() => tmp.cleanup());

// Float32-exact components, so that Vectra's doubles and Quiver's floats are the same numbers.
const items = Array.from({ length: 57 }, (_, i) => ({
  id: `item-${i}`,
  vector: [((i * 7) % 16) / 8 - 1, ((i * 3) % 8) / 4, (i % 5) / 2 + 0.5, 0.25],
  metadata: {
    category: ['food', 'drink', 'tools'][i % 3],
    price: i * 1.5,
    inStock: i % 2 === 0,
    title: `Title ${i} — ünïcödé`,
  },
}));

async function writeVectraFolder(name: string, codec?: unknown): Promise<string> {
  const folder = join(tmp.path, name);
  const index = new vectra.LocalIndex(folder, undefined, undefined, codec);
  await index.createIndex({ version: 1, metadata_config: { indexed: ['category'] } });
  await index.batchInsertItems(items);
  await index.insertItem({ id: 'plain', vector: [1, 0, 0, 0] }); // no metadata at all
  return folder;
}

describe.each([nodeBackend, wasmNodeBackend])('importVectraIndex ($name)', (backend) => {
  test.each([
    ['json', 'index.json', () => undefined],
    ['protobuf', 'index.pb', () => new vectra.ProtobufCodec()],
  ])('a %s-coded Vectra folder imports losslessly', async (codecName, file, codec) => {
    const source = await writeVectraFolder(`vectra-${codecName}-${backend.name}`, codec());
    expect(existsSync(join(source, file))).toBe(true);
    const progress: [number, number][] = [];
    const target = join(tmp.path, `quiver-${codecName}-${backend.name}`);
    const result = await importVectraIndex(source, target, {
      backend,
      batchSize: 20,
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(result).toEqual({ items: items.length + 1, source: file });
    expect(progress).toEqual([[20, 58], [40, 58], [58, 58]]);

    const quiver = new LocalIndex(target, undefined, { backend });
    const theirs = new vectra.LocalIndex(source, undefined, undefined, codec());
    try {
      expect(await quiver.getIndexStats()).toEqual(await theirs.getIndexStats());
      const byId = new Map((await quiver.listItems()).map((i) => [i.id, i]));
      expect(byId.size).toBe(items.length + 1);
      for (const item of items) {
        expect(byId.get(item.id)?.vector).toEqual(item.vector);
        // Vectra keeps non-indexed metadata in a separate file; Quiver gets all of it.
        expect(byId.get(item.id)?.metadata).toEqual(item.metadata);
      }
      expect(byId.get('plain')?.metadata).toEqual({});
      const query = [0.5, 1, 1.5, 0.25];
      const ours = await quiver.queryItems(query, 5);
      const reference = await theirs.queryItems(query, '', 5);
      expect(ours.map((r) => r.item.id)).toEqual(reference.map((r: { item: { id: string } }) => r.item.id));
      expect(ours[0].item.metadata).toEqual(reference[0].item.metadata);
    } finally {
      await quiver.close();
    }
  }, 120_000);

  test('a Vectra item Quiver cannot store stops the import before anything is created', async () => {
    const source = join(tmp.path, `vectra-empty-${backend.name}`);
    const index = new vectra.LocalIndex(source);
    await index.createIndex();
    await index.batchInsertItems([{ id: 'ok', vector: [1, 2] }, { id: 'hollow', vector: [0, 0] }]);
    const target = join(tmp.path, `quiver-empty-${backend.name}`);
    await expect(importVectraIndex(source, target, { backend })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('"hollow"'),
    });
    expect(existsSync(target)).toBe(false);
    await expect(importVectraIndex(join(tmp.path, 'nothing-here'), target, { backend })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  test('items Vectra stored with an empty vector import as they are, and are never vector hits', async () => {
    const source = join(tmp.path, `vectra-vectorless-${backend.name}`);
    const index = new vectra.LocalIndex(source);
    await index.createIndex();
    await index.batchInsertItems([
      { id: 'a', vector: [1, 0], metadata: { kind: 'x' } },
      { id: 'hollow', vector: [], metadata: { kind: 'x' } },
    ]);
    const target = join(tmp.path, `quiver-vectorless-${backend.name}`);
    await importVectraIndex(source, target, { backend });
    const quiver = new LocalIndex(target, undefined, { backend });
    try {
      expect(await quiver.getItem('hollow')).toEqual({ id: 'hollow', vector: [], norm: 0, metadata: { kind: 'x' } });
      expect((await quiver.queryItems([1, 0], '', 10)).map((r) => r.item.id)).toEqual(['a']);
      expect((await quiver.listItemsByMetadata({ kind: 'x' })).map((i) => i.id)).toEqual(['a', 'hollow']);
    } finally {
      await quiver.close();
    }
  });

  test('an existing Quiver index is kept unless overwrite is set', async () => {
    const source = await writeVectraFolder(`vectra-again-${backend.name}`);
    const target = join(tmp.path, `quiver-again-${backend.name}`);
    const existing = new LocalIndex(target, undefined, { backend });
    await existing.createIndex();
    await existing.insertItem({ id: 'mine', vector: [1, 2, 3, 4] });
    await existing.close();
    await expect(importVectraIndex(source, target, { backend })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    await importVectraIndex(source, target, { backend, overwrite: true });
    const after = new LocalIndex(target, undefined, { backend });
    expect((await after.getIndexStats()).items).toBe(items.length + 1);
    expect(await after.getItem('mine')).toBeUndefined();
    await after.close();
  });
});
