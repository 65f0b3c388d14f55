// Metrics benchmark (`npm run bench -- --metrics`, or `node bench/metrics.mjs`): does
// getPerformanceMetrics() report what an application measures, and what does recording cost?
//   p99 match  per efSearch: the same sequential top-10 queries (cache off) timed by a JS
//              stopwatch around each `await index.query()`, against the core's p50/p99 over
//              exactly those queries (a fresh handle per efSearch, so its window holds only them)
//   overhead   a handle opened with recording on against one opened with QUIVER_DISABLE_METRICS=1
//              (read by the core at open), in the same process, on the same queries in pairs,
//              so that load swings hit both arms alike: cache misses (cache off) and cache hits
//              (the cheapest query there is, where recording weighs most)
// Flags: --n=100k --ef=64,200,500,1000 --queries=2000 --rounds=30 --block=200 --warmup=5000
// --json=path --folder=dir (use the index built there by an earlier run, or build it there and
// keep it). The p99 runs come after `warmup` queries (see warmUp) and report V8's GC pauses.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import { parseCount, parseFlags } from './lib/args.mjs';
import { buildClusteredIndex, clusteredVectors, quantile } from './lib/clustered.mjs';

const here = dirname(fileURLToPath(import.meta.url));

export async function loadLocalIndex() {
  return (await import(join(here, '..', 'dist', 'esm', 'index.js'))).LocalIndex;
}

/**
 * The core's p50/p99 against a stopwatch around the same `await index.query()` calls. The
 * stopwatch also sees what the core cannot: the TypeScript layer (options to JSON, unpacking the
 * answer into Vectra's objects: ~10 µs for 10 hits of 128 dimensions).
 */
export async function p99Match(LocalIndex, folder, ef, queryVectors) {
  const index = new LocalIndex(folder, undefined, { cache: { maxEntries: 0 } });
  await index.getPerformanceMetrics(); // opens the handle without a query
  const options = ef ? { topK: 10, efSearch: ef } : { topK: 10 };
  const stopwatch = [];
  const gcPauses = [];
  const gc = new PerformanceObserver((list) => gcPauses.push(...list.getEntries().map((e) => e.duration)));
  gc.observe({ entryTypes: ['gc'] });
  for (const q of queryVectors) {
    const t = performance.now();
    await index.query(q, options);
    stopwatch.push(performance.now() - t);
  }
  // Node creates a GC entry on the next turn of the event loop, which inline queries never give.
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setTimeout(resolve, 10));
  gcPauses.push(...gc.takeRecords().map((e) => e.duration));
  gc.disconnect();
  const core = (await index.getPerformanceMetrics()).queries;
  await index.close();
  const stopwatchP99Ms = quantile(stopwatch, 0.99);
  return {
    ef,
    queries: queryVectors.length,
    coreCount: core.count, // fewer than `queries`: the 10-20 s window dropped the oldest
    coreP50Ms: core.p50Ms,
    stopwatchP50Ms: quantile(stopwatch, 0.5),
    coreP99Ms: core.p99Ms,
    stopwatchP99Ms,
    p99Ratio: core.p99Ms / stopwatchP99Ms,
    // V8's collections during the run (in the JS layer's allocations: invisible to the core).
    gcPauses: gcPauses.length,
    gcMaxMs: Math.max(0, ...gcPauses),
  };
}

/**
 * Queries on a handle of their own before anything is measured: V8 starts with a small young
 * generation and grows it as the program allocates; until then a scavenge lands on ~1 % of
 * queries (the unpacked results are most of what a query allocates) and sets the stopwatch's
 * p99 alone. A long-running application is in the grown state.
 */
export async function warmUp(LocalIndex, folder, count) {
  const index = new LocalIndex(folder, undefined, { cache: { maxEntries: 0 } });
  for (const q of clusteredVectors(count, 17)) await index.query(q, { topK: 10 });
  await index.close();
}

async function openHandle(LocalIndex, folder, cache, recording) {
  const saved = process.env.QUIVER_DISABLE_METRICS;
  if (recording) delete process.env.QUIVER_DISABLE_METRICS;
  else process.env.QUIVER_DISABLE_METRICS = '1';
  try {
    const index = new LocalIndex(folder, undefined, { cache });
    await index.getPerformanceMetrics(); // the core reads the variable now, at open
    return index;
  } finally {
    if (saved === undefined) delete process.env.QUIVER_DISABLE_METRICS;
    else process.env.QUIVER_DISABLE_METRICS = saved;
  }
}

/**
 * Recording's cost: the same top-10 queries on the recording handle and on the silent one, in
 * pairs (each vector on both, back to back, the order alternating so that neither arm always
 * gets the warm caches), `rounds` x `block` pairs. A load spike lands on one query of a pair,
 * so the verdict is robust statistics over the pairs: the median of the paired differences
 * against the median query time (and the quartiles of the differences). QPS of each arm over
 * all its queries is reported too; on a loaded machine it swings more than the effect.
 */
