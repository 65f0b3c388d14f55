// Streaming, cache and metrics benchmark (`npm run bench -- --stream`, or `node bench/stream.mjs`):
// clustered vectors (default 100,000 x 128, 100 clusters, cosine; hnsw M 16, efConstruction 100)
// and, per query vector:
//   stream       time to the first batch (100; median of 200 vectors, against query(topK: 100),
//                the order alternating) and to 10,000 results of queryStream
//   pages        the same with repeated query() calls of growing topK (100, 200, ... with
//                efSearch = max(64, topK)), each page = the new tail: what an app does without
//                a cursor
//   peak memory  while streaming all items (maxResults = every item: the exact pass), batch 1,000:
//                the core's cursor bytes (getPerformanceMetrics().streams.bytes) and the RSS rise
//   cache        p50 latency of a cache hit (the same query again) against a miss (new vectors)
//   metrics      getPerformanceMetrics()'s p99 against an outside stopwatch (2,000 queries at the
//                default efSearch) and recording's cost (paired queries on a recording and a
//                silent handle): bench/metrics.mjs, which also runs alone with more efSearch values
// Flags: --n=100k --queries=20 --json=path --quantization=f32|f16|i8 (the index's). Uses the repo's built dist/ and native addon only.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import { parseCount, parseFlags } from './lib/args.mjs';
import { buildClusteredIndex, clusteredVectors as vectors, DIMS } from './lib/clustered.mjs';
import { loadLocalIndex, metricsOverhead, p99Match, printOverhead, printP99, warmUp } from './metrics.mjs';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// The first batch of 100 against query(topK: 100), per query vector, the order alternating: the
// second search of a vector finds the graph's nodes for it in the CPU caches (measured: ~2x).
async function firstBatch(index, queries) {
  const stream = [], query = [];
  const timeStream = async (q) => {
    const t = performance.now();
    for await (const _batch of index.queryStream(q, { batchSize: 100 })) break;
    stream.push(performance.now() - t);
  };
  const timeQuery = async (q) => {
    const t = performance.now();
    await index.query(q, { topK: 100 });
    query.push(performance.now() - t);
  };
  for (let i = 0; i < queries.length; i++) {
    if (i % 2 === 0) {
      await timeStream(queries[i]);
      await timeQuery(queries[i]);
    } else {
      await timeQuery(queries[i]);
      await timeStream(queries[i]);
    }
  }
  return { streamFirst: median(stream), pagesFirst: median(query) };
}

async function streamVsPages(index, queries) {
  const rows = { streamTo10k: [], pagesTo10k: [] };
  for (const q of queries) {
    let t = performance.now();
    let got = 0;
    for await (const batch of index.queryStream(q, { batchSize: 100 })) {
      got += batch.length;
      if (got >= 10000) break;
    }
    rows.streamTo10k.push(performance.now() - t);
    t = performance.now();
    got = 0;
    for (let topK = 100; got < 10000; topK += 100) {
      const hits = await index.query(q, { topK, efSearch: Math.max(64, topK) });
      got += hits.length - (topK - 100);
      if (hits.length < topK) break;
    }
    rows.pagesTo10k.push(performance.now() - t);
  }
  return {
    ...(await firstBatch(index, vectors(Math.max(200, queries.length), 4))),
    ...Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, median(v)])),
  };
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

export async function runStream(argv) {
  const flags = parseFlags(argv.filter((a) => a !== '--stream'), ['n', 'queries', 'json', 'quantization']);
  const n = flags.n ? parseCount(flags.n, 'n') : 100000;
  const quantization = flags.quantization ?? 'f32';
  if (!['f32', 'f16', 'i8'].includes(quantization)) throw new Error('--quantization must be f32, f16 or i8');
  const queryCount = flags.queries ? parseCount(flags.queries, 'queries') : 20;
  const folder = await mkdtemp(join(tmpdir(), 'quiver-stream-bench-'));
  try {
    console.log(`stream bench: ${n} x ${DIMS} ${quantization}, ${queryCount} queries; load ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} cores`);
    const LocalIndex = await loadLocalIndex();
    const buildSeconds = await buildClusteredIndex(LocalIndex, folder, n, { quantization });
    console.log(`  built in ${buildSeconds.toFixed(1)} s`);
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
    await warmUp(LocalIndex, folder, 5000);
    const p99 = await p99Match(LocalIndex, folder, undefined, vectors(2000, 11));
    printP99(p99);
    const metrics = await metricsOverhead(LocalIndex, folder, { rounds: 10, block: 200, cacheHits: false });
    printOverhead(metrics);
    const result = { n, dims: DIMS, quantization, queries: queryCount, buildSeconds, paging, memory, cache, metrics, p99, load: loadavg() };
    if (flags.json) await writeFile(flags.json, JSON.stringify(result, null, 2));
    return result;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runStream(process.argv.slice(2));
