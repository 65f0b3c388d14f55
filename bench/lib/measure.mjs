// The timed loops, engine-agnostic: they only see an adapter's searcher (see engines/index.mjs).
import { mean, p50, p99, recallAtK } from './stats.mjs';

/**
 * Runs every prepared query, one at a time (each awaited before the next starts), so QPS is
 * the single-client figure: what one caller doing one search after another sees. A small query
 * set is run `rounds` times: 100 queries at 0.1 ms each would be a 10 ms measurement, at the
 * mercy of a single garbage collection or scheduler hiccup. Recall is scored on the first round.
 */
export async function measureSearch(searcher, queries, truth, { k, efSearch, rounds = 1 }) {
  const latencies = new Float64Array(queries.length * rounds);
  const results = new Array(queries.length);
  const started = performance.now();
  for (let round = 0; round < rounds; round++) {
    for (let q = 0; q < queries.length; q++) {
      const t0 = performance.now();
      const ids = await searcher.search(queries[q], k);
      latencies[round * queries.length + q] = performance.now() - t0;
      if (round === 0) results[q] = ids;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    efSearch,
    queries: queries.length,
    rounds,
    recall: recallAtK(results, truth, k),
    qps: latencies.length / seconds,
    meanMs: mean(latencies),
    p50Ms: p50(latencies),
    p99Ms: p99(latencies),
  };
}

/**
 * An untimed pass before the first timed sweep: it warms the JIT and the CPU caches and pages
 * the index in, so the lowest efSearch is not penalised for going first.
 */
export async function warmUp(searcher, queries, k) {
  for (const query of queries) await searcher.search(query, k);
}

/**
 * Problems with one result list (empty when fine): a benchmark of wrong answers is meaningless,
 * so the child reports these with the figures.
 */
export function checkResult(ids, k, count) {
  const problems = [];
  if (ids.length !== Math.min(k, count))
    problems.push(`returned ${ids.length} hits, expected ${k}`);
  if (ids.some((id) => !Number.isInteger(id) || id < 0 || id >= count)) {
    problems.push(`returned ids outside 0..${count - 1}: ${ids.slice(0, k).join(',')}`);
  }
  if (new Set(ids).size !== ids.length) problems.push('returned duplicate ids');
  return problems;
}
