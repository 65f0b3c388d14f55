// Streaming, cache and metrics benchmark (`npm run bench -- --stream`, or `node bench/stream.mjs`):
// clustered vectors (default 100,000 x 128, 100 clusters, cosine; hnsw M 16, efConstruction 100)
// and, per query vector:
//   stream       time to the first batch (100) and to 10,000 results of queryStream
//   pages        the same with repeated query() calls of growing topK (100, 200, ... with
//                efSearch = max(64, topK)), each page = the new tail: what an app does without
//                a cursor
//   peak memory  while streaming all items (maxResults = every item: the exact pass), batch 1,000:
//                the core's cursor bytes (getPerformanceMetrics().streams.bytes) and the RSS rise
//   cache        p50 latency of a cache hit (the same query again) against a miss (new vectors)
//   metrics      QPS with the metrics on against QUIVER_DISABLE_METRICS=1 (child processes,
//                interleaved, cache off, best of 5 each)
//   p99          getPerformanceMetrics().queries.p99Ms against an outside stopwatch (the same
//                2,000 queries, cache off)
// Flags: --n=100k --queries=20 --json=path. Uses the repo's built dist/ and native addon only.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import { parseCount, parseFlags } from './lib/args.mjs';
import { gaussian, mulberry32 } from './lib/random.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const DIMS = 128;
const CLUSTERS = 100;

function vectors(count, seed) {
  const centres = mulberry32(42);
  const c = new Float32Array(CLUSTERS * DIMS);
  for (let i = 0; i < c.length; i++) c[i] = centres() * 2 - 1;
  const uniform = mulberry32(seed);
  const normal = gaussian(uniform);
  const out = [];
  for (let i = 0; i < count; i++) {
    const k = Math.floor(uniform() * CLUSTERS);
    const v = new Float32Array(DIMS);
    for (let j = 0; j < DIMS; j++) v[j] = c[k * DIMS + j] + 0.25 * normal();
    out.push(v);
  }
  return out;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)];

async function loadQuiver() {
  return import(join(here, '..', 'dist', 'esm', 'index.js'));
}

async function build(folder, n) {
  const { LocalIndex } = await loadQuiver();
  const index = new LocalIndex(folder);
  await index.createIndex({ version: 1, dimensions: DIMS, hnsw: { M: 16, efConstruction: 100 } });
  const data = vectors(n, 1);
  const started = performance.now();
  await index.insertItems(data.map((vector, i) => ({ id: `i${i}`, vector, metadata: { n: i } })), { batchSize: 10000 });
  const seconds = (performance.now() - started) / 1000;
  await index.close();
  return seconds;
}

async function streamVsPages(index, queries) {
  const rows = { streamFirst: [], streamTo10k: [], pagesFirst: [], pagesTo10k: [] };
  for (const q of queries) {
    let t = performance.now();
    let got = 0;
    for await (const batch of index.queryStream(q, { batchSize: 100 })) {
      if (got === 0) rows.streamFirst.push(performance.now() - t);
      got += batch.length;
      if (got >= 10000) break;
    }
    rows.streamTo10k.push(performance.now() - t);
    t = performance.now();
    got = 0;
    for (let topK = 100; got < 10000; topK += 100) {
      const hits = await index.query(q, { topK, efSearch: Math.max(64, topK) });
      const page = hits.slice(topK - 100);
      if (got === 0) rows.pagesFirst.push(performance.now() - t);
      got += page.length;
      if (hits.length < topK) break;
    }
    rows.pagesTo10k.push(performance.now() - t);
  }
  return Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, median(v)]));
}

async function peakMemory(index, q, n) {
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  let peakRss = rss0, peakCursor = 0, got = 0, batches = 0;
  const t = performance.now();
  for await (const batch of index.queryStream(q, { batchSize: 1000, maxResults: n })) {
    got += batch.length;
    if (++batches % 5 === 1) {
      peakCursor = Math.max(peakCursor, (await index.getPerformanceMetrics()).streams.bytes);
    }
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  return { results: got, seconds: (performance.now() - t) / 1000, peakCursorBytes: peakCursor, rssRiseBytes: peakRss - rss0 };
}

async function cacheLatency(index, queries) {
  const hit = [], miss = [];
  for (const q of queries) {
    let t = performance.now();
    await index.query(q, { topK: 10 });
    miss.push(performance.now() - t);
    t = performance.now();
    await index.query(q, { topK: 10 });
    hit.push(performance.now() - t);
  }
  return { missP50Ms: median(miss), hitP50Ms: median(hit) };
}

// Child: QPS of `count` sequential top-10 queries, cache off; prints JSON.
async function childQps(folder, count) {
  const { LocalIndex } = await loadQuiver();
  const index = new LocalIndex(folder, undefined, { cache: { maxEntries: 0 } });
  const qs = vectors(count, 7);
  for (let i = 0; i < 200; i++) await index.query(qs[i], { topK: 10 }); // warm up
  const t = performance.now();
  for (const q of qs) await index.query(q, { topK: 10 });
  const qps = count / ((performance.now() - t) / 1000);
  await index.close();
  console.log(JSON.stringify({ qps }));
}

function qpsOf(folder, count, disable) {
  const env = { ...process.env };
  if (disable) env.QUIVER_DISABLE_METRICS = '1';
  else delete env.QUIVER_DISABLE_METRICS;
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), `--child=${folder}`, `--queries=${count}`], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()).qps;
}

