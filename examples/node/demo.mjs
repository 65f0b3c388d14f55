// Quiver demo: 100,000 generated 128-d vectors with metadata, inserted with a progress bar,
// queried with and without metadata filters, then closed and reopened from disk.
// Usage: npm run demo [-- --keep] [-- --n=<count>]
//   --keep       keep the index folder afterwards (its path is printed)
//   --n=<count>  number of vectors (default 100000)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { LocalIndex } from 'quiverdb';

const args = process.argv.slice(2);
const keep = args.includes('--keep');
const count = Number(args.find((a) => a.startsWith('--n='))?.slice(4) ?? 100_000);
const DIMENSIONS = 128;
const CATEGORIES = ['books', 'electronics', 'garden', 'toys', 'clothing', 'music'];
const TAGS = ['sale', 'new', 'eco', 'gift'];
const TIMED_QUERIES = 50;

// A seeded generator (mulberry32), so every run builds exactly the same data.
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = random(2024);
const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());

// Embeddings cluster by topic; 30 random centers in [-1, 1]^128 plus N(0, 0.25^2) noise mimic that.
const centers = Array.from({ length: 30 }, () =>
  Float32Array.from({ length: DIMENSIONS }, () => rand() * 2 - 1),
);
function vectorNear(center) {
  return Float32Array.from(center, (x) => x + 0.25 * normal());
}

function makeItem(i) {
  const cluster = Math.floor(rand() * centers.length);
  return {
    id: `item-${String(i).padStart(6, '0')}`,
    vector: vectorNear(centers[cluster]),
    metadata: {
      // Category mostly follows the topic, as in real catalogues, but not always.
      category: CATEGORIES[rand() < 0.7 ? cluster % CATEGORIES.length : Math.floor(rand() * 6)],
      price: Math.round(Math.exp(3 + 0.8 * normal()) * 100) / 100, // log-normal, median ~$20
      year: 2010 + Math.floor(rand() * 15),
      tags: TAGS.filter(() => rand() < 0.2),
      inStock: rand() < 0.8,
    },
  };
}

const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

const folder = join(await mkdtemp(join(tmpdir(), 'quiver-demo-')), 'index');
console.log(`Quiver demo: ${fmt(count)} vectors, ${DIMENSIONS} dimensions, cosine`);
console.log(`index folder: ${folder}\n`);

let index = new LocalIndex(folder);
await index.createIndex({
  version: 1,
  deleteIfExists: true,
  dimensions: DIMENSIONS,
  metric: 'cosine',
  hnsw: { M: 16, efConstruction: 200, efSearch: 64 },
  metadata_config: { indexed: ['category'] },
});

const items = Array.from({ length: count }, (_, i) => makeItem(i));
const bar = new cliProgress.SingleBar(
  { format: 'inserting {bar} {percentage}% | {value}/{total}', hideCursor: true },
  cliProgress.Presets.shades_classic,
);
bar.start(count, 0);
let started = performance.now();
await index.insertItems(items, { batchSize: 5000, onProgress: (done) => bar.update(done) });
const insertSeconds = (performance.now() - started) / 1000;
bar.stop();
console.log(
  `inserted ${fmt(count)} items in ${fmt(insertSeconds, 1)} s (${fmt(count / insertSeconds)} items/s)\n`,
);

// Query vectors come from the same topics as the data, like real user queries would.
const queries = Array.from({ length: TIMED_QUERIES }, () =>
  vectorNear(centers[Math.floor(rand() * centers.length)]),
);
const searches = [
  ['no filter', undefined],
  ['one category', { category: 'books' }],
  ['cheap', { price: { $lt: 20 } }],
  ['recent and on sale', { $and: [{ year: { $gte: 2020 } }, { tags: { $in: ['sale'] } }] }],
  [
    'very selective',
    { $and: [{ category: 'garden' }, { price: { $gte: 150 } }, { inStock: false }] },
  ],
];

for (const [label, filter] of searches) {
  const matching = filter ? (await index.listItemsByMetadata(filter)).length : count;
  const times = [];
  let first;
  for (const vector of queries) {
    const t0 = performance.now();
    const results = await index.queryItems(vector, 10, filter);
    times.push(performance.now() - t0);
    first ??= results;
  }
  console.log(`${label}: ${filter ? JSON.stringify(filter) : '(none)'}`);
  console.log(
    `  ${fmt(matching)} items match; median ${fmt(median(times), 2)} ms over ${TIMED_QUERIES} queries`,
  );
  for (const { item, score } of first.slice(0, 3)) {
    const { category, price, year, tags } = item.metadata;
    const details = `${category.padEnd(11)} $${price.toFixed(2).padStart(7)}  ${year}  [${tags}]`;
    console.log(`  ${item.id}  score ${score.toFixed(4).padStart(7)}  ${details}`);
  }
}

// Everything is on disk (SQLite is the source of truth): close, reopen, query again.
const before = (await index.queryItems(queries[0], 1))[0].item.id;
await index.close();
started = performance.now();
index = new LocalIndex(folder);
const stats = await index.getIndexStats();
const after = (await index.queryItems(queries[0], 1))[0].item.id;
const reopenMs = performance.now() - started;
console.log(
  `\nreopened in ${fmt(reopenMs, 1)} ms (to the first query answered): ${fmt(stats.items)} items, ` +
    `top result ${after === before ? 'unchanged' : `CHANGED (${before} -> ${after})`}`,
);
await index.close();

if (keep) {
  console.log(`index kept at ${folder}`);
} else {
  await rm(join(folder, '..'), { recursive: true, force: true });
}
