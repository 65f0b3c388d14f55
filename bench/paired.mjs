// `npm run bench -- --paired [--dataset=clustered|sift5k] [--n=] [--dims=] [--ef=] [--pairs=] [--slice-ms=]
// [--in-flight=] [--no-vectors] [--wasm]`: (--wasm: Quiver's WASM build against hnswlib-wasm)
// single-client QPS of Quiver's `query()` against hnswlib-node's `searchKnn`, alternated in short
// slices inside one process. On a shared machine the speed of a core drifts by tens of percent
// within minutes, and the suite (each engine in its own process, one after another) reads that
// drift as a ratio; here both engines see the same drift, and the figure is the median of the
// per-pair ratios. Same graph parameters (M=16, efConstruction=200), the same efSearch, top-10,
// Quiver's query cache off; each call awaited before the next, as the suite's single client does.
// Recall is not measured here (the suite does): both graphs are built from the same data with the
// same parameters, and the suite's runs find them within 0.005 of each other at these points.
import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseCount, parseFlags } from './lib/args.mjs';
import { generateClustered, loadVecsFolder, row } from './lib/datasets.mjs';
import { machineInfo } from './lib/machine.mjs';
import { SIFT_DIR } from './lib/prepare.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, 'package.json'));
const HNSW = { M: 16, efConstruction: 200 };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

async function dataset(name, n, dimensions) {
  if (name === 'sift5k') {
    const sift = await loadVecsFolder(SIFT_DIR, 'sift5k');
    if (!sift) throw new Error(`sift5k not found in ${SIFT_DIR} (set BENCH_SIFT_DIR)`);
    return { ...sift, metric: 'l2', ef: 128 };
  }
  if (name !== 'clustered') throw new Error(`--dataset must be clustered or sift5k, got ${name}`);
  return { ...generateClustered({ count: n, queryCount: 1000, dimensions }), metric: 'cosine', ef: 16 };
}

// Queries per second of `search` over every query, repeated to fill about `ms` milliseconds,
// with `lanes` calls outstanding (1: each awaited before the next; 8: the suite's "8 in flight",
// a new call issued as soon as one settles).
async function slice(search, queries, ms, lanes = 1) {
  const started = performance.now();
  let done = 0;
  const lane = async (first) => {
    for (let i = first; performance.now() - started < ms; i += lanes) {
      await search(queries[i % queries.length]);
      done += 1;
    }
  };
  await Promise.all(Array.from({ length: lanes }, (_, k) => lane(k)));
  return done / ((performance.now() - started) / 1000);
}

function hnswlibNode(data, d, ef) {
  const { HierarchicalNSW } = require('hnswlib-node');
  const index = new HierarchicalNSW(data.metric, d);
  index.initIndex(data.count, HNSW.M, HNSW.efConstruction, 100);
  for (let i = 0; i < data.count; i++) index.addPoint(Array.from(row(data.base, d, i)), i);
  index.setEf(ef);
  return { name: 'hnswlib-node', search: (q) => index.searchKnn(q, 10) };
}

// hnswlib-wasm expects a browser: `window`, and IndexedDB for the IDBFS it mounts on load
// (fake-indexeddb, as in lib/engines/hnswlib-wasm.mjs).
async function hnswlibWasm(data, d, ef) {
  globalThis.window ??= globalThis;
  await import(pathToFileURL(require.resolve('fake-indexeddb/auto')).href);
  const { loadHnswlib } = await import(pathToFileURL(require.resolve('hnswlib-wasm/dist/hnswlib.js')).href);
  const lib = await loadHnswlib();
  const index = new lib.HierarchicalNSW(data.metric, d, '');
  index.initIndex(data.count, HNSW.M, HNSW.efConstruction, 100);
  for (let i = 0; i < data.count; i++) index.addPoint(row(data.base, d, i), i, false);
  index.setEfSearch(ef);
  return { name: 'hnswlib-wasm', search: (q) => index.searchKnn(q, 10, undefined) };
}

