// Quiver's LocalDocumentIndex against Vectra 0.15.0's, on the same documents, the same
// deterministic embeddings model and the same queries: same chunks, same documents, same scores
// (within float32), same rendered sections.

import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { nodeBackend } from '../../ts/src/backends/node.js';
import { wasmNodeBackend } from '../../ts/src/backends/wasm-node.js';
import { LocalDocumentIndex } from '../../ts/src/document/local-document-index.js';
import { TextSplitter } from '../../ts/src/document/text-splitter.js';
import { GPT3Tokenizer } from '../../ts/src/document/tokenizer.js';
import { TestEmbeddings } from './fixtures/test-embeddings.js';
import { makeTempDir } from './helpers.js';
import { loadVectra, type Vectra } from './vectra-oracle.js';

let vectra: Vectra;
let tmp: ReturnType<typeof makeTempDir>;
beforeAll(async () => {
  vectra = loadVectra();
  tmp = makeTempDir();
  // TextSplitter is used directly below: its default tokenizer must be loaded first (the Node
  // entries do it at import; this file imports the modules themselves).
  await GPT3Tokenizer.load();
}, 300_000);
afterAll(() => tmp.cleanup());

const PROSE = Array.from({ length: 12 }, (_, i) =>
  `Paragraph ${i} talks about ${['cats', 'rockets', 'gardens', 'rivers'][i % 4]} and ` +
  `${['purring', 'thrust', 'tomatoes', 'bridges'][(i * 3) % 4]}. It has a second sentence, ` +
  `and a third one that is a little longer than the others, number ${i * 7}.`,
).join('\n\n');
const MARKDOWN = `# Title\n\nIntro text with ---inline rules--- here.\n\n## Part one\n\n${PROSE.slice(0, 600)}\n\n---\n\n## Part two\n\n\`\`\`\ncode block\n\`\`\`\n\n${PROSE.slice(600)}`;
const CODE = `import x from 'y';\n\nclass Foo {\n  bar() { return 1; }\n}\n\nfunction baz(a, b) {\n  if (a) {\n    return b;\n  }\n  for (const c of a) console.log(c);\n}\n`.repeat(6);
const PYTHON = `class A:\n    def f(self):\n        return 1\n\ndef g(x):\n    return x * 2\n`.repeat(10);
const UNBROKEN = 'x'.repeat(2000);

const chunkShape = (c: { text: string; tokens: number[]; startPos: number; endPos: number; startOverlap: number[]; endOverlap: number[] }) =>
  ({ text: c.text, tokens: c.tokens, startPos: c.startPos, endPos: c.endPos, startOverlap: c.startOverlap, endOverlap: c.endOverlap });

describe('TextSplitter matches Vectra 0.15.0', () => {
  const cases: [string, string, string | undefined, number, number][] = [
    ['prose', PROSE, undefined, 400, 40],
    ['prose, small chunks', PROSE, undefined, 30, 5],
    ['markdown', MARKDOWN, 'md', 50, 10],
    ['typescript (token windows)', CODE, 'ts', 40, 8],
    ['javascript', CODE, 'js', 40, 0],
    ['python', PYTHON, 'py', 25, 5],
    ['unbroken string', UNBROKEN, undefined, 100, 0],
    ['html', `<body><div>${PROSE}</div><p>end</p></body>`, 'html', 60, 6],
  ];
  test.each(cases)('%s', (_name, text, docType, chunkSize, chunkOverlap) => {
    const theirs = new vectra.TextSplitter({ docType, chunkSize, chunkOverlap }).split(text);
    const ours = new TextSplitter({ docType, chunkSize, chunkOverlap }).split(text);
    expect(ours.map(chunkShape)).toEqual(theirs.map(chunkShape));
    expect(ours.length).toBeGreaterThan(1);
  });
});

describe.each([nodeBackend, wasmNodeBackend])('LocalDocumentIndex matches Vectra 0.15.0 ($name)', (backend) => {
  const DOCS: [string, string][] = [
    ['prose.txt', PROSE],
    ['notes.md', MARKDOWN],
    ['code.ts', CODE],
  ];
  const QUERIES = ['rockets thrust', 'cats purring gardens', 'class function return'];

  test('same documents, chunks, scores and sections', async () => {
    const folder = join(tmp.path, `ours-${backend.name}`);
    const ours = new LocalDocumentIndex({ folderPath: folder, embeddings: new TestEmbeddings(), chunkingConfig: { chunkSize: 40, chunkOverlap: 0 }, backend });
    const theirs = new vectra.LocalDocumentIndex({ folderPath: join(tmp.path, `theirs-${backend.name}`), embeddings: new TestEmbeddings(), chunkingConfig: { chunkSize: 40, chunkOverlap: 0 } });
    await ours.createIndex();
    await theirs.createIndex();
    for (const [uri, text] of DOCS) {
      await ours.upsertDocument(uri, text);
      await theirs.upsertDocument(uri, text);
    }
    expect((await ours.getCatalogStats()).chunks).toBe((await theirs.getCatalogStats()).chunks);
    for (const query of QUERIES) {
      // All chunks: ties at a cut-off could legitimately be broken differently.
      const options = { maxDocuments: 3, maxChunks: 1000 };
      const a = await ours.queryDocuments(query, options);
      const b = await theirs.queryDocuments(query, options);
      expect(a.map((d) => d.uri)).toEqual(b.map((d: { uri: string }) => d.uri));
      for (let i = 0; i < a.length; i++) {
        expect(a[i].score).toBeCloseTo(b[i].score, 5);
        const spans = (chunks: { item: { metadata: { startPos: number; endPos: number } }; score: number }[]) =>
          chunks.map((c) => [c.item.metadata.startPos, c.item.metadata.endPos, c.score.toFixed(5)].join(':')).sort();
        expect(spans(a[i].chunks)).toEqual(spans(b[i].chunks));
        const round = (sections: { text: string; tokenCount: number; score: number; isBm25: boolean }[]) =>
          sections.map((s) => ({ ...s, score: Number(s.score.toFixed(5)) }));
        for (const [maxTokens, maxSections, overlap] of [[60, 2, true], [25, 3, false], [120, 1, true]] as const) {
          expect(round(await a[i].renderSections(maxTokens, maxSections, overlap))).toEqual(
            round(await b[i].renderSections(maxTokens, maxSections, overlap)),
          );
        }
        expect(round(await a[i].renderAllSections(50))).toEqual(round(await b[i].renderAllSections(50)));
      }
    }
    await ours.close();
  }, 120_000);
});
