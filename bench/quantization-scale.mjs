// `node bench/quantization-scale.mjs`: why i8 under l2/ip uses one scale per index rather than
// one per dimension. Recall@10 of an exact (brute-force) search over i8-quantized vectors
// against the exact f32 top-10, on clustered 20k x 128 (100 queries), as generated and with its
// dimensions rescaled from 0.05x to 4x (a spread real embeddings rarely have). No graph: this
// isolates what the scale alone costs. (~1 min.)
import { generateClustered } from './lib/datasets.mjs';
function run(name, ds, hetero) {
  const { base, queries, dimensions: d, count: n, queryCount: nq } = ds;
  if (hetero) for (const arr of [base, queries]) for (let i = 0; i < arr.length; i++) arr[i] *= 0.05 + 4 * ((i % d) / d) ** 2;
  let gmax = 0; const dmax = new Float32Array(d);
  for (let i = 0; i < n * d; i++) { const a = Math.abs(base[i]); gmax = Math.max(gmax, a); dmax[i % d] = Math.max(dmax[i % d], a); }
  const q = (arr, scaleOf) => { const o = new Int8Array(arr.length); for (let i = 0; i < arr.length; i++) o[i] = Math.max(-127, Math.min(127, Math.round(arr[i] / scaleOf(i % d)))); return o; };
  const perIndex = (j) => gmax / 127, perDim = (j) => dmax[j] / 127;
  const variants = { exact: null, perIndex, perDim };
  const top = (dist) => { const idx = Array.from({ length: n }, (_, i) => i); return idx.sort((a, b) => dist[a] - dist[b]).slice(0, 10); };
  const res = {};
  for (const [v, sf] of Object.entries(variants)) {
    const B = sf ? q(base, sf) : base, Q = sf ? q(queries, sf) : queries;
    const w = new Float32Array(d); for (let j = 0; j < d; j++) w[j] = sf ? sf(j) ** 2 : 1;
    res[v] = [];
    for (let qi = 0; qi < nq; qi++) {
      const dist = new Float64Array(n);
      for (let i = 0; i < n; i++) { let s = 0; for (let j = 0; j < d; j++) { const x = B[i * d + j] - Q[qi * d + j]; s += w[j] * x * x; } dist[i] = s; }
      res[v].push(top(dist));
    }
  }
  for (const v of ['perIndex', 'perDim']) {
    let hit = 0; res[v].forEach((ids, qi) => { const t = new Set(res.exact[qi]); for (const id of ids) hit += t.has(id); });
    console.log(name, v, 'recall@10 (exact search on i8)', (hit / (10 * nq)).toFixed(4));
  }
}
run('clustered 20k x 128', generateClustered({ count: 20000, queryCount: 100, dimensions: 128 }), false);
run('clustered 20k x 128, dims scaled 0.05..4', generateClustered({ count: 20000, queryCount: 100, dimensions: 128 }), true);
