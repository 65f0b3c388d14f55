// Lookup by id (`getItem` and its equivalents, see engines/index.mjs): random existing ids,
// first one call at a time (each awaited before the next: the single-client latency), then with
// IN_FLIGHT calls outstanding. Latency percentiles are nearest rank, like the search figures.
import { IN_FLIGHT } from './in-flight.mjs';
import { mulberry32 } from './random.mjs';
import { p50, p99 } from './stats.mjs';

// How many calls per mode, and the time cap that may end a mode first (Vectra scans its item
// list on every call), come from plan.mjs (EXTRAS).
const WARM_UP_CALLS = 1_000;
const SEED = 45; // after the dataset seeds 42-44

/** The ids to look up, as row numbers: uniform over the stored items, same in every run. */
function randomRows(count, calls) {
  const next = mulberry32(SEED);
  return Array.from({ length: calls }, () => Math.floor(next() * count));
}

function figures(latencies, calls, seconds, wrong) {
  const taken = latencies.subarray(0, calls);
  return {
    calls,
    opsPerSecond: calls / seconds,
    p50Us: p50(taken) * 1000,
    p99Us: p99(taken) * 1000,
    wrong,
  };
}

async function oneAtATime(searcher, keys, rows, seconds) {
  const latencies = new Float64Array(keys.length);
  const deadline = performance.now() + seconds * 1000;
  let wrong = 0;
  let calls = 0;
  const started = performance.now();
  while (calls < keys.length && performance.now() < deadline) {
    const t0 = performance.now();
    const found = await searcher.getItem(keys[calls]);
    latencies[calls] = performance.now() - t0;
    if (found !== rows[calls]) wrong++;
    calls++;
  }
  return figures(latencies, calls, (performance.now() - started) / 1000, wrong);
}

async function inFlight(searcher, keys, rows, seconds) {
  const latencies = new Float64Array(keys.length);
  const deadline = performance.now() + seconds * 1000;
  let wrong = 0;
  let next = 0;
  let calls = 0;
  const lane = async () => {
    while (next < keys.length && performance.now() < deadline) {
      const i = next++;
      const t0 = performance.now();
      const found = await searcher.getItem(keys[i]);
      latencies[calls++] = performance.now() - t0;
      if (found !== rows[i]) wrong++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  return figures(latencies, calls, (performance.now() - started) / 1000, wrong);
}

/**
 * getItem figures of one searcher, or null when the engine has no lookup by id. `wrong` counts
 * calls that did not return the item asked for (reported as a problem when not zero).
 */
export async function measureLookups(searcher, count, mode, { calls, seconds }) {
  if (!searcher.getItem) return null;
  // Warm-up ids come from the same stream but are not the timed ones.
  const all = randomRows(count, WARM_UP_CALLS + calls);
  for (const row of all.slice(0, WARM_UP_CALLS)) await searcher.getItem(searcher.itemKey(row));
  const rows = all.slice(WARM_UP_CALLS);
  const keys = rows.map((row) => searcher.itemKey(row));
  return {
    mode,
    sequential: await oneAtATime(searcher, keys, rows, seconds),
    inFlight: await inFlight(searcher, keys, rows, seconds),
  };
}
