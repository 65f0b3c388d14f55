// Exact k-nearest-neighbour search by scanning every base vector: the reference that approximate
// results are scored against. Pure computation, so it can run on the main thread or in workers.

// Every metric is turned into a distance where smaller is better, so one top-k routine serves all:
//   l2     -> squared Euclidean distance
//   cosine -> 1 - cosine similarity (on unit-normalised copies, then a dot product)
//   ip     -> -dot product
export const METRICS = ['l2', 'cosine', 'ip'];

/** Unit-normalised copy of a row-major matrix (zero rows stay zero). */
export function normalizeRows(data, dimensions) {
  const out = new Float32Array(data.length);
  for (let start = 0; start < data.length; start += dimensions) {
    let sum = 0;
    for (let j = 0; j < dimensions; j++) sum += data[start + j] * data[start + j];
    const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
    for (let j = 0; j < dimensions; j++) out[start + j] = data[start + j] * scale;
  }
  return out;
}

function squaredL2(a, aStart, b, bStart, dimensions) {
  let sum = 0;
  for (let j = 0; j < dimensions; j++) {
    const diff = a[aStart + j] - b[bStart + j];
    sum += diff * diff;
  }
  return sum;
}

function dot(a, aStart, b, bStart, dimensions) {
  let sum = 0;
  for (let j = 0; j < dimensions; j++) sum += a[aStart + j] * b[bStart + j];
  return sum;
}

/**
 * Top-k for queries [from, to). For cosine, pass already-normalised base and queries (see
 * normalizeRows) so the normalisation is paid once, not per worker.
 * Ties keep the lower id first, matching a stable sort by (distance, id).
 * Returns { ids: Int32Array((to-from)*k), distances: Float32Array((to-from)*k) }, nearest first.
 */
export function exactTopK({ base, queries, dimensions, metric, k, from = 0, to }) {
  if (!METRICS.includes(metric)) throw new Error(`unknown metric ${metric}`);
  const count = base.length / dimensions;
  const end = to ?? queries.length / dimensions;
  const kk = Math.min(k, count);
  const ids = new Int32Array((end - from) * k).fill(-1);
  const distances = new Float32Array((end - from) * k).fill(Infinity);
  // Kept sorted ascending; a candidate enters only if strictly better than the current worst.
  const bestIds = new Int32Array(kk);
  const bestDist = new Float64Array(kk);

  for (let q = from; q < end; q++) {
    const qStart = q * dimensions;
    bestDist.fill(Infinity);
    bestIds.fill(-1);
    for (let i = 0; i < count; i++) {
      const d =
        metric === 'l2'
          ? squaredL2(queries, qStart, base, i * dimensions, dimensions)
          : metric === 'cosine'
            ? 1 - dot(queries, qStart, base, i * dimensions, dimensions)
            : -dot(queries, qStart, base, i * dimensions, dimensions);
      if (d >= bestDist[kk - 1]) continue;
      let pos = kk - 1;
      while (pos > 0 && bestDist[pos - 1] > d) {
        bestDist[pos] = bestDist[pos - 1];
        bestIds[pos] = bestIds[pos - 1];
        pos--;
      }
      bestDist[pos] = d;
      bestIds[pos] = i;
    }
    const out = (q - from) * k;
    ids.set(bestIds, out);
    distances.set(bestDist, out);
  }
  return { ids, distances };
}

/** The distance (as above, smaller is better) between two single vectors, on raw data. */
export function pairDistance(metric, a, b) {
  const d = a.length;
  if (metric === 'l2') return squaredL2(a, 0, b, 0, d);
  if (metric === 'ip') return -dot(a, 0, b, 0, d);
  const norms = Math.sqrt(dot(a, 0, a, 0, d) * dot(b, 0, b, 0, d));
  return norms > 0 ? 1 - dot(a, 0, b, 0, d) / norms : 1;
}
