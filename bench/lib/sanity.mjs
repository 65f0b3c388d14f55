// Checks that an engine's hits look like the documented result shape: ordered best first, score
// and distance consistent with the metric, and the stored vector returned unchanged. A benchmark
// is meaningless if these fail, so they are reported with the figures (as warnings, not asserts).
import { pairDistance } from './brute-force.mjs';
import { row } from './datasets.mjs';

const close = (a, b, tolerance) =>
  Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(a), Math.abs(b));

export function checkHits(hits, dataset, metric, queryIndex) {
  const problems = [];
  const query = row(dataset.queries, dataset.dimensions, queryIndex);
  for (let i = 1; i < hits.length; i++) {
    if (hits[i].score > hits[i - 1].score) problems.push(`hit ${i} scores above hit ${i - 1}`);
  }
  for (const hit of hits.slice(0, 3)) {
    const id = Number(hit.item.id);
    const stored = row(dataset.base, dataset.dimensions, id);
    const vector = hit.item.vector;
    if (!vector || vector.length !== stored.length || !stored.every((v, j) => v === vector[j])) {
      problems.push(`item ${id}: returned vector differs from the inserted one`);
    }
    const expected = pairDistance(metric, query, stored); // smaller is better, see brute-force.mjs
    const score = metric === 'l2' || metric === 'ip' ? -expected : 1 - expected;
    if (!close(hit.score, score, 1e-4)) {
      problems.push(`item ${id}: score ${hit.score}, expected ${score} for ${metric}`);
    }
    if (metric === 'l2' && !close(hit.distance, expected, 1e-4)) {
      problems.push(`item ${id}: distance ${hit.distance}, expected squared L2 ${expected}`);
    }
  }
  return problems;
}
