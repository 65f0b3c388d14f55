// `npm run bench -- --ingest`: durable ingest and sharded search (issue 9), one process, peers in
// the same run.
//   1. Ingest, clustered 100k x 128 and 100k x 384 (cosine, M=16, efConstruction=200): items/s
//      until insertItems resolved — every batch committed to SQLite (WAL, synchronous=FULL) and
//      in the graph — for Quiver (packed form, batches of 10,000) with threads 1 and 2, against
//      hnswlib-node (addPoint loop, one thread) and USearch (add(keys, matrix), all cores). The
//      peers keep nothing durable: their figure is building in memory. Recall@10 of each at
//      efSearch 64 on the same queries, so that speed is not bought with a worse graph.
//   2. Quiver with 1, 2 and 4 shards on 100k x 128: the smallest efSearch with recall@10 >= 0.95,
//      then QPS one query at a time and with 8 in flight.
//   3. Queries answered during an ingest (runDuringIngest below).
// Flags: --n=100000 (items), --dims=128,384, --queries=200, --shards=1,2,4, --skip-peers.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

import { generateClustered } from './lib/datasets.mjs';
import { bruteForce } from './lib/ground-truth.mjs';
import { recallAtK } from './lib/stats.mjs';

const require = createRequire(import.meta.url);
const HNSW = { M: 16, efConstruction: 200 };
const K = 10;
const IN_FLIGHT = 8;
const EF_SWEEP = [16, 24, 32, 48, 64, 96, 128, 192, 256];

function flag(args, name, fallback) {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
}

const seconds = (t0) => (performance.now() - t0) / 1000;
const rows = (data, d, n) => Array.from({ length: n }, (_, i) => data.subarray(i * d, (i + 1) * d));

async function quiverIngest(quiver, dataset, { threads, shards }) {
  const folder = mkdtempSync(join(tmpdir(), 'quiver-ingest-'));
  // The query cache off: the QPS rounds repeat the same queries, which it would answer.
  const index = new quiver.LocalIndex(folder, undefined, { cache: { maxEntries: 0, maxBytes: 0 } });
  await index.createIndex({ version: 1, dimensions: dataset.dimensions, metric: 'cosine', hnsw: HNSW, shards });
  const ids = Array.from({ length: dataset.count }, (_, i) => String(i));
  const t0 = performance.now();
  await index.insertItems({ ids, vectors: dataset.base }, { batchSize: 10_000, threads });
  const took = seconds(t0);
  return { index, folder, took };
}

async function quiverSearch(index, queries, ef) {
  const out = [];
  for (const q of queries) out.push((await index.query(q, { topK: K, efSearch: ef })).map((h) => Number(h.item.id)));
  return out;
}

async function qpsSingle(index, queries, ef, rounds = 3) {
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) for (const q of queries) await index.query(q, { topK: K, efSearch: ef });
  return (rounds * queries.length) / seconds(t0);
}

