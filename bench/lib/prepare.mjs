// Turns a dataset entry of the plan into files on disk with exact ground truth, once: later runs
// find them by recipe in bench/.cache/data/ and skip generation and brute force entirely.
import { fileURLToPath } from 'node:url';
import {
  clusteredSpec,
  generateClustered,
  generateUniform,
  loadVecsFolder,
  uniformSpec,
} from './datasets.mjs';
import { storeDataset, storedDataset } from './dataset-store.mjs';
import { bruteForce, compareGroundTruth, groundTruth } from './ground-truth.mjs';
import { GENERATED_QUERIES, TRUTH_K } from './plan.mjs';

// The shared data folder sits next to the repository: ../shared/data/sift5k from the repo root.
// BENCH_SIFT_DIR points elsewhere (a git worktree is not next to it).
export const SIFT_DIR =
  process.env.BENCH_SIFT_DIR ??
  fileURLToPath(new URL('../../../shared/data/sift5k/', import.meta.url));

const GENERATORS = {
  clustered: { spec: clusteredSpec, generate: generateClustered },
  uniform: { spec: uniformSpec, generate: generateUniform },
};

async function prepareGenerated(entry, log) {
  const options = {
    count: entry.count,
    dimensions: entry.dimensions,
    queryCount: GENERATED_QUERIES,
  };
  const { spec, generate } = GENERATORS[entry.kind];
  const { name, recipe } = spec(options);
  const stored = await storedDataset(recipe, name);
  if (stored) return stored;

  const started = performance.now();
  const dataset = generate(options);
  log(
    `${entry.id}: generated in ${((performance.now() - started) / 1000).toFixed(1)} s (${recipe})`,
  );
  const truth = await groundTruth(dataset, entry.metric, TRUTH_K, { log });
  const truthSource = truth.cached
    ? 'brute force (cached)'
    : `brute force (${truth.seconds.toFixed(1)} s on all cores)`;
  return storeDataset(dataset, entry.metric, truth, { truthSource });
}

async function prepareSift(entry, log) {
  const dataset = await loadVecsFolder(SIFT_DIR, 'sift5k');
  if (!dataset) return { skipped: `${SIFT_DIR} not found (see bench/README.md)` };
  const stored = await storedDataset(dataset.recipe, dataset.name);
  if (stored) return stored;

  // Trust, but verify: the published ground truth must agree with our own brute force.
  const k = Math.min(TRUTH_K, dataset.groundTruth.k);
  const computed = await bruteForce(dataset, entry.metric, k);
  const check = compareGroundTruth(dataset, entry.metric, dataset.groundTruth, computed, k);
  const verified = check.mismatched.length === 0;
  log(
    `sift5k: groundtruth.ivecs vs brute force (top-${k}): ${check.identical}/${check.queries} ` +
      `identical, ${check.tiesOnly} differ only in ties, ${check.mismatched.length} disagree`,
  );
  const truth = verified ? dataset.groundTruth : computed;
  const truthSource = verified ? 'groundtruth.ivecs (verified by brute force)' : 'brute force';
  return storeDataset(dataset, entry.metric, truth, { truthSource, truthCheck: check });
}

/**
 * Files and description of one dataset of the plan, or { skipped: reason }. The description
 * is what child processes receive (see dataset-store.mjs).
 */
export async function prepareDataset(entry, { log }) {
  const info =
    entry.kind === 'sift' ? await prepareSift(entry, log) : await prepareGenerated(entry, log);
  return info.skipped ? info : { ...info, id: entry.id, kind: entry.kind };
}
