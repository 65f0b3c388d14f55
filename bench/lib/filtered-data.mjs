// Datasets of the filtered-search benchmark (bench/filtered.mjs): vectors, queries and generated
// metadata, plus the filters to measure. Each dataset has
//   { name, metric, dims, count, base, queryCount, queries, metadata, groups, groupOf(q) }
// where metadata[i] = { r, tag, group }:
//   r      integer uniform in [0, 10000) (selectivities 100 % ... 0.01 %);
//   tag    "t0".."t9" uniform (the compound filter);
//   group  one of 100 groups of nearby points: the generating cluster (clustered data), or on
//          sift5k 50 points each around the k-means centres (balanced: k-means clusters on SIFT
//          are uneven); groupOf(q) is the group whose centre is farthest from query q, the
//          anti-correlated filter (~1 % of the items, none of them near the query).
import { gaussian, mulberry32 } from './random.mjs';
import { loadVecsFolder } from './datasets.mjs';
import { SIFT_DIR } from './prepare.mjs';

const GROUPS = 100;
const SIGMA = 0.25;

function metadataFor(count, groupOfItem, seed) {
  const rng = mulberry32(seed);
  return Array.from({ length: count }, (_, i) => ({
    r: Math.floor(rng() * 10000),
    tag: `t${Math.floor(rng() * 10)}`,
    group: groupOfItem[i],
  }));
}

function squaredDistance(a, ai, b, bi, dims) {
  let d = 0;
  for (let j = 0; j < dims; j++) d += (a[ai * dims + j] - b[bi * dims + j]) ** 2;
  return d;
}

/** The group whose centre is farthest from each query. */
function farthestGroups(centers, queries, queryCount, dims) {
  return Array.from({ length: queryCount }, (_, q) => {
    let best = -1;
    let bestD = -Infinity;
    for (let c = 0; c < GROUPS; c++) {
      const d = squaredDistance(centers, c, queries, q, dims);
      if (d > bestD) {
        bestD = d;
        best = c;
      }
    }
    return best;
  });
}

/** 100 clusters in [-1, 1]^dims, N(0, 0.25^2) noise; cosine. */
export function clusteredData(count, queryCount, dims = 128, seed = 42) {
  const centersRng = mulberry32(seed);
  const centers = new Float32Array(GROUPS * dims);
  for (let i = 0; i < centers.length; i++) centers[i] = centersRng() * 2 - 1;
  const sample = (uniform, n) => {
    const normal = gaussian(uniform);
    const vectors = new Float32Array(n * dims);
    const cluster = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const c = Math.floor(uniform() * GROUPS);
      cluster[i] = c;
      for (let j = 0; j < dims; j++) vectors[i * dims + j] = centers[c * dims + j] + SIGMA * normal();
    }
    return { vectors, cluster };
  };
  const base = sample(mulberry32(seed + 1), count);
  const queries = sample(mulberry32(seed + 2), queryCount);
  const far = farthestGroups(centers, queries.vectors, queryCount, dims);
  return {
    name: `clustered ${count} x ${dims}`,
    metric: 'cosine',
    dims,
    count,
    base: base.vectors,
    queryCount,
    queries: queries.vectors,
    metadata: metadataFor(count, base.cluster, seed + 3),
    groupOf: (q) => far[q],
  };
}

/** Lloyd's k-means (seeded: the first centres are distinct points drawn at random). */
function kmeans(data, count, dims, k, iterations, seed) {
  const rng = mulberry32(seed);
  const centers = new Float64Array(k * dims);
  const picked = new Set();
  for (let c = 0; c < k; c++) {
    let i;
    do i = Math.floor(rng() * count);
    while (picked.has(i));
    picked.add(i);
    for (let j = 0; j < dims; j++) centers[c * dims + j] = data[i * dims + j];
  }
  const assignment = new Int32Array(count);
  for (let it = 0; it < iterations; it++) {
    for (let i = 0; i < count; i++) {
      let best = 0;
      let bestD = Infinity;
      for (let c = 0; c < k; c++) {
        const d = squaredDistance(data, i, centers, c, dims);
        if (d < bestD) {
          bestD = d;
          best = c;
        }
      }
      assignment[i] = best;
    }
    const sums = new Float64Array(k * dims);
    const sizes = new Int32Array(k);
    for (let i = 0; i < count; i++) {
      const c = assignment[i];
      sizes[c]++;
      for (let j = 0; j < dims; j++) sums[c * dims + j] += data[i * dims + j];
    }
    for (let c = 0; c < k; c++) {
      if (sizes[c] === 0) continue; // keeps its centre
      for (let j = 0; j < dims; j++) centers[c * dims + j] = sums[c * dims + j] / sizes[c];
    }
  }
  return { centers, assignment };
}

/**
 * Groups of exactly count / k points (k-means clusters are uneven on SIFT: the farthest one may
 * hold a single outlier): every (point, centre) pair by distance, nearest first, each point
 * taken by the first centre with room left. Returns the group of each point.
 */
