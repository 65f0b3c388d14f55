// Filtered search benchmark (`npm run bench -- --filtered`, or `node bench/filtered.mjs`):
// clustered vectors (default 100,000 x 128, 100 clusters, cosine) with metadata
//   { r: integer uniform in [0, 10000), tag: "t0".."t9", cluster: the point's cluster }
// and filters of selectivity 100 / 10 / 1 / 0.1 / 0.01 % on `r`, a compound $and/$or, and an
// anti-correlated filter (the one cluster farthest from each query: ~1 % of the items, none of
// them near the query). For each, recall@10 against the exact filtered top 10 (brute force in
// JS, double precision) and p50/p99 latency relative to the unfiltered query of the same run,
// for three ways of answering:
//   planner      Quiver's default (plan: 'auto');
//   in-hnsw      the filter inside the HNSW walk alone (plan: 'filtered-hnsw', same efSearch);
//   overfetch10  an unfiltered query for 10 x topK, then the filter applied in JS.
// Flags: --n=100k --queries=200 --ef=64 --json=path. The two baselines run the first
// min(queries, 50) queries only (filter-inside-HNSW needs ~0.3 s a query at 0.01 %). Uses the
// repo's built dist/ (npm run build:ts) and the native addon; nothing else.
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir, loadavg, cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { gaussian, mulberry32 } from './lib/random.mjs';
import { parseCount, parseFlags } from './lib/args.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const K = 10;
const CLUSTERS = 100;
const SIGMA = 0.25;

function generate(count, queryCount, dims, seed = 42) {
  const centersRng = mulberry32(seed);
  const centers = new Float32Array(CLUSTERS * dims);
  for (let i = 0; i < centers.length; i++) centers[i] = centersRng() * 2 - 1;
  const sample = (uniform, n) => {
    const normal = gaussian(uniform);
    const vectors = new Float32Array(n * dims);
    const cluster = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const c = Math.floor(uniform() * CLUSTERS);
      cluster[i] = c;
      for (let j = 0; j < dims; j++) vectors[i * dims + j] = centers[c * dims + j] + SIGMA * normal();
    }
    return { vectors, cluster };
  };
  const base = sample(mulberry32(seed + 1), count);
  const queries = sample(mulberry32(seed + 2), queryCount);
  const metaRng = mulberry32(seed + 3);
  const metadata = Array.from({ length: count }, (_, i) => ({
    r: Math.floor(metaRng() * 10000),
    tag: `t${Math.floor(metaRng() * 10)}`,
    cluster: base.cluster[i],
  }));
  return { dims, count, base: base.vectors, metadata, centers, queryCount, queries: queries.vectors };
}

function normalized(data, dims) {
  const out = new Float64Array(data.length);
  for (let i = 0; i < data.length / dims; i++) {
    let s = 0;
    for (let j = 0; j < dims; j++) s += data[i * dims + j] ** 2;
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < dims; j++) out[i * dims + j] = data[i * dims + j] * inv;
  }
  return out;
}

/** Per query: every item's id ordered by cosine similarity, best first. */
function exactOrders(ds) {
  const { dims, count } = ds;
  const base = normalized(ds.base, dims);
  const queries = normalized(ds.queries, dims);
  const orders = [];
  const sims = new Float64Array(count);
  for (let q = 0; q < ds.queryCount; q++) {
    for (let i = 0; i < count; i++) {
      let s = 0;
      for (let j = 0; j < dims; j++) s += base[i * dims + j] * queries[q * dims + j];
      sims[i] = s;
    }
    const order = new Uint32Array(count);
    for (let i = 0; i < count; i++) order[i] = i;
    order.sort((a, b) => sims[b] - sims[a]);
    orders.push(order);
  }
  return orders;
}

