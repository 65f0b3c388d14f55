// Issue 8's aims, each checked against a run: met, not met, or not measured. "On every dataset"
// means every dataset of the issue's set (plan.mjs ISSUE8) that the run included; the verdict
// names the worst dataset and lists the issue's datasets the run left out.
import { ISSUE8 } from './plan.mjs';

const ONE_MILLION = 'clustered-1m';

export const AIMS = [
  {
    id: 'single-hnswlib',
    text: 'QPS @ recall 0.95, single client: ≥ 1.2× hnswlib-node on every dataset',
    pick: (r) => r.single.vsHnswlibNode,
    atLeast: 1.2,
    unit: '×',
  },
  {
    id: 'single-usearch',
    text: 'QPS @ recall 0.95, single client: ≥ 1.0× USearch on every dataset',
    pick: (r) => r.single.vsUsearch,
    atLeast: 1.0,
    unit: '×',
  },
  {
    id: 'in-flight-hnswlib',
    text: 'QPS @ recall 0.95, 8 queries in flight on 2 cores: ≥ 1.8× hnswlib-node',
    pick: (r) => r.inFlight.vsHnswlibNode,
    atLeast: 1.8,
    unit: '×',
    cores: 2,
  },
  {
    id: 'get-item-p99',
    text: 'getItem p99 < 60 µs (one call at a time)',
    pick: (r) => r.getItem?.sequential.p99Us ?? null,
    below: 60,
    unit: ' µs',
  },
  {
    id: 'reopen-1m',
    text: 'reopen 1,000,000 × 128 to the first answered query < 1 s',
    pick: (r) => (r.id === ONE_MILLION ? r.reopenMs.quiver : null),
    below: 1000,
    unit: ' ms',
    datasets: [ONE_MILLION],
  },
  {
    id: 'wasm-hnswlib-wasm',
    text: 'WASM QPS @ recall 0.95 ≥ 2× hnswlib-wasm on the same data',
    pick: (r) => r.wasm.vsHnswlibWasm,
    atLeast: 2.0,
    unit: '×',
    // hnswlib-wasm is not built at 1,000,000 (single-threaded WASM build, see plan.mjs).
    datasets: ISSUE8.datasets.filter((id) => id !== ONE_MILLION),
  },
];

const show = (value, unit) =>
  unit === '×' ? `${value.toFixed(2)}×` : `${value.toFixed(unit === ' ms' ? 0 : 1)}${unit}`;

/** The verdict on one aim: { aim, status: 'met' | 'not met' | 'not measured', detail }. */
function judge(aim, rows, machine) {
  const wanted = aim.datasets ?? ISSUE8.datasets;
  const measured = rows
    .filter((r) => wanted.includes(r.id))
    .map((r) => ({ id: r.id, value: aim.pick(r) }))
    .filter((m) => typeof m.value === 'number' && Number.isFinite(m.value));
  const missing = wanted.filter((id) => !measured.some((m) => m.id === id));
  if (!measured.length) return { aim, status: 'not measured', detail: 'no figure in this run' };
  const worse = (a, b) => (aim.atLeast !== undefined ? a.value < b.value : a.value > b.value);
  const worst = measured.reduce((w, m) => (worse(m, w) ? m : w));
  const passes = (v) => (aim.atLeast !== undefined ? v >= aim.atLeast : v < aim.below);
  const failing = measured.filter((m) => !passes(m.value)).map((m) => m.id);
  const notes = [`worst ${show(worst.value, aim.unit)} on ${worst.id}`];
  if (failing.length > 1) notes.push(`below the aim on ${failing.join(', ')}`);
  if (missing.length) notes.push(`not measured on ${missing.join(', ')}`);
  if (aim.cores && machine.cores !== aim.cores)
    notes.push(`this machine has ${machine.cores} cores`);
  const status = failing.length ? 'not met' : missing.length ? 'met where measured' : 'met';
  return { aim, status, detail: notes.join('; ') };
}

export function judgeAims(rows, machine) {
  return AIMS.map((aim) => judge(aim, rows, machine));
}
