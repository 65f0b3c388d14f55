// Filtered search benchmark (`npm run bench -- --filtered`, or `node bench/filtered.mjs`), on
// two datasets (bench/lib/filtered-data.mjs): clustered vectors (default 100,000 x 128, 100
// clusters, cosine) and sift5k (5,000 x 128 SIFT descriptors from ../shared/data, l2), each
// with generated metadata { r: integer in [0, 10000), tag: "t0".."t9", group: its cluster }.
// Filters: selectivity 100 / 10 / 1 / 0.1 / 0.01 % on `r`, a compound $and/$or (~6 %), and an
// anti-correlated one (the group farthest from each query: ~1 % of the items, none near it).
// For each, recall@10 against the exact filtered top 10 (brute force in JS, double precision)
// and p50/p99 latency relative to the unfiltered query of the same run, for three ways:
//   planner      Quiver's default (plan: 'auto'); the plans it picked are listed (explain);
//   in-hnsw      the filter inside the HNSW walk alone (plan: 'filtered-hnsw', same efSearch);
//   overfetch10  an unfiltered query for 10 x topK, then the filter applied in JS.
// The query cache is off (every query is timed, not a cached copy).
// Flags: --datasets=clustered,sift5k --n=100k (clustered) --queries=200 --ef=N (default 64 on
// clustered, 128 on sift5k: see efOf) --cases=100,10,1,0.1,0.01,compound,anti --json=path. The two baselines run the first min(queries, 50) queries only
// (filter-inside-HNSW needs ~0.3 s a query at 0.01 %). Uses the repo's built dist/ (npm run
// build:ts) and the native addon; nothing else.
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir, loadavg, cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseCount, parseFlags } from './lib/args.mjs';
import { clusteredData, exactOrders, filterCases, siftData } from './lib/filtered-data.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const K = 10;
const BASELINE_QUERIES = 50;
const EXPLAINED_QUERIES = 20;

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

