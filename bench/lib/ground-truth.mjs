// Exact top-k ground truth for a dataset, computed by brute force in worker threads and cached
// on disk (bench/.cache/, gitignored) keyed by the dataset recipe, metric and k: the 100k x 1,000
// brute force takes a while, and the data it depends on is fully determined by the recipe.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { normalizeRows, pairDistance } from './brute-force.mjs';
import { readIvecs, writeIvecs } from './vecs-format.mjs';

export const CACHE_DIR = fileURLToPath(new URL('../.cache/', import.meta.url));
const WORKER = new URL('./brute-force-worker.mjs', import.meta.url);

// Workers read the matrices from shared memory instead of each receiving a structured copy.
function shared(array) {
  const out = new Float32Array(new SharedArrayBuffer(array.byteLength));
  out.set(array);
  return out;
}

function runWorker(workerData) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { workerData });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`brute-force worker exited with code ${code}`));
    });
  });
}

/**
 * Exact top-k of every query of the dataset. Returns { k, ids: Int32Array, distances:
 * Float32Array } (row-major, nearest first; distance as defined in brute-force.mjs).
 */
export async function bruteForce(dataset, metric, k, { threads = availableParallelism() } = {}) {
  const { dimensions, queryCount } = dataset;
  const prepare = (data) => shared(metric === 'cosine' ? normalizeRows(data, dimensions) : data);
  const base = prepare(dataset.base);
  const queries = prepare(dataset.queries);
  const slices = Math.max(1, Math.min(threads, queryCount));
  const jobs = [];
  for (let s = 0; s < slices; s++) {
    const from = Math.floor((s * queryCount) / slices);
    const to = Math.floor(((s + 1) * queryCount) / slices);
    jobs.push(runWorker({ base, queries, dimensions, metric, k, from, to }));
  }
  const parts = await Promise.all(jobs);
  const ids = new Int32Array(queryCount * k);
  const distances = new Float32Array(queryCount * k);
  let offset = 0;
  for (const part of parts) {
    ids.set(part.ids, offset);
    distances.set(part.distances, offset);
    offset += part.ids.length;
  }
  return { k, ids, distances };
}

function cachePaths(dataset, metric, k) {
  const key = `${dataset.recipe}|metric=${metric}|k=${k}`;
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  const stem = `${CACHE_DIR}gt-${dataset.name}-${metric}-k${k}-${hash}`;
  return { key, ids: `${stem}.ivecs`, info: `${stem}.json` };
}

/**
 * Ground truth ids for the dataset, from the cache when present, else by brute force (then
 * cached). Returns { k, ids: Int32Array, cached: boolean, seconds }.
 */
export async function groundTruth(dataset, metric, k, { log = () => {} } = {}) {
  const paths = cachePaths(dataset, metric, k);
  if (existsSync(paths.ids) && existsSync(paths.info)) {
    const info = JSON.parse(await readFile(paths.info, 'utf8'));
    if (info.key === paths.key) {
      const file = await readIvecs(paths.ids);
      if (file.count === dataset.queryCount && file.dimensions === k) {
        return { k, ids: file.data, cached: true, seconds: 0 };
      }
    }
  }
  log(`computing exact top-${k} (${metric}) for ${dataset.name} by brute force...`);
  const started = performance.now();
  const truth = await bruteForce(dataset, metric, k);
  const seconds = (performance.now() - started) / 1000;
  await mkdir(CACHE_DIR, { recursive: true });
  // Write then rename, so an interrupted run never leaves a truncated cache entry behind.
  await writeIvecs(`${paths.ids}.tmp`, truth.ids, k);
  await rename(`${paths.ids}.tmp`, paths.ids);
  const info = { key: paths.key, recipe: dataset.recipe, metric, k, seconds };
  await writeFile(paths.info, JSON.stringify(info, null, 2));
  return { k, ids: truth.ids, cached: false, seconds };
}

/**
 * Checks a published ground truth against our brute force over the first k neighbours.
 * A row whose ids differ still counts as consistent when the two lists have the same distances
 * (ties at equal distance can legitimately be ordered either way).
 * Returns { queries, identical, tiesOnly, mismatched: [query indexes] }.
 */
export function compareGroundTruth(dataset, metric, expected, computed, k) {
  const { dimensions } = dataset;
  const vector = (data, i) => data.subarray(i * dimensions, (i + 1) * dimensions);
  const result = { queries: dataset.queryCount, identical: 0, tiesOnly: 0, mismatched: [] };
  for (let q = 0; q < dataset.queryCount; q++) {
    const a = expected.ids.subarray(q * expected.k, q * expected.k + k);
    const b = computed.ids.subarray(q * computed.k, q * computed.k + k);
    if (a.every((id, i) => id === b[i])) {
      result.identical++;
      continue;
    }
    const query = vector(dataset.queries, q);
    const distancesOf = (ids) =>
      Array.from(ids, (id) => pairDistance(metric, query, vector(dataset.base, id))).sort(
        (x, y) => x - y,
      );
    const da = distancesOf(a);
    const db = distancesOf(b);
    const same = da.every((d, i) => Math.abs(d - db[i]) <= 1e-6 * Math.max(1, Math.abs(d)));
    if (same) result.tiesOnly++;
    else result.mismatched.push(q);
  }
  return result;
}
