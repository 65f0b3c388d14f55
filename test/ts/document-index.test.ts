// LocalDocumentIndex on every backend: documents -> chunks -> embeddings, stored with the index
// in one transaction per document; queries grouped by document; sections for prompts.

import { describe, expect, test } from 'vitest';

import type { Backend } from '../../ts/src/backend.js';
import { LocalDocumentIndex } from '../../ts/src/document/local-document-index.js';
import { QuiverError } from '../../ts/src/errors.js';
import { backends } from './backends.js';
import { TestEmbeddings } from './fixtures/test-embeddings.js';
import { useTempIndexes } from './helpers.js';

const CATS = [
  'Cats are small carnivorous mammals. Cats purr and sleep most of the day.',
  '',
  'A cat hunts mice and birds. Domestic cats live with people.',
].join('\n\n');
const ROCKETS = 'Rockets burn fuel to produce thrust.\n\nA rocket engine carries its own oxidizer.';

describe.each(backends)('LocalDocumentIndex on the $name backend', (backend: Backend) => {
  const temp = useTempIndexes();

  function newIndex(embeddings = new TestEmbeddings(), chunkSize = 16, name = 'docs'): LocalDocumentIndex {
    const index = new LocalDocumentIndex({
      folderPath: temp.path(name),
      embeddings,
      chunkingConfig: { chunkSize, chunkOverlap: 0 },
      backend,
    });
    return temp.track(index);
  }

  test('upsert, catalog, text and metadata round trip', async () => {
    const index = newIndex();
    await index.createIndex();
    const doc = await index.upsertDocument('docs/cats.md', CATS, undefined, { topic: 'animals' });
    await index.upsertDocument('docs/rockets.txt', ROCKETS);
    expect(await index.getDocumentId('docs/cats.md')).toBe(doc.id);
    expect(await index.getDocumentUri(doc.id)).toBe('docs/cats.md');
    expect(await index.getDocumentId('nope')).toBeUndefined();
    expect(await doc.loadText()).toBe(CATS);
    expect(await doc.loadMetadata()).toEqual({ topic: 'animals' });
    const stats = await index.getCatalogStats();
    expect(stats.documents).toBe(2);
    expect(stats.chunks).toBeGreaterThan(2);
    const listed = await index.listDocuments();
    expect(listed.map((d) => d.uri)).toEqual(['docs/cats.md', 'docs/rockets.txt']);
    for (const d of listed) {
      expect(await d.loadText()).toBe(d.uri.endsWith('.md') ? CATS : ROCKETS);
      for (const c of d.chunks) {
        expect(Object.keys(c.item.metadata)).not.toContain('quiver_doc');
        const text = (await d.loadText()).substring(c.item.metadata.startPos, c.item.metadata.endPos + 1);
        expect(text.trim().length).toBeGreaterThan(0);
      }
    }
    // Another instance on the same folder sees the same documents.
    const again = newIndex();
    expect((await again.listDocuments()).map((d) => d.uri)).toEqual(['docs/cats.md', 'docs/rockets.txt']);
  });

  test('queryDocuments ranks the matching document first; sections hold the matching text', async () => {
    const index = newIndex();
    await index.createIndex();
    await index.upsertDocument('cats.md', CATS);
    await index.upsertDocument('rockets.md', ROCKETS);
    const results = await index.queryDocuments('rocket engine thrust', { maxDocuments: 1 });
    expect(results.map((r) => r.uri)).toEqual(['rockets.md']);
    expect(results[0].score).toBeGreaterThan(0);
    const [section] = await results[0].renderSections(8, 1);
    expect(section.text).toMatch(/rocket|Rocket/);
    expect(section.tokenCount).toBeLessThanOrEqual(8);
    // The whole document fits in 1000 tokens: one section, the whole text, score 1.
    expect(await results[0].renderSections(1000, 3)).toEqual([
      { text: ROCKETS, tokenCount: await results[0].getLength(), score: 1, isBm25: false },
    ]);
    const all = await results[0].renderAllSections(1000);
    expect(all.map((s) => s.text).join('')).toContain('oxidizer');
    const filtered = await index.queryDocuments('rocket engine thrust', {
      filter: { documentId: (await index.getDocumentId('cats.md'))! },
    });
    expect(filtered.map((r) => r.uri)).toEqual(['cats.md']);
  });

  test('re-upserting replaces the chunks; unchanged content is not embedded again', async () => {
    const model = new TestEmbeddings();
    const index = newIndex(model);
    await index.createIndex();
    const first = await index.upsertDocument('a.txt', CATS);
    const chunksBefore = (await index.getCatalogStats()).chunks;
    const calls = model.calls.length;
    const same = await index.upsertDocument('a.txt', CATS);
    expect(same.id).toBe(first.id);
    expect(model.calls.length).toBe(calls);
    await index.upsertDocument('a.txt', CATS, undefined, undefined, { force: true });
    expect(model.calls.length).toBeGreaterThan(calls);
    expect((await index.getCatalogStats()).chunks).toBe(chunksBefore);
    await index.upsertDocument('a.txt', ROCKETS);
    expect(await index.getDocumentId('a.txt')).toBe(first.id);
    const stats = await index.getCatalogStats();
    expect(stats.documents).toBe(1);
    expect(stats.chunks).toBe((await index.listItems()).length);
    expect(await (await index.listDocuments())[0].loadText()).toBe(ROCKETS);
  });

  test('deleteDocument removes the document and its chunks', async () => {
    const index = newIndex();
    await index.createIndex();
    await index.upsertDocument('a.txt', CATS);
    await index.upsertDocument('b.txt', ROCKETS);
    await index.deleteDocument('a.txt');
    await index.deleteDocument('never-there.txt');
    expect(await index.getDocumentId('a.txt')).toBeUndefined();
    expect((await index.listDocuments()).map((d) => d.uri)).toEqual(['b.txt']);
    const b = await index.getDocumentId('b.txt');
    expect((await index.listItems()).every((i) => i.metadata.documentId === b)).toBe(true);
  });

  test('a failing embeddings model writes nothing and keeps the previous version', async () => {
    const model = new TestEmbeddings(20); // several batches per document
    const index = newIndex(model, 8);
    await index.createIndex();
    await index.upsertDocument('a.txt', CATS);
    const before = await index.listItems();
    model.failNext = 1;
    const err = await index.upsertDocument('a.txt', ROCKETS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QuiverError);
    expect((err as QuiverError).code).toBe('EMBEDDINGS');
    expect((err as QuiverError).message).toMatch(/model unavailable/);
    expect(await index.listItems()).toEqual(before);
    expect(await (await index.listDocuments())[0].loadText()).toBe(CATS);
  });

  test('a document whose chunks cannot be stored is not stored at all', async () => {
    const index = newIndex();
    await index.createIndex({ version: 1, dimensions: 3 }); // the model makes 64-d vectors
    const err = await index.upsertDocument('a.txt', CATS).catch((e: unknown) => e);
    expect((err as QuiverError).code).toBe('DIMENSION_MISMATCH');
    expect((err as QuiverError).message).toMatch(/^Error adding document "a.txt"/);
    expect(await index.listItems()).toEqual([]);
    expect(await index.getDocumentId('a.txt')).toBeUndefined();
  });

  test('bad input is a typed rejection', async () => {
    const index = newIndex();
    await index.createIndex();
    await expect(index.upsertDocument('e.txt', '   \n ')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(index.upsertDocument(3 as unknown as string, 'x')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const noModel = temp.track(new LocalDocumentIndex({ folderPath: temp.path('docs'), backend }));
    await expect(noModel.upsertDocument('a.txt', 'x')).rejects.toMatchObject({
      code: 'INVALID_STATE',
      message: 'Embeddings model not configured.',
    });
    await expect(noModel.queryDocuments('x')).rejects.toMatchObject({ code: 'INVALID_STATE' });
    expect(await index.listItems()).toEqual([]);
  });
});