function balancedGroups(data, count, dims, centers, k) {
  const capacity = Math.ceil(count / k);
  const pairs = new Float64Array(count * k);
  const order = new Uint32Array(count * k);
  for (let i = 0; i < count; i++) {
    for (let c = 0; c < k; c++) {
      let d = 0;
      for (let j = 0; j < dims; j++) d += (data[i * dims + j] - centers[c * dims + j]) ** 2;
      pairs[i * k + c] = d;
      order[i * k + c] = i * k + c;
    }
  }
  order.sort((a, b) => pairs[a] - pairs[b]);
  const group = new Int32Array(count).fill(-1);
  const sizes = new Int32Array(k);
  for (const pair of order) {
    const i = Math.floor(pair / k);
    const c = pair % k;
    if (group[i] >= 0 || sizes[c] >= capacity) continue;
    group[i] = c;
    sizes[c]++;
  }
  return group;
}

/** The mean of each group's points. */
function groupCentres(data, count, dims, group, k) {
  const centres = new Float64Array(k * dims);
  const sizes = new Int32Array(k);
  for (let i = 0; i < count; i++) {
    sizes[group[i]]++;
    for (let j = 0; j < dims; j++) centres[group[i] * dims + j] += data[i * dims + j];
  }
  for (let c = 0; c < k; c++) for (let j = 0; j < dims; j++) centres[c * dims + j] /= Math.max(1, sizes[c]);
  return centres;
}

/** sift5k (../shared/data/sift5k, or BENCH_SIFT_DIR) under l2; null when the files are absent. */
export async function siftData(seed = 42) {
  const sift = await loadVecsFolder(SIFT_DIR, 'sift5k');
  if (!sift) return null;
  const dims = sift.dimensions;
  // k-means, then groups of equal size (1 % each) around its centres.
  const { centers } = kmeans(sift.base, sift.count, dims, GROUPS, 10, seed);
  const assignment = balancedGroups(sift.base, sift.count, dims, centers, GROUPS);
  const far = farthestGroups(groupCentres(sift.base, sift.count, dims, assignment, GROUPS), sift.queries, sift.queryCount, dims);
  return {
    name: `sift5k ${sift.count} x ${dims}`,
    metric: 'l2',
    dims,
    count: sift.count,
    base: sift.base,
    queryCount: sift.queryCount,
    queries: sift.queries,
    metadata: metadataFor(sift.count, assignment, seed + 3),
    groupOf: (q) => far[q],
  };
}

/**
 * The filters measured. Each: id (for --cases), a label, a filter per query (JSON for Quiver)
 * and the same predicate in JS (the oracle).
 */
export function filterCases(ds) {
  const fixed = (id, name, filter, test) => ({ id, name, filterOf: () => filter, testOf: () => test });
  return [
    fixed('100', '100%', { r: { $gte: 0 } }, (m) => m.r >= 0),
    fixed('10', '10%', { r: { $lt: 1000 } }, (m) => m.r < 1000),
    fixed('1', '1%', { r: { $lt: 100 } }, (m) => m.r < 100),
    fixed('0.1', '0.1%', { r: { $lt: 10 } }, (m) => m.r < 10),
    fixed('0.01', '0.01%', { r: 7 }, (m) => m.r === 7),
    fixed(
      'compound',
      '$and/$or (~6%)',
      { $and: [{ r: { $lt: 3000 } }, { $or: [{ tag: 't1' }, { tag: 't2' }] }] },
      (m) => m.r < 3000 && (m.tag === 't1' || m.tag === 't2'),
    ),
    {
      id: 'anti',
      name: 'anti-correlated (~1%)',
      filterOf: (q) => ({ group: ds.groupOf(q) }),
      testOf: (q) => {
        const g = ds.groupOf(q);
        return (m) => m.group === g;
      },
    },
  ];
}

/** Per query: every item's index ordered by the metric (double precision), best first. */
export function exactOrders(ds) {
  const { dims, count } = ds;
  const prepare = (data, rows) => {
    const out = new Float64Array(data.length);
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let j = 0; j < dims; j++) s += data[i * dims + j] ** 2;
      const scale = ds.metric === 'cosine' ? 1 / Math.sqrt(s) : 1;
      for (let j = 0; j < dims; j++) out[i * dims + j] = data[i * dims + j] * scale;
    }
    return out;
  };
  const base = prepare(ds.base, count);
  const queries = prepare(ds.queries, ds.queryCount);
  const orders = [];
  const scores = new Float64Array(count); // smaller is better
  for (let q = 0; q < ds.queryCount; q++) {
    for (let i = 0; i < count; i++) {
      let s = 0;
      if (ds.metric === 'cosine') {
        for (let j = 0; j < dims; j++) s -= base[i * dims + j] * queries[q * dims + j];
      } else {
        for (let j = 0; j < dims; j++) s += (base[i * dims + j] - queries[q * dims + j]) ** 2;
      }
      scores[i] = s;
    }
    const order = new Uint32Array(count);
    for (let i = 0; i < count; i++) order[i] = i;
    order.sort((a, b) => scores[a] - scores[b]);
    orders.push(order);
  }
  return orders;
}
