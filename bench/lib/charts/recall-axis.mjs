// The recall axis of the recall-vs-QPS chart. Where engines reach high recall it is drawn in
// "nines", -log10(1 - recall): 0.9, 0.99 and 0.999 are equally far apart, so the end where
// engines differ is not squeezed against 1.0 (points at or above 0.999 sit on the right edge).
// Where no approximate engine gets near that (uniform data at 100,000+ vectors), a plain
// linear axis shows the low-recall curves instead of crushing them into the left margin.
import { linear } from './scale.mjs';

const NINES_CAP = 3;
const NINES_TICKS = [0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999];
const nines = (recall) => -Math.log10(Math.max(1 - recall, 10 ** -NINES_CAP));

function ninesAxis(min, left, right) {
  const low = NINES_TICKS.filter((t) => t <= min).at(-1) ?? 0;
  const toX = linear(nines(low), NINES_CAP, left, right);
  return {
    x: (recall) => toX(nines(recall)),
    ticks: NINES_TICKS.filter((t) => t >= low).map((t) => ({
      value: t,
      label: t === 0.999 ? '≥0.999' : String(t),
    })),
    caption: 'recall@10 (mean over queries; axis in "nines": 0.9, 0.99, 0.999 equally spaced)',
  };
}

function linearAxis(min, left, right) {
  const low = Math.max(0, Math.floor(min * 10) / 10);
  const ticks = [];
  for (let t = low; t <= 1.0001; t += 0.1) ticks.push({ value: t, label: t.toFixed(1) });
  return { x: linear(low, 1, left, right), ticks, caption: 'recall@10 (mean over queries)' };
}

/** `points`: every point of the chart; `approximate`: those of HNSW engines only. */
export function recallAxis(points, approximate, left, right) {
  const min = Math.min(...points.map((p) => p.recall));
  const best = Math.max(0, ...approximate.map((p) => p.recall));
  return best >= 0.9 ? ninesAxis(min, left, right) : linearAxis(min, left, right);
}