async function p99Check(folder) {
  const { LocalIndex } = await loadQuiver();
  const index = new LocalIndex(folder, undefined, { cache: { maxEntries: 0 } });
  const qs = vectors(2000, 11);
  await index.query(qs[0], { topK: 10 });
  await new Promise((r) => setTimeout(r, 0));
  const outside = [];
  for (const q of qs) {
    const t = performance.now();
    await index.query(q, { topK: 10 });
    outside.push(performance.now() - t);
  }
  const m = await index.getPerformanceMetrics();
  await index.close();
  return { outsideP99Ms: pct(outside, 0.99), coreP99Ms: m.queries.p99Ms, outsideP50Ms: pct(outside, 0.5), coreP50Ms: m.queries.p50Ms, coreCount: m.queries.count };
}

export async function runStream(argv) {
  const flags = parseFlags(argv.filter((a) => a !== '--stream'), ['n', 'queries', 'json', 'child']);
  if (flags.child) return childQps(flags.child, Number(flags.queries));
  const n = flags.n ? parseCount(flags.n, 'n') : 100000;
  const queryCount = flags.queries ? parseCount(flags.queries, 'queries') : 20;
  const folder = await mkdtemp(join(tmpdir(), 'quiver-stream-bench-'));
  try {
    console.log(`stream bench: ${n} x ${DIMS}, ${queryCount} queries; load ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} cores`);
    const buildSeconds = await build(folder, n);
    console.log(`  built in ${buildSeconds.toFixed(1)} s`);
    const { LocalIndex } = await loadQuiver();
    const index = new LocalIndex(folder);
    const queries = vectors(queryCount, 3);
    const paging = await streamVsPages(index, queries);
    console.log(`  first batch: stream ${paging.streamFirst.toFixed(2)} ms, query ${paging.pagesFirst.toFixed(2)} ms; ` +
      `10,000 results: stream ${paging.streamTo10k.toFixed(1)} ms, growing topK ${paging.pagesTo10k.toFixed(1)} ms ` +
      `(${(paging.pagesTo10k / paging.streamTo10k).toFixed(1)}x)`);
    const memory = await peakMemory(index, queries[0], n);
    console.log(`  all ${memory.results} results in ${memory.seconds.toFixed(2)} s: cursor peak ${(memory.peakCursorBytes / 1024).toFixed(0)} KiB, RSS rise ${(memory.rssRiseBytes / 2 ** 20).toFixed(1)} MiB`);
    const cache = await cacheLatency(index, vectors(200, 5));
    console.log(`  cache: hit p50 ${(cache.hitP50Ms * 1000).toFixed(0)} µs, miss p50 ${(cache.missP50Ms * 1000).toFixed(0)} µs`);
    await index.close();
    // Interleaved child processes; best of 5 each (on a shared machine the best run is the
    // least disturbed one; medians swing by 2x with the load).
    const on = [], off = [];
    for (let r = 0; r < 5; r++) {
      on.push(qpsOf(folder, 3000, false));
      off.push(qpsOf(folder, 3000, true));
    }
    const overhead = 1 - Math.max(...on) / Math.max(...off);
    console.log(`  metrics: best QPS on ${Math.max(...on).toFixed(0)}, off ${Math.max(...off).toFixed(0)} (overhead ${(overhead * 100).toFixed(1)} %; runs on ${on.map((x) => x.toFixed(0)).join('/')}, off ${off.map((x) => x.toFixed(0)).join('/')})`);
    const p99 = await p99Check(folder);
    console.log(`  p99: core ${p99.coreP99Ms.toFixed(3)} ms, stopwatch ${p99.outsideP99Ms.toFixed(3)} ms (ratio ${(p99.coreP99Ms / p99.outsideP99Ms).toFixed(2)}); p50 core ${p99.coreP50Ms.toFixed(3)}, stopwatch ${p99.outsideP50Ms.toFixed(3)}`);
    const result = { n, dims: DIMS, queries: queryCount, buildSeconds, paging, memory, cache, metrics: { on, off, overhead }, p99, load: loadavg() };
    if (flags.json) await writeFile(flags.json, JSON.stringify(result, null, 2));
    return result;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runStream(process.argv.slice(2));
