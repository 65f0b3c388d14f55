// The measurements themselves, engine-agnostic (see engines/quiverdb.mjs for the engine shape).
import { row } from './datasets.mjs';
import { mean, p50, p99, recallAtK } from './stats.mjs';

/** Inserts every base vector in batches; returns seconds and items per second. */
export async function measureInsert(engine, dataset, { batchSize, onProgress }) {
  const items = engine.items(dataset); // built before the clock starts
  const started = performance.now();
  await engine.insert(items, { batchSize, onProgress });
  const seconds = (performance.now() - started) / 1000;
  return { seconds, itemsPerSecond: dataset.count / seconds };
}

/**
 * Runs every query once, one at a time (each awaited before the next starts), so QPS is the
 * single-client figure: what one caller doing one search after another sees.
 */
export async function measureSearch(engine, dataset, truth, { k, efSearch, onProgress }) {
  const latencies = new Array(dataset.queryCount);
  const results = new Array(dataset.queryCount);
  const started = performance.now();
  for (let q = 0; q < dataset.queryCount; q++) {
    const vector = row(dataset.queries, dataset.dimensions, q);
    const t0 = performance.now();
    results[q] = await engine.search(vector, k, efSearch);
    latencies[q] = performance.now() - t0;
    onProgress?.(q + 1);
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    efSearch,
    recall: recallAtK(results, truth, k),
    qps: dataset.queryCount / seconds,
    meanMs: mean(latencies),
    p50Ms: p50(latencies),
    p99Ms: p99(latencies),
  };
}

/**
 * One untimed pass over the queries before the first timed sweep: it warms the JIT and the CPU
 * caches, and lets the garbage collector reclaim the insert's item objects now rather than in
 * the middle of the first measurement (which otherwise makes the lowest efSearch look slowest).
 */
export async function warmUp(engine, dataset, { k, efSearch }) {
  for (let q = 0; q < dataset.queryCount; q++) {
    await engine.search(row(dataset.queries, dataset.dimensions, q), k, efSearch);
  }
}
