// Quiver quick start: create an index, add a few items with metadata, query it.
// Run from the repo with `node examples/node/quickstart.mjs` (after `npm install`).
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalIndex } from 'quiverdb';

const folder = join(tmpdir(), 'quiver-quickstart');
const index = new LocalIndex(folder);
await index.createIndex({ version: 1, deleteIfExists: true, dimensions: 4, metric: 'cosine' });

// Real applications store embeddings from a model; tiny 4-d vectors keep the example readable.
await index.batchInsertItems([
  { id: 'apple', vector: [0.9, 0.1, 0.0, 0.1], metadata: { category: 'fruit', price: 1.2 } },
  { id: 'banana', vector: [0.8, 0.3, 0.1, 0.0], metadata: { category: 'fruit', price: 0.5 } },
  { id: 'carrot', vector: [0.7, 0.0, 0.6, 0.1], metadata: { category: 'vegetable', price: 0.3 } },
  { id: 'laptop', vector: [0.0, 0.1, 0.1, 0.9], metadata: { category: 'electronics', price: 999 } },
]);

const query = [0.8, 0.1, 0.4, 0.1];
for (const { item, score } of await index.queryItems(query, 3)) {
  console.log(`${item.id.padEnd(8)} ${score.toFixed(3)} ${JSON.stringify(item.metadata)}`);
}

// The same query, restricted by metadata (MongoDB-style filter).
const filter = { category: 'fruit', price: { $lt: 1 } };
console.log(`\nfiltered by ${JSON.stringify(filter)}:`);
for (const { item, score } of await index.queryItems(query, 3, filter)) {
  console.log(`${item.id.padEnd(8)} ${score.toFixed(3)} ${JSON.stringify(item.metadata)}`);
}

await index.close();
await rm(folder, { recursive: true, force: true });
