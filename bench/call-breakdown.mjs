// `npm run bench -- --paired --breakdown [--n=10000] [--dims=128] [--ef=16] [--rounds=21]`: where a
// small single-client query's time goes, layer by layer. The same queries, interleaved round by
// round in one process (machine drift hits every variant alike), each call awaited:
//   hnswlib-node    searchKnn with a number[] (the form it takes), labels and distances back
//   backend         the native backend's own query (nodeBackend.open(...).query): the search, the
//                   exact scores and the packed buffer of ids, metadata and vectors, no JS objects
//   backend -vec    the same with includeVectors: false
//   query           LocalIndex.query with a Float32Array view: Vectra's hit objects built in JS
//   query -vec      the same with includeVectors: false
//   query number[]  LocalIndex.query with a number[] (copied into a typed array first)
// The differences between rows are the cost of each layer. Median per-query time of `rounds`
// rounds of every query; ratios are hnswlib-node's time over the row's. Cache off, M=16,
// efConstruction=200, top-10, clustered cosine.
import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseCount, parseFlags } from './lib/args.mjs';
import { generateClustered, row } from './lib/datasets.mjs';
import { machineInfo } from './lib/machine.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, 'package.json'));
const HNSW = { M: 16, efConstruction: 200 };
const NO_CACHE = { cache: { maxEntries: 0, maxBytes: 0 } };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

export async function runBreakdown(argv) {
  const flags = parseFlags(argv, ['paired', 'breakdown', 'n', 'dims', 'ef', 'rounds']);
  const n = parseCount(flags.n ?? '10000', 'n');
  const data = generateClustered({ count: n, queryCount: 1000, dimensions: parseCount(flags.dims ?? '128', 'dims') });
  const d = data.dimensions;
  const ef = Number(flags.ef ?? 16);
  const rounds = Number(flags.rounds ?? 21);

  const { HierarchicalNSW } = require('hnswlib-node');
  const peer = new HierarchicalNSW('cosine', d);
  peer.initIndex(n, HNSW.M, HNSW.efConstruction, 100);
  for (let i = 0; i < n; i++) peer.addPoint(Array.from(row(data.base, d, i)), i);
  peer.setEf(ef);

  const { LocalIndex, nodeBackend } = await import(pathToFileURL(join(here, '..', 'dist', 'esm', 'index.js')).href);
  const folder = await mkdtemp(join(tmpdir(), 'quiver-breakdown-'));
  const index = new LocalIndex(folder, undefined, { backend: nodeBackend, ...NO_CACHE });
  await index.createIndex({ version: 1, dimensions: d, metric: 'cosine', hnsw: HNSW });
  await index.insertItems(Array.from({ length: n }, (_, i) => ({ id: String(i), vector: row(data.base, d, i) })));
  // The backend layer on the same folder: what LocalIndex calls, without LocalIndex.
  const backend = await nodeBackend.open(folder, JSON.stringify(NO_CACHE));

  const views = Array.from({ length: data.queryCount }, (_, i) => row(data.queries, d, i));
  const arrays = views.map((v) => Array.from(v));
  const json = JSON.stringify({ topK: 10, efSearch: ef });
  const bareJson = JSON.stringify({ topK: 10, efSearch: ef, includeVectors: false });
  const variants = [
    ['hnswlib-node', async (i) => peer.searchKnn(arrays[i], 10)],
    ['backend', async (i) => backend.query(views[i], json)],
    ['backend -vec', async (i) => backend.query(views[i], bareJson)],
    ['query', (i) => index.query(views[i], { topK: 10, efSearch: ef })],
    ['query -vec', (i) => index.query(views[i], { topK: 10, efSearch: ef, includeVectors: false })],
    ['query number[]', (i) => index.query(arrays[i], { topK: 10, efSearch: ef })],
  ];
  const times = variants.map(() => []);
  const pass = async (search) => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < views.length; i++) await search(i);
    return Number(process.hrtime.bigint() - started) / 1e3 / views.length;
  };
  for (const [, search] of variants) await pass(search); // warm-up: JIT, caches
  for (let r = 0; r < rounds; r++) {
    for (let v = 0; v < variants.length; v++) times[v].push(await pass(variants[v][1]));
  }
  await backend.close();
  await index.close();
  await rm(folder, { recursive: true, force: true });

  const m = machineInfo();
  console.log(`call breakdown, clustered ${n} x ${d} (cosine), efSearch ${ef}, top-10, median of ${rounds} ` +
    `rounds of ${views.length} awaited queries; ${m.cpu}, ${m.cores} cores, Node ${process.version}`);
  const peerUs = median(times[0]);
  for (let v = 0; v < variants.length; v++) {
    const us = median(times[v]);
    console.log(`  ${variants[v][0].padEnd(15)} ${us.toFixed(1).padStart(6)} µs/query   ` +
      `hnswlib-node / this ${(peerUs / us).toFixed(2)}x`);
  }
}
