// importVectraIndex on LocalDocumentIndex folders written by Vectra 0.15.0 itself (catalog, the
// documents' text and metadata files; JSON and protobuf codecs), then queried through Quiver's
// LocalDocumentIndex and compared with Vectra's own answers, on the native and the WASM build.

import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { nodeBackend } from '../../ts/src/backends/node.js';
import { wasmNodeBackend } from '../../ts/src/backends/wasm-node.js';
import { LocalDocumentIndex } from '../../ts/src/document/local-document-index.js';
import { importVectraIndex } from '../../ts/src/index.js';
import { TestEmbeddings } from './fixtures/test-embeddings.js';
import { makeTempDir } from './helpers.js';
import { loadVectra, type Vectra } from './vectra-oracle.js';

let vectra: Vectra;
let tmp: ReturnType<typeof makeTempDir>;
beforeAll(() => {
  vectra = loadVectra();
  tmp = makeTempDir();
}, 300_000);
afterAll(() => tmp.cleanup());

const TOPICS = ['cats', 'rockets', 'gardens', 'rivers'];
const prose = (seed: number, paragraphs: number): string =>
  Array.from({ length: paragraphs }, (_, i) =>
    `Paragraph ${i} of document ${seed} is about ${TOPICS[(i + seed) % 4]} and ` +
    `${['purring', 'thrust', 'tomatoes', 'bridges'][(i * 3 + seed) % 4]}. A second sentence ` +
    `follows, and a third one, a little longer than the others, numbered ${i * 7 + seed}.`,
  ).join('\n\n');

// [uri, text, docType, metadata]
const DOCUMENTS: [string, string, string | undefined, Record<string, string | number | boolean> | undefined][] = [
  ['notes/cats.md', `# Cats\n\n${prose(1, 8)}`, undefined, { team: 'pets', year: 2024 }],
  ['space/rockets.txt', prose(2, 10), undefined, { team: 'space', year: 2025, public: true }],
  ['gardens.html', `<p>${prose(3, 6)}</p>`, 'html', undefined],
  ['short.txt', 'A single short sentence about rivers.', undefined, { team: 'water' }],
];
const CHUNKING = { chunkSize: 40, chunkOverlap: 0 };
const QUERIES = ['rockets thrust', 'cats purring', 'rivers and bridges'];

async function writeVectraDocumentFolder(name: string, codec?: unknown): Promise<string> {
  const folderPath = join(tmp.path, name);
  const index = new vectra.LocalDocumentIndex({ folderPath, embeddings: new TestEmbeddings(), chunkingConfig: CHUNKING, codec });
  await index.createIndex({ version: 1 });
  for (const [uri, text, docType, metadata] of DOCUMENTS) await index.upsertDocument(uri, text, docType, metadata);
  return folderPath;
}

describe.each([nodeBackend, wasmNodeBackend])('importVectraIndex of a LocalDocumentIndex ($name)', (backend) => {
  test.each([
    ['json', 'catalog.json', () => undefined],
    ['protobuf', 'catalog.pb', () => new vectra.ProtobufCodec()],
  ])('a %s-coded Vectra document folder imports and answers like Vectra', async (codecName, catalogFile, codec) => {
    const source = await writeVectraDocumentFolder(`vectra-docs-${codecName}-${backend.name}`, codec());
    expect(existsSync(join(source, catalogFile))).toBe(true);
    const theirs = new vectra.LocalDocumentIndex({ folderPath: source, embeddings: new TestEmbeddings(), chunkingConfig: CHUNKING, codec: codec() });
    const theirStats = await theirs.getCatalogStats();

    const target = join(tmp.path, `quiver-docs-${codecName}-${backend.name}`);
    const progress: number[] = [];
    const result = await importVectraIndex(source, target, { backend, batchSize: 10, onProgress: (done) => progress.push(done) });
    expect(result).toMatchObject({ items: theirStats.chunks, documents: DOCUMENTS.length, skipped: { documents: [], chunks: 0 } });
    expect(progress.at(-1)).toBe(theirStats.chunks);

    // The documents and their model; nothing is embedded by the import itself.
    const embeddings = new TestEmbeddings();
    const ours = new LocalDocumentIndex({ folderPath: target, embeddings, chunkingConfig: CHUNKING, backend });
    try {
      expect(await ours.getCatalogStats()).toEqual({ ...theirStats, metadata_config: (await ours.getIndexStats()).metadata_config });
      expect((await ours.listDocuments()).map((d) => [d.uri, d.id]).sort())
        .toEqual((await theirs.listDocuments()).map((d: { uri: string; id: string }) => [d.uri, d.id]).sort());
      for (const [uri, text, , metadata] of DOCUMENTS) {
        const id = await ours.getDocumentId(uri);
        expect(id).toBe(await theirs.getDocumentId(uri));
        expect(await ours.getDocumentUri(id!)).toBe(uri);
        const doc = (await ours.listDocuments()).find((d) => d.uri === uri)!;
        expect(await doc.loadText()).toBe(text);
        expect(await doc.loadMetadata()).toEqual(metadata);
      }

      // Same ranking, scores and sections as Vectra on the same vectors.
      for (const query of QUERIES) {
        const options = { maxDocuments: 4, maxChunks: 1000 };
        const a = await ours.queryDocuments(query, options);
        const b = await theirs.queryDocuments(query, options);
        expect(a.map((d) => d.uri)).toEqual(b.map((d: { uri: string }) => d.uri));
        for (let i = 0; i < a.length; i++) {
          expect(a[i].score).toBeCloseTo(b[i].score, 5);
          const theirSections = await b[i].renderSections(60, 2, true);
          const ourSections = await a[i].renderSections(60, 2, true);
          expect(ourSections.map((s) => s.text)).toEqual(theirSections.map((s: { text: string }) => s.text));
        }
      }
      // Chunk metadata (documentId, positions, the document's metadata) filters as in Vectra.
      const [space] = await ours.queryDocuments('rockets', { filter: { team: 'space' } });
      expect(space.uri).toBe('space/rockets.txt');
      // Keyword search works on the imported chunks' text.
      const keyword = await ours.queryDocuments('numbered', { maxDocuments: 4, isBm25: true });
      expect(keyword.length).toBeGreaterThan(0);

      // Vectra's content hashes came over: re-upserting an unchanged document embeds nothing,
      // a changed one is embedded again.
      const [uri, text, docType, metadata] = DOCUMENTS[1];
      const calls = embeddings.calls.length;
      await ours.upsertDocument(uri, text, docType, metadata);
      expect(embeddings.calls.length).toBe(calls);
      await ours.upsertDocument(uri, `${text}\n\nOne more paragraph.`, docType, metadata);
      expect(embeddings.calls.length).toBeGreaterThan(calls);
      expect((await ours.listDocuments()).length).toBe(DOCUMENTS.length);
    } finally {
      await ours.close();
    }
  }, 120_000);
});
