// The clustered data set of the streaming and metrics benchmarks (stream.mjs, metrics.mjs):
// 100 cluster centres in [-1, 1]^dims, points = centre + N(0, 0.25^2) per component. Seeded, so
// every run sees the same vectors; different seeds give the items and the query vectors.
import { performance } from 'node:perf_hooks';

import { gaussian, mulberry32 } from './random.mjs';

export const DIMS = 128;
const CLUSTERS = 100;

export function clusteredVectors(count, seed, dims = DIMS) {
  const centres = mulberry32(42);
  const c = new Float32Array(CLUSTERS * dims);
  for (let i = 0; i < c.length; i++) c[i] = centres() * 2 - 1;
  const uniform = mulberry32(seed);
  const normal = gaussian(uniform);
  const out = [];
  for (let i = 0; i < count; i++) {
    const k = Math.floor(uniform() * CLUSTERS);
    const v = new Float32Array(dims);
    for (let j = 0; j < dims; j++) v[j] = c[k * dims + j] + 0.25 * normal();
    out.push(v);
  }
  return out;
}

/** Creates an index of `n` clustered items (ids i0..., metadata {n}) in `folder`; returns seconds. */
export async function buildClusteredIndex(LocalIndex, folder, n, config = {}) {
  const index = new LocalIndex(folder);
  await index.createIndex({ version: 1, dimensions: DIMS, hnsw: { M: 16, efConstruction: 100 }, ...config });
  const data = clusteredVectors(n, 1);
  const started = performance.now();
  await index.insertItems(data.map((vector, i) => ({ id: `i${i}`, vector, metadata: { n: i } })), { batchSize: 10000 });
  const seconds = (performance.now() - started) / 1000;
  await index.close();
  return seconds;
}

/** The q-quantile of xs (nearest rank, as the core's histogram reads it). */
export function quantile(xs, q) {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