async function timed(fn) {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

/** "exact-scan x18, bitmap-hnsw x2" over the first queries' explain. */
function planSummary(explains) {
  const counts = new Map();
  for (const e of explains) {
    const name = e.plan + (e.fellBack ? ' (fell back)' : '');
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].map(([plan, n]) => `${plan} x${n}`).join(', ');
}

async function runDataset(LocalIndex, ds, { queryCount, ef, caseIds, log }) {
  const queries = Math.min(queryCount, ds.queryCount);
  const { dims, count } = ds;
  log(`\n${ds.name}, ${ds.metric}, ${queries} queries, top-${K}, efSearch ${ef}`);
  const folder = await mkdtemp(join(tmpdir(), 'quiver-filtered-'));
  const index = new LocalIndex(folder);
  try {
    await index.createIndex({
      version: 1,
      dimensions: dims,
      metric: ds.metric,
      hnsw: { efSearch: ef },
      cache: { maxEntries: 0 },
    });
    const build = await timed(async () => {
      const items = [];
      for (let i = 0; i < count; i++) {
        items.push({ id: String(i), vector: ds.base.subarray(i * dims, (i + 1) * dims), metadata: ds.metadata[i] });
      }
      await index.insertItems(items, { batchSize: 10000 });
    });
    log(`built in ${(build.ms / 1000).toFixed(1)} s; exact orders...`);
    const orders = exactOrders(ds);
    const queryVector = (q) => Array.from(ds.queries.subarray(q * dims, (q + 1) * dims));

    // Unfiltered baseline (a warm-up round first).
    const baseTimes = [];
    for (let q = 0; q < queries; q++) await index.query(queryVector(q), { topK: K });
    for (let q = 0; q < queries; q++) {
      baseTimes.push((await timed(() => index.query(queryVector(q), { topK: K }))).ms);
    }
    baseTimes.sort((a, b) => a - b);
    // The graph's own recall@10 at this efSearch (the ceiling of any walk's).
    let baseFound = 0;
    for (let q = 0; q < queries; q++) {
      const truth = new Set(Array.from(orders[q].subarray(0, K), String));
      for (const h of await index.query(queryVector(q), { topK: K })) baseFound += truth.has(h.item.id) ? 1 : 0;
    }
    const base = { p50: percentile(baseTimes, 0.5), p99: percentile(baseTimes, 0.99), recall: baseFound / (K * queries) };
    log(`unfiltered: recall@10 ${base.recall.toFixed(3)}, p50 ${base.p50.toFixed(3)} ms, p99 ${base.p99.toFixed(3)} ms`);

    const modes = {
      planner: (q, filter) => index.query(queryVector(q), { topK: K, filter }),
      'in-hnsw': (q, filter) => index.query(queryVector(q), { topK: K, filter, plan: 'filtered-hnsw' }),
      overfetch10: async (q, filter, test) => {
        const hits = await index.query(queryVector(q), { topK: K * 10, efSearch: Math.max(ef, K * 10) });
        return hits.filter((h) => test(h.item.metadata)).slice(0, K);
      },
    };
    const rows = [];
    for (const c of filterCases(ds).filter((c) => !caseIds || caseIds.includes(c.id))) {
      // Filters and predicates per query, and the exact filtered top 10, before any clock starts.
      const filters = Array.from({ length: queries }, (_, q) => c.filterOf(q));
      const tests = Array.from({ length: queries }, (_, q) => c.testOf(q));
      const truth = [];
      for (let q = 0; q < queries; q++) {
        const top = [];
        for (const i of orders[q]) {
          if (tests[q](ds.metadata[i])) top.push(String(i));
          if (top.length === K) break;
        }
        truth.push(new Set(top));
      }
      const matchCount = ds.metadata.filter(tests[0]).length;
      const explains = [];
      for (let q = 0; q < Math.min(queries, EXPLAINED_QUERIES); q++) {
        explains.push((await index.query(queryVector(q), { topK: K, filter: filters[q], explain: true })).explain);
      }
      const row = { case: c.name, matches: matchCount, plans: planSummary(explains) };
      for (const [mode, run] of Object.entries(modes)) {
        const times = [];
        let found = 0;
        let wanted = 0;
        const n = mode === 'planner' ? queries : Math.min(queries, BASELINE_QUERIES);
        for (let q = 0; q < n; q++) {
          const { ms, value } = await timed(() => run(q, filters[q], tests[q]));
          times.push(ms);
          for (const h of value) if (truth[q].has(h.item.id)) found++;
          wanted += truth[q].size;
        }
        times.sort((a, b) => a - b);
        row[mode] = {
          recall: wanted ? found / wanted : 1,
          p50: percentile(times, 0.5),
          p99: percentile(times, 0.99),
          p50x: percentile(times, 0.5) / base.p50,
          p99x: percentile(times, 0.99) / base.p99,
        };
      }
      rows.push(row);
      const cell = (m) => `${m.recall.toFixed(3)} / ${m.p50x.toFixed(1)}x / ${m.p99x.toFixed(1)}x`;
      log(
        `${c.name.padEnd(22)} matches ${String(matchCount).padStart(6)} | planner ${cell(row.planner)} | ` +
          `in-hnsw ${cell(row['in-hnsw'])} | overfetch10 ${cell(row.overfetch10)} | plans: ${row.plans}`,
      );
    }
    return { dataset: ds.name, metric: ds.metric, n: count, queries, ef, baseline: base, rows };
  } finally {
    await index.close?.();
    await rm(folder, { recursive: true, force: true });
  }
}

export async function runFiltered(argv) {
  const flags = parseFlags(argv, ['filtered', 'datasets', 'n', 'queries', 'ef', 'cases', 'json']);
  const n = flags.n ? parseCount(flags.n, 'n') : 100_000;
  const queryCount = flags.queries ? parseCount(flags.queries, 'queries') : 200;
  // efSearch per dataset: where its unfiltered recall@10 is >= 0.95 (clustered 0.987 at 64,
  // sift5k 0.898 at 64 but 0.962 at 128): a filter cannot be asked to beat the graph's recall.
  const efOf = (name) => (flags.ef ? parseCount(flags.ef, 'ef') : name === 'sift5k' ? 128 : 64);
  const caseIds = typeof flags.cases === 'string' ? flags.cases.split(',') : null;
  const datasets = typeof flags.datasets === 'string' ? flags.datasets.split(',') : ['clustered', 'sift5k'];
  for (const d of datasets) {
    if (!['clustered', 'sift5k'].includes(d)) throw new Error(`--datasets: unknown dataset ${d} (clustered, sift5k)`);
  }
  const { LocalIndex } = await import(join(here, '..', 'dist', 'esm', 'index.js'));
  const log = (s) => console.log(s);
  log(`filtered bench: top-${K}`);
  log(`machine: ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(1)).join(' ')} (shared machines skew latencies)`);
  const results = [];
  for (const name of datasets) {
    const ds = name === 'clustered' ? clusteredData(n, queryCount) : await siftData();
    if (!ds) {
      log(`\nsift5k: skipped (no files in ../shared/data/sift5k; set BENCH_SIFT_DIR)`);
      continue;
    }
    results.push(await runDataset(LocalIndex, ds, { queryCount, ef: efOf(name), caseIds, log }));
  }
  log('cells: recall@10 / p50 and p99 latency relative to the unfiltered query of the same dataset');
  const result = { k: K, datasets: results, load: loadavg() };
  const out = flags.json ?? join(here, 'results', `filtered-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, JSON.stringify(result, null, 2));
  log(`written ${out}`);
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runFiltered(process.argv.slice(2)).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