export async function metricsOverhead(LocalIndex, folder, { rounds, block, cacheHits }) {
  const cache = cacheHits ? { maxEntries: 4 * block, maxBytes: 64 * 2 ** 20 } : { maxEntries: 0 };
  const on = await openHandle(LocalIndex, folder, cache, true);
  const off = await openHandle(LocalIndex, folder, cache, false);
  const qs = clusteredVectors(block, 13);
  const timed = async (index, q) => {
    const t = performance.now();
    await index.query(q, { topK: 10 });
    return performance.now() - t;
  };
  for (const q of qs) {
    await timed(on, q); // warm-up (and, with the cache, fills it)
    await timed(off, q);
  }
  const onTimes = [], offTimes = [], differences = [];
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < qs.length; i++) {
      const onFirst = (r + i) % 2 === 0;
      const a = await timed(onFirst ? on : off, qs[i]);
      const b = await timed(onFirst ? off : on, qs[i]);
      const [onMs, offMs] = onFirst ? [a, b] : [b, a];
      onTimes.push(onMs);
      offTimes.push(offMs);
      differences.push(onMs - offMs);
    }
  }
  const recorded = (await on.getPerformanceMetrics()).queries.count;
  const silent = (await off.getPerformanceMetrics()).queries.count;
  await on.close();
  await off.close();
  if (recorded === 0 || silent !== 0) {
    throw new Error(`the A/B is broken: the recording handle counted ${recorded}, the silent one ${silent}`);
  }
  const sum = (xs) => xs.reduce((a, b) => a + b, 0);
  const typical = quantile(offTimes, 0.5);
  return {
    cacheHits,
    pairs: differences.length,
    medianQueryMs: typical,
    qpsOn: onTimes.length / (sum(onTimes) / 1000),
    qpsOff: offTimes.length / (sum(offTimes) / 1000),
    overheadMedian: quantile(differences, 0.5) / typical,
    overheadQ1: quantile(differences, 0.25) / typical,
    overheadQ3: quantile(differences, 0.75) / typical,
  };
}

const pct = (x) => `${(x * 100).toFixed(2)} %`;

export function printOverhead(o) {
  console.log(`  metrics overhead (${o.cacheHits ? 'cache hits' : 'cache misses'}, ${o.pairs} pairs, median query ` +
    `${(o.medianQueryMs * 1000).toFixed(0)} µs): paired median ${pct(o.overheadMedian)} of a query ` +
    `(quartiles ${pct(o.overheadQ1)} .. ${pct(o.overheadQ3)}); QPS on ${o.qpsOn.toFixed(0)}, off ${o.qpsOff.toFixed(0)}`);
}

export function printP99(m) {
  console.log(`  ef ${String(m.ef ?? 'default').padStart(7)}: p99 core ${m.coreP99Ms.toFixed(3)} ms, stopwatch ` +
    `${m.stopwatchP99Ms.toFixed(3)} ms, ratio ${m.p99Ratio.toFixed(2)}; p50 core ${m.coreP50Ms.toFixed(3)}, ` +
    `stopwatch ${m.stopwatchP50Ms.toFixed(3)} (${m.coreCount} of ${m.queries} in the core's window; ` +
    `${m.gcPauses} GC pauses, longest ${m.gcMaxMs.toFixed(2)} ms)`);
}

export async function runMetrics(argv) {
  const flags = parseFlags(argv.filter((a) => a !== '--metrics'), ['n', 'ef', 'queries', 'rounds', 'block', 'warmup', 'folder', 'json']);
  const n = flags.n ? parseCount(flags.n, 'n') : 100000;
  const efs = (flags.ef ?? '64,200,500,1000').split(',').map((e) => (e === 'default' ? 0 : parseCount(e, 'ef')));
  const queries = flags.queries ? parseCount(flags.queries, 'queries') : 2000;
  const rounds = flags.rounds ? parseCount(flags.rounds, 'rounds') : 30;
  const block = flags.block ? parseCount(flags.block, 'block') : 200;
  const warm = flags.warmup ? parseCount(flags.warmup, 'warmup') : 5000;
  const LocalIndex = await loadLocalIndex();
  const folder = flags.folder ?? (await mkdtemp(join(tmpdir(), 'quiver-metrics-bench-')));
  try {
    console.log(`metrics bench: ${n} x 128 clustered; load ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} cores`);
    if (!(await new LocalIndex(folder).isIndexCreated())) {
      console.log(`  built in ${(await buildClusteredIndex(LocalIndex, folder, n)).toFixed(1)} s`);
    }
    await warmUp(LocalIndex, folder, warm);
    const vectors = clusteredVectors(queries, 11);
    const match = [];
    for (const ef of efs) {
      match.push(await p99Match(LocalIndex, folder, ef || undefined, vectors));
      printP99(match.at(-1));
    }
    const overhead = [];
    for (const cacheHits of [false, true]) {
      overhead.push(await metricsOverhead(LocalIndex, folder, { rounds, block, cacheHits }));
      printOverhead(overhead.at(-1));
    }
    const result = { n, queries, match, overhead, load: loadavg() };
    if (flags.json) await writeFile(flags.json, JSON.stringify(result, null, 2));
    return result;
  } finally {
    if (!flags.folder) await rm(folder, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runMetrics(process.argv.slice(2));
