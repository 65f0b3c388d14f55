// Small statistics helpers for benchmark reports.

export function mean(values) {
  if (values.length === 0) return NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/**
 * Percentile by the nearest-rank method: the smallest value with at least p% of the samples at
 * or below it. Always returns an observed sample (no interpolation), which is what latency
 * reports usually mean by p99.
 */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

/** Median (the mean of the two middle values for an even count). */
export function median(values) {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export const p50 = (values) => percentile(values, 50);
export const p99 = (values) => percentile(values, 99);

/**
 * Mean recall@k: for each query, the fraction of its true k nearest neighbours found among the
 * first k results.
 * results: one array of integer ids per query (best first).
 * truth: { k: row length, ids: Int32Array(queryCount * truth.k) }, nearest first.
 */
export function recallAtK(results, truth, k) {
  if (k > truth.k)
    throw new Error(`recall@${k} needs ground truth with k >= ${k}, have ${truth.k}`);
  let found = 0;
  for (let q = 0; q < results.length; q++) {
    const expected = new Set(truth.ids.subarray(q * truth.k, q * truth.k + k));
    for (const id of results[q].slice(0, k)) if (expected.has(id)) found++;
  }
  return found / (results.length * k);
}