async function qpsInFlight(index, queries, ef, rounds = 3) {
  const total = rounds * queries.length;
  let next = 0;
  const lane = async () => {
    while (next < total) {
      const q = queries[next++ % queries.length];
      await index.query(q, { topK: K, efSearch: ef });
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  return total / seconds(t0);
}

function hnswlibIngest(dataset) {
  const { HierarchicalNSW } = require('hnswlib-node');
  const index = new HierarchicalNSW('cosine', dataset.dimensions);
  const t0 = performance.now();
  index.initIndex(dataset.count, HNSW.M, HNSW.efConstruction, 100);
  const d = dataset.dimensions;
  for (let i = 0; i < dataset.count; i++) index.addPoint(Array.from(dataset.base.subarray(i * d, (i + 1) * d)), i);
  const took = seconds(t0);
  index.setEf(64);
  const search = (q) => index.searchKnn(Array.from(q), K).neighbors;
  return { took, search };
}

function usearchIngest(dataset) {
  const api = require('usearch');
  const index = new api.Index({
    dimensions: dataset.dimensions,
    metric: api.MetricKind.Cos,
    quantization: api.ScalarKind.F32,
    connectivity: HNSW.M,
    expansion_add: HNSW.efConstruction,
    expansion_search: 64,
  });
  const keys = new BigUint64Array(dataset.count);
  for (let i = 0; i < dataset.count; i++) keys[i] = BigInt(i);
  const t0 = performance.now();
  index.add(keys, dataset.base, 0);
  const took = seconds(t0);
  const search = (q) => Array.from(index.search(q, K).keys, Number);
  return { took, search };
}

const fmt = (x, digits = 0) => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export async function runIngestBench(args) {
  const quiver = await import('../dist/esm/index.js');
  const n = Number(flag(args, 'n', '100000'));
  const dimsList = flag(args, 'dims', '128,384').split(',').map(Number);
  const queryCount = Number(flag(args, 'queries', '200'));
  const shardList = flag(args, 'shards', '1,2,4').split(',').map(Number);
  const skipPeers = args.includes('--skip-peers');
  const lines = [];
  const say = (line) => {
    console.log(line);
    lines.push(line);
  };
  say(`Ingest and shards bench: n=${n}, clustered cosine, M=${HNSW.M}, efConstruction=${HNSW.efConstruction}, ` +
      `${availableParallelism()} cores, Node ${process.version}`);

  say('');
  say('| dataset | engine | durable | items/s | vs hnswlib-node | recall@10 (ef 64) |');
  say('|---|---|---|---:|---:|---:|');
  for (const dims of dimsList) {
    const dataset = generateClustered({ count: n, queryCount, dimensions: dims });
    const truth = await bruteForce(dataset, 'cosine', K);
    const queries = rows(dataset.queries, dims, queryCount);
    const name = `clustered ${n / 1000}k x ${dims}`;
    let base;
    const results = [];
    if (!skipPeers) {
      const h = hnswlibIngest(dataset);
      base = n / h.took;
      results.push(['hnswlib-node 3.0.0 (1 thread)', 'no (memory)', h.took, recallAtK(queries.map(h.search), truth, K)]);
      const u = usearchIngest(dataset);
      results.push([`USearch 2.25.3 (all ${availableParallelism()} cores)`, 'no (memory)', u.took, recallAtK(queries.map(u.search), truth, K)]);
    }
    for (const threads of [1, 2]) {
      const q = await quiverIngest(quiver, dataset, { threads, shards: 1 });
      const recall = recallAtK(await quiverSearch(q.index, queries, 64), truth, K);
      results.push([`Quiver (threads ${threads})`, 'yes (SQLite)', q.took, recall]);
      await q.index.close();
      rmSync(q.folder, { recursive: true, force: true });
    }
    for (const [engine, durable, took, recall] of results) {
      const rate = n / took;
      say(`| ${name} | ${engine} | ${durable} | ${fmt(rate)} | ${base ? `${fmt(rate / base, 2)}x` : '-'} | ${fmt(recall, 3)} |`);
    }
  }

  say('');
  say(`| shards | efSearch for recall@10 >= 0.95 | recall@10 | QPS, 1 client | QPS, ${IN_FLIGHT} in flight |`);
  say('|---:|---:|---:|---:|---:|');
  const dims = 128;
  const dataset = generateClustered({ count: n, queryCount, dimensions: dims });
  const truth = await bruteForce(dataset, 'cosine', K);
  const queries = rows(dataset.queries, dims, queryCount);
  for (const shards of shardList) {
    const q = await quiverIngest(quiver, dataset, { threads: undefined, shards });
    let chosen;
    for (const ef of EF_SWEEP) {
      const recall = recallAtK(await quiverSearch(q.index, queries, ef), truth, K);
      chosen = { ef, recall };
      if (recall >= 0.95) break;
    }
    const single = await qpsSingle(q.index, queries, chosen.ef);
    const flight = await qpsInFlight(q.index, queries, chosen.ef);
    say(`| ${shards} | ${chosen.ef} | ${fmt(chosen.recall, 3)} | ${fmt(single)} | ${fmt(flight)} |`);
    await q.index.close();
    rmSync(q.folder, { recursive: true, force: true });
  }
  say3(n, 10_000, say);
  for (const threads of [1, 2]) await runDuringIngest(quiver, { n, threads, say });
  return lines;
}

// 3. Queries during an ingest: an index of n/5 items (--deleted: of which every other one is then
// deleted, so that the new items take over their graph slots; --upsert: all n items, the load
// being upsertItems of the last 4n/5 with other vectors) takes the other 4n/5 in batches of
// 10,000 (--batch=) while one client queries it in a loop (top 10, efSearch 64; insertItems with
// concurrentReads, so the queries do not wait for the whole call). An insert of new items runs
// its validation, transaction and graph build under the shared lock (ARCHITECTURE
// "Concurrency"), so a query waits only for a batch's publish. Reported: queries answered while the ingest ran, their
// latency percentiles and the longest wait, next to the mean time of one batch.
function say3(n, batch, say = console.log, upsert = false) {
  say('');
  const load = upsert
    ? `an upsert of ${fmt(n - Math.floor(n / 5))} of ${fmt(n)} items`
    : `an ingest of ${fmt(n - Math.floor(n / 5))} items into ${fmt(Math.floor(n / 5))}`;
  say(`Queries during ${load} (128 dims, batches of ${fmt(batch)}, one client, top 10, efSearch 64):`);
  say('');
  say('| ingest threads | ingest time | per batch | queries answered | p50 ms | p99 ms | longest ms |');
  say('|---:|---:|---:|---:|---:|---:|---:|');
}

export async function runDuringIngest(quiver, { n, threads, say, batch = 10_000, deleted = false, upsert = false }) {
  const dims = 128;
  const dataset = generateClustered({ count: n, queryCount: 200, dimensions: dims });
  const queries = rows(dataset.queries, dims, 200);
  const folder = mkdtempSync(join(tmpdir(), 'quiver-during-'));
  const index = new quiver.LocalIndex(folder, undefined, { cache: { maxEntries: 0, maxBytes: 0 } });
  await index.createIndex({ version: 1, dimensions: dims, metric: 'cosine', hnsw: HNSW });
  const ids = Array.from({ length: n }, (_, i) => String(i));
  const first = Math.floor(n / 5);
  // --upsert: every item is in the index first, and the load replaces the last 4n/5 (item i
  // takes item i - n/5's vector), so that each batch updates published items.
  const loaded = upsert ? n : first;
  await index.insertItems({ ids: ids.slice(0, loaded), vectors: dataset.base.subarray(0, loaded * dims) }, { batchSize: 10_000, threads });
  if (deleted) await index.deleteItems(ids.slice(0, first).filter((_, i) => i % 2 === 1));
  let done = false;
  const latencies = [];
  const client = (async () => {
    for (let i = 0; !done; i++) {
      const t = performance.now();
      await index.query(queries[i % queries.length], { topK: K, efSearch: 64 });
      if (!done) latencies.push(performance.now() - t);
    }
  })();
  const t0 = performance.now();
  let batches = 0;
  const load = upsert
    ? (items, options) => index.upsertItems(items, options)
    : (items, options) => index.insertItems(items, options);
  const vectors = upsert ? dataset.base.subarray(0, (n - first) * dims) : dataset.base.subarray(first * dims);
  await load({ ids: ids.slice(first), vectors }, {
    batchSize: batch,
    threads,
    concurrentReads: true,
    onProgress: () => { batches++; },
  });
  const took = performance.now() - t0;
  done = true;
  await client;
  await index.close();
  rmSync(folder, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  const at = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  say(`| ${threads} | ${fmt(took / 1000, 1)} s | ${fmt(took / Math.max(1, batches))} ms | ${fmt(latencies.length)} | ` +
      `${fmt(at(0.5), 2)} | ${fmt(at(0.99), 2)} | ${fmt(latencies.at(-1) ?? NaN, 1)} |`);
}

export async function cli(args) {
  if (args.includes('--during')) {
    // Only section 3: `npm run bench -- --ingest --during [--n= --batch= --deleted --upsert]`.
    const quiver = await import('../dist/esm/index.js');
    const n = Number(flag(args, 'n', '100000'));
    const batch = Number(flag(args, 'batch', '10000'));
    const deleted = args.includes('--deleted');
    const upsert = args.includes('--upsert');
    say3(n, batch, console.log, upsert);
    if (deleted) console.log(`(every other one of the first ${fmt(Math.floor(n / 5))} items deleted before the load)`);
    if (upsert) console.log(`(--upsert: all ${fmt(n)} items inserted first; the load is upsertItems of the last ${fmt(n - Math.floor(n / 5))}, each with another vector)`);
    for (const threads of [1, 2]) await runDuringIngest(quiver, { n, threads, batch, deleted, upsert, say: console.log });
    return;
  }
  await runIngestBench(args);
}