export async function runPaired(argv) {
  const flags = parseFlags(argv, ['paired', 'dataset', 'n', 'ef', 'pairs', 'slice-ms', 'in-flight', 'no-vectors', 'dims', 'wasm']);
  const name = flags.dataset ?? 'clustered';
  const data = await dataset(name, parseCount(flags.n ?? '10000', 'n'), parseCount(flags.dims ?? '128', 'dims'));
  const ef = Number(flags.ef ?? data.ef);
  const pairs = Number(flags.pairs ?? 15);
  const sliceMs = Number(flags['slice-ms'] ?? 300);
  // Quiver's calls outstanding. hnswlib-node's searchKnn is synchronous: its rate is the same
  // however many are "in flight", so it always runs one at a time (as in the suite).
  const lanes = Number(flags['in-flight'] ?? 1);
  const d = data.dimensions;
  // --wasm: Quiver's WASM build (quiverdb/wasm) against hnswlib-wasm, both single-threaded.
  const wasm = flags.wasm === true;
  const peer = wasm ? await hnswlibWasm(data, d, ef) : hnswlibNode(data, d, ef);
  const entry = wasm ? 'wasm.js' : 'index.js';
  const { LocalIndex, nodeBackend } = await import(pathToFileURL(join(here, '..', 'dist', 'esm', entry)).href);
  const folder = await mkdtemp(join(tmpdir(), 'quiver-paired-'));
  const backend = wasm ? {} : { backend: nodeBackend };
  const index = new LocalIndex(folder, undefined, { ...backend, cache: { maxEntries: 0, maxBytes: 0 } });
  await index.createIndex({ version: 1, dimensions: d, metric: data.metric, hnsw: HNSW });
  await index.insertItems(Array.from({ length: data.count }, (_, i) => ({ id: String(i), vector: row(data.base, d, i) })));

  // Each engine gets its queries in the form it takes without converting: hnswlib-node a
  // number[], hnswlib-wasm and Quiver a Float32Array view.
  const queryCount = data.queryCount;
  const asArrays = Array.from({ length: queryCount }, (_, i) => Array.from(row(data.queries, d, i)));
  const asViews = Array.from({ length: queryCount }, (_, i) => row(data.queries, d, i));
  const peerQueries = wasm ? asViews : asArrays;
  const peerSearch = peer.search;
  const quiverSearch = (q) => index.query(q, { topK: 10, efSearch: ef });
  // --no-vectors: a third slice per pair, Quiver's query with includeVectors: false (hnswlib-node
  // returns labels and distances only; this is the nearest like for like).
  const bare = flags['no-vectors'] === true;
  const bareSearch = (q) => index.query(q, { topK: 10, efSearch: ef, includeVectors: false });
  await slice(peerSearch, peerQueries, sliceMs); // warm-up: JIT, caches
  await slice(quiverSearch, asViews, sliceMs, lanes);

  const peerQps = [];
  const quiverQps = [];
  const ratios = [];
  const bareRatios = [];
  for (let p = 0; p < pairs; p++) {
    const a = await slice(peerSearch, peerQueries, sliceMs);
    const b = await slice(quiverSearch, asViews, sliceMs, lanes);
    peerQps.push(a);
    quiverQps.push(b);
    ratios.push(b / a);
    if (bare) bareRatios.push((await slice(bareSearch, asViews, sliceMs, lanes)) / a);
  }
  await index.close();
  await rm(folder, { recursive: true, force: true });

  const m = machineInfo();
  const quiverName = wasm ? 'Quiver WASM' : 'Quiver';
  const mode = lanes === 1 ? 'single-client' : `${quiverName} ${lanes} in flight vs ${peer.name} single-client`;
  console.log(`paired ${mode} QPS, ${name} ${data.count} x ${d} (${data.metric}), efSearch ${ef}, top-10, ` +
    `${pairs} pairs of ${sliceMs} ms; ${m.cpu}, ${m.cores} cores, Node ${process.version}`);
  console.log(`  ${peer.name} median ${Math.round(median(peerQps))} QPS, ${quiverName} median ${Math.round(median(quiverQps))} QPS`);
  console.log(`  ${quiverName} / ${peer.name}: median ${median(ratios).toFixed(3)}x ` +
    `(pairs: ${ratios.map((r) => r.toFixed(2)).join(' ')})`);
  if (bare) {
    console.log(`  ${quiverName} includeVectors: false / ${peer.name}: median ${median(bareRatios).toFixed(3)}x ` +
      `(pairs: ${bareRatios.map((r) => r.toFixed(2)).join(' ')})`);
  }
}
