// Keyword (BM25, SQLite FTS5) and hybrid (RRF) search through LocalIndex on every backend:
// Vectra's queryItems(..., isBm25 = true) semantics and Quiver's query(vector, { text, hybrid }).


import { describe, expect, test } from 'vitest';

import type { Backend } from '../../ts/src/backend.js';
import { LocalDocumentIndex } from '../../ts/src/document/local-document-index.js';
import type { LocalIndex } from '../../ts/src/local-index.js';
import { type AnyMetadata, backends, createLocalIndex } from './backends.js';
import { TestEmbeddings } from './fixtures/test-embeddings.js';
import { expectQuiverError, useTempIndexes } from './helpers.js';

const ITEMS: { id: string; vector: number[]; metadata: AnyMetadata }[] = [
  { id: 'espresso', vector: [1, 0, 0], metadata: { body: 'Espresso is strong coffee', kind: 'drink' } },
  { id: 'latte', vector: [0.9, 0.1, 0], metadata: { body: 'A latte is coffee with milk', kind: 'drink' } },
  { id: 'rocket', vector: [0, 1, 0], metadata: { body: 'Rockets burn fuel', kind: 'space' } },
  { id: 'crème', vector: [0, 0.9, 0.1], metadata: { body: 'Crème brûlée with café au lait and coffee', kind: 'food' } },
  { id: 'silent', vector: [0, 0, 1], metadata: { kind: 'food' } },
];

describe.each(backends)('keyword and hybrid search on the $name backend', (backend: Backend) => {
  const temp = useTempIndexes();

  async function filled(): Promise<LocalIndex<AnyMetadata>> {
    const index = temp.track(createLocalIndex(backend, temp.path('kw')));
    await index.createIndex({ version: 1, text: { field: 'body' } });
    await index.batchInsertItems(ITEMS);
    return index;
  }

  test('queryItems isBm25: semantic top-K, then keyword hits not already there, marked isBm25', async () => {
    const index = await filled();
    const results = await index.queryItems([0, 1, 0], 'coffee', 2, undefined, true);
    const semantic = await index.queryItems([0, 1, 0], 2);
    expect(results.slice(0, 2)).toEqual(semantic);
    expect(semantic.map((r) => r.item.id)).toEqual(['rocket', 'crème']);
    // "crème" also mentions coffee but is already a semantic hit: not repeated.
    const appended = results.slice(2);
    expect(appended.map((r) => r.item.id).sort()).toEqual(['espresso', 'latte']);
    for (const r of appended) {
      expect(r.item.metadata.isBm25).toBe(true);
      expect(r.score).toBeGreaterThan(0);
      expect(r.textScore).toBe(r.score);
    }
    for (const r of results.slice(0, 2)) expect(r.item.metadata.isBm25).toBeUndefined();
    // The stored metadata is untouched.
    expect((await index.getItem('espresso'))?.metadata).toEqual(ITEMS[0].metadata);
  });

  test('keyword search folds case and diacritics and honours filters', async () => {
    const index = await filled();
    const cafe = await index.query(null, { topK: 5, text: 'CAFE' });
    expect(cafe.map((r) => r.item.id)).toEqual(['crème']);
    const coffee = await index.query(null, { topK: 5, text: 'coffee', filter: { kind: 'drink' } });
    expect(coffee.map((r) => r.item.id).sort()).toEqual(['espresso', 'latte']);
    expect(await index.query(null, { topK: 5, text: 'nothing-matches-this' })).toEqual([]);
  });

  test('hybrid query fuses both rankings with RRF and reports both scores', async () => {
    const index = await filled();
    const hits = await index.query([0, 1, 0], { topK: 3, text: 'coffee', hybrid: { method: 'rrf', k: 60 } });
    // The same fusion computed here from the two separate rankings.
    const byVector = (await index.queryItems([0, 1, 0], 5)).map((r) => r.item.id);
    const byText = (await index.query(null, { topK: 5, text: 'coffee' })).map((r) => r.item.id);
    const fused = new Map<string, number>();
    byVector.forEach((id, i) => fused.set(id, (fused.get(id) ?? 0) + 1 / (61 + i)));
    byText.forEach((id, i) => fused.set(id, (fused.get(id) ?? 0) + 1 / (61 + i)));
    const expected = [...fused].sort((a, b) => b[1] - a[1] || byVector.indexOf(a[0]) - byVector.indexOf(b[0])).slice(0, 3);
    expect(hits.map((h) => h.item.id)).toEqual(expected.map(([id]) => id));
    hits.forEach((h, i) => expect(h.score).toBeCloseTo(expected[i][1], 6));
    // "crème" is 2nd by vector and matches "coffee": it leads, with both parts reported.
    expect(hits[0].item.id).toBe('crème');
    expect(hits[0].vectorScore).toBeGreaterThan(0);
    expect(hits[0].textScore).toBeGreaterThan(0);
    // Weight 0 on text: the vector ranking alone.
    const vectorOnly = await index.query([0, 1, 0], { topK: 3, text: 'coffee', hybrid: { weights: { text: 0 } } });
    expect(vectorOnly.map((r) => r.item.id)).toEqual((await index.queryItems([0, 1, 0], 3)).map((r) => r.item.id));
  });

  test('the keyword index follows upserts and deletes; bad options are typed errors', async () => {
    const index = await filled();
    await index.upsertItem({ id: 'rocket', vector: [0, 1, 0], metadata: { body: 'Rockets drink coffee now' } });
    await index.deleteItem('espresso');
    const ids = (await index.query(null, { topK: 10, text: 'coffee' })).map((r) => r.item.id).sort();
    expect(ids).toEqual(['crème', 'latte', 'rocket']);
    await expectQuiverError(index.query([0, 1, 0], { topK: 3, text: 'x', hybrid: { method: 'linear' as 'rrf' } }), 'INVALID_ARGUMENT');
    await expectQuiverError(index.query([0, 1, 0], { topK: 0, text: 'x' }), 'INVALID_ARGUMENT');
    await expectQuiverError(
      createLocalIndex(backend, temp.path('bad')).createIndex({ version: 1, text: { field: 'a b' } }),
      'INVALID_ARGUMENT',
    );
  });

  test('LocalDocumentIndex: isBm25 finds chunks by their words', async () => {
    const docs = temp.track(
      new LocalDocumentIndex({
        folderPath: temp.path('docs'),
        embeddings: new TestEmbeddings(),
        chunkingConfig: { chunkSize: 12 },
        backend,
      }),
    );
    await docs.createIndex();
    expect((await docs.getIndexInfo()).text).toEqual({ field: 'quiver_doc.text' });
    await docs.upsertDocument('a.txt', 'Zebras graze on the savanna.\n\nLions hunt at night.');
    await docs.upsertDocument('b.txt', 'Compilers translate source code.\n\nLinkers join object files.');
    // One semantic chunk; the keyword half adds the other chunk naming one of the words.
    const results = await docs.queryDocuments('linkers lions', { maxDocuments: 2, maxChunks: 1, isBm25: true });
    const chunks = results.flatMap((d) => d.chunks.map((c) => ({ uri: d.uri, bm25: c.item.metadata.isBm25 === true })));
    expect(chunks).toHaveLength(2);
    expect(chunks.filter((c) => c.bm25)).toHaveLength(1);
    expect(chunks.map((c) => c.uri).sort()).toEqual(['a.txt', 'b.txt']);
    const without = await docs.queryDocuments('linkers lions', { maxDocuments: 2, maxChunks: 1 });
    expect(without.flatMap((d) => d.chunks)).toHaveLength(1);
  });
});