function farthestCluster(ds, q) {
  let best = -1;
  let bestD = -Infinity;
  for (let c = 0; c < CLUSTERS; c++) {
    let d = 0;
    for (let j = 0; j < ds.dims; j++) d += (ds.centers[c * ds.dims + j] - ds.queries[q * ds.dims + j]) ** 2;
    if (d > bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

/** Each case: a filter per query (JSON for Quiver) and the same predicate in JS (the oracle). */
function cases(ds) {
  const fixed = (name, filter, test) => ({ name, filterOf: () => filter, testOf: () => test });
  return [
    fixed('100%', { r: { $gte: 0 } }, (m) => m.r >= 0),
    fixed('10%', { r: { $lt: 1000 } }, (m) => m.r < 1000),
    fixed('1%', { r: { $lt: 100 } }, (m) => m.r < 100),
    fixed('0.1%', { r: { $lt: 10 } }, (m) => m.r < 10),
    fixed('0.01%', { r: 7 }, (m) => m.r === 7),
    fixed(
      '$and/$or (~6%)',
      { $and: [{ r: { $lt: 3000 } }, { $or: [{ tag: 't1' }, { tag: 't2' }] }] },
      (m) => m.r < 3000 && (m.tag === 't1' || m.tag === 't2'),
    ),
    {
      name: 'anti-correlated (~1%)',
      filterOf: (q) => ({ cluster: farthestCluster(ds, q) }),
      testOf: (q) => {
        const c = farthestCluster(ds, q);
        return (m) => m.cluster === c;
      },
    },
  ];
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

async function timed(fn) {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

export async function runFiltered(argv) {
  const flags = parseFlags(argv, ['filtered', 'n', 'queries', 'ef', 'json']);
  const n = flags.n ? parseCount(flags.n, 'n') : 100_000;
  const queryCount = flags.queries ? parseCount(flags.queries, 'queries') : 200;
  const ef = flags.ef ? parseCount(flags.ef, 'ef') : 64;
  const { LocalIndex } = await import(join(here, '..', 'dist', 'esm', 'index.js'));
  const log = (s) => console.log(s);
  log(`filtered bench: clustered ${n} x 128, ${queryCount} queries, top-${K}, efSearch ${ef}`);
  log(`machine: ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(1)).join(' ')} (shared machines skew latencies)`);
  const ds = generate(n, queryCount, 128);
  const folder = await mkdtemp(join(tmpdir(), 'quiver-filtered-'));
  const index = new LocalIndex(folder);
  try {
    await index.createIndex({ version: 1, dimensions: 128, metric: 'cosine', hnsw: { efSearch: ef } });
    const build = await timed(async () => {
      const items = [];
      for (let i = 0; i < n; i++) {
        items.push({ id: String(i), vector: ds.base.subarray(i * 128, (i + 1) * 128), metadata: ds.metadata[i] });
      }
      await index.insertItems(items, { batchSize: 10000 });
    });
    log(`built in ${(build.ms / 1000).toFixed(1)} s; exact orders...`);
    const orders = exactOrders(ds);
    const queryVector = (q) => Array.from(ds.queries.subarray(q * 128, (q + 1) * 128));

    // Unfiltered baseline.
    const baseTimes = [];
    for (let q = 0; q < queryCount; q++) await index.query(queryVector(q), { topK: K }); // warm
    for (let q = 0; q < queryCount; q++) {
      baseTimes.push((await timed(() => index.query(queryVector(q), { topK: K }))).ms);
    }
    baseTimes.sort((a, b) => a - b);
    const base = { p50: percentile(baseTimes, 0.5), p99: percentile(baseTimes, 0.99) };
    log(`unfiltered: p50 ${base.p50.toFixed(3)} ms, p99 ${base.p99.toFixed(3)} ms`);

    const modes = {
      planner: (q, filter) => index.query(queryVector(q), { topK: K, filter }),
      'in-hnsw': (q, filter) => index.query(queryVector(q), { topK: K, filter, plan: 'filtered-hnsw' }),
      overfetch10: async (q, filter, test) => {
        const hits = await index.query(queryVector(q), { topK: K * 10, efSearch: Math.max(ef, K * 10) });
        return hits.filter((h) => test(h.item.metadata)).slice(0, K);
      },
    };
    const rows = [];
    for (const c of cases(ds)) {
      // The exact filtered top 10 and the number of matches, per query.
      const truth = [];
      let matchCount = 0;
      // Filters and predicates per query, made before any clock starts.
      const filters = Array.from({ length: queryCount }, (_, q) => c.filterOf(q));
      const tests = Array.from({ length: queryCount }, (_, q) => c.testOf(q));
      for (let q = 0; q < queryCount; q++) {
        const test = tests[q];
        const top = [];
        for (const i of orders[q]) {
          if (test(ds.metadata[i])) top.push(String(i));
          if (top.length === K) break;
        }
        truth.push(new Set(top));
        if (q === 0) matchCount = ds.metadata.filter(test).length;
      }
      await index.query(queryVector(0), { topK: K, filter: filters[0] }); // builds the columns
      const row = { case: c.name, matches: matchCount };
      for (const [mode, run] of Object.entries(modes)) {
        const times = [];
        let found = 0;
        let wanted = 0;
        const count = mode === 'planner' ? queryCount : Math.min(queryCount, 50);
        for (let q = 0; q < count; q++) {
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
          `in-hnsw ${cell(row['in-hnsw'])} | overfetch10 ${cell(row.overfetch10)}`,
      );
    }
    log('cells: recall@10 / p50 and p99 latency relative to the unfiltered query');
    const result = { n, queries: queryCount, ef, k: K, baseline: base, rows, load: loadavg() };
    const out = flags.json ?? join(here, 'results', `filtered-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, JSON.stringify(result, null, 2));
    log(`written ${out}`);
    return result;
  } finally {
    await index.close?.();
    await rm(folder, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runFiltered(process.argv.slice(2)).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
