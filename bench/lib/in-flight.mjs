// "8 queries in flight": the throughput a server sees when several requests arrive at once, as
// opposed to the single-client loop of measure.mjs. How an engine runs it depends on its API
// (the adapter's `concurrency.mode`, see engines/index.mjs):
//   async  8 calls outstanding at all times; when one settles the next is issued at once
//   sync   the same loop, but each call returns only when done, so they run one after another
//          on the JS thread: the figure is the engine's single-client rate, and says so
//   batch  one searchBatch() call per 8 queries (USearch: its threads share the rows)
import { p50, p99, recallAtK } from './stats.mjs';

export const IN_FLIGHT = 8;

async function asyncLoop(searcher, queries, k, total, latencies, results) {
  let next = 0;
  const lane = async () => {
    while (next < total) {
      const i = next++;
      const q = i % queries.length;
      const t0 = performance.now();
      const ids = await searcher.search(queries[q], k);
      latencies[i] = performance.now() - t0;
      if (i < queries.length) results[q] = ids;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
}

// A batch's latency is the call's: every query in it waited for the slowest row.
async function batchLoop(searcher, queries, k, total, latencies, results) {
  for (let start = 0; start < total; start += IN_FLIGHT) {
    const end = Math.min(total, start + IN_FLIGHT);
    const rows = [];
    for (let i = start; i < end; i++) rows.push(queries[i % queries.length]);
    const t0 = performance.now();
    const lists = await searcher.searchBatch(rows, k);
    const ms = performance.now() - t0;
    for (let i = start; i < end; i++) {
      latencies[i] = ms;
      if (i < queries.length) results[i] = lists[i - start];
    }
  }
}

/**
 * Every prepared query `rounds` times with IN_FLIGHT outstanding; QPS over the whole run,
 * recall on the first round (a check that concurrent calls still return the right answers).
 */
export async function measureInFlight(searcher, mode, queries, truth, { k, efSearch, rounds }) {
  const total = queries.length * rounds;
  const latencies = new Float64Array(total);
  const results = new Array(queries.length);
  const loop = mode === 'batch' ? batchLoop : asyncLoop;
  const started = performance.now();
  await loop(searcher, queries, k, total, latencies, results);
  const seconds = (performance.now() - started) / 1000;
  return {
    efSearch,
    inFlight: IN_FLIGHT,
    mode,
    queries: queries.length,
    rounds,
    recall: recallAtK(results, truth, k),
    qps: total / seconds,
    p50Ms: p50(latencies),
    p99Ms: p99(latencies),
  };
}

/**
 * Which efSearch points of a finished sweep get the in-flight run: the first that reaches the
 * recall target in this run (the highest-recall point when none does) and, with `neighbours`,
 * the points either side of it (the median across repeats may settle one step away).
 */
export function inFlightPoints(sweep, target, { neighbours = true } = {}) {
  if (sweep.length === 0) return [];
  let at = sweep.findIndex((p) => p.recall >= target);
  if (at < 0) at = sweep.reduce((best, p, i) => (p.recall > sweep[best].recall ? i : best), 0);
  const span = neighbours ? 1 : 0;
  return sweep.slice(Math.max(0, at - span), at + span + 1).map((p) => p.efSearch);
}
