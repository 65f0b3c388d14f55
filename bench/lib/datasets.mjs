// Benchmark datasets: seeded synthetic generators and the sift5k loader. A dataset is a plain
// object with row-major Float32Arrays, so it can be fed to any engine or to the brute force.
//
// {
//   name, recipe,            // recipe: a one-line, human-readable description; also the cache key
//   dimensions, count, base, // base: Float32Array(count * dimensions)
//   queryCount, queries,     // queries: Float32Array(queryCount * dimensions)
//   groundTruth?,            // { k, ids: Int32Array(queryCount * k) } when the dataset ships one
// }
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gaussian, mulberry32 } from './random.mjs';
import { readFvecs, readIvecs } from './vecs-format.mjs';

export { gaussian, mulberry32 } from './random.mjs';
export { readFvecs, readIvecs, writeFvecs, writeIvecs } from './vecs-format.mjs';

/** Row i of a row-major matrix, as a view (no copy). */
export function row(data, dimensions, i) {
  return data.subarray(i * dimensions, (i + 1) * dimensions);
}

// Base points and queries come from their own streams (seed + 1, seed + 2), so the queries stay
// the same whatever the base count: runs with different --n are comparable query for query.
function streams(seed) {
  return { centers: mulberry32(seed), base: mulberry32(seed + 1), queries: mulberry32(seed + 2) };
}

export const CLUSTERED_DEFAULTS = { dimensions: 128, clusters: 100, sigma: 0.25, seed: 42 };
export const UNIFORM_DEFAULTS = { dimensions: 128, seed: 42 };

// Names carry the dimension only when it is not the default 128, so existing cache files keep
// their names.
const nameOf = (kind, count, dimensions) =>
  dimensions === 128 ? `${kind}-${count}` : `${kind}-${count}-d${dimensions}`;

/**
 * The name and recipe of a clustered dataset, without generating it: the recipe is the cache
 * key of its files, so a cached 1,000,000-vector dataset is found without regenerating it.
 */
export function clusteredSpec(options) {
  const { count, queryCount, dimensions, clusters, sigma, seed } = {
    ...CLUSTERED_DEFAULTS,
    ...options,
  };
  return {
    name: nameOf('clustered', count, dimensions),
    recipe:
      `clustered d=${dimensions} n=${count} queries=${queryCount} clusters=${clusters} ` +
      `sigma=${sigma} seed=${seed}`,
  };
}

/** The name and recipe of a uniform dataset (see clusteredSpec). */
export function uniformSpec(options) {
  const { count, queryCount, dimensions, seed } = { ...UNIFORM_DEFAULTS, ...options };
  return {
    name: nameOf('uniform', count, dimensions),
    recipe: `uniform d=${dimensions} n=${count} queries=${queryCount} range=[-1,1] seed=${seed}`,
  };
}

/**
 * Clustered data, the shape real embeddings have (topics).
 * Recipe: K centers drawn uniformly from [-1, 1]^d (stream seed); each point picks a center
 * uniformly at random and adds independent N(0, sigma^2) noise to every component. Base points
 * use stream seed + 1, queries (held out, same distribution) stream seed + 2.
 * Streams are mulberry32; normals are Box-Muller.
 */
export function generateClustered(options) {
  const { count, queryCount, dimensions, clusters, sigma, seed } = {
    ...CLUSTERED_DEFAULTS,
    ...options,
  };
  const rng = streams(seed);
  const centers = new Float32Array(clusters * dimensions);
  for (let i = 0; i < centers.length; i++) centers[i] = rng.centers() * 2 - 1;

  const sample = (uniform, n) => {
    const normal = gaussian(uniform);
    const out = new Float32Array(n * dimensions);
    for (let i = 0; i < n; i++) {
      const c = Math.floor(uniform() * clusters);
      for (let j = 0; j < dimensions; j++) {
        out[i * dimensions + j] = centers[c * dimensions + j] + sigma * normal();
      }
    }
    return out;
  };

  return {
    ...clusteredSpec(options),
    dimensions,
    count,
    base: sample(rng.base, count),
    queryCount,
    queries: sample(rng.queries, queryCount),
  };
}

/**
 * Uniform data: every component uniform in [-1, 1] (base stream seed + 1, queries seed + 2).
 * The hardest case for ANN search (no structure to exploit); useful as a worst case.
 */
export function generateUniform(options) {
  const { count, queryCount, dimensions, seed } = { ...UNIFORM_DEFAULTS, ...options };
  const rng = streams(seed);
  const sample = (uniform, n) => {
    const out = new Float32Array(n * dimensions);
    for (let i = 0; i < out.length; i++) out[i] = uniform() * 2 - 1;
    return out;
  };
  return {
    ...uniformSpec(options),
    dimensions,
    count,
    base: sample(rng.base, count),
    queryCount,
    queries: sample(rng.queries, queryCount),
  };
}

/**
 * Loads a TEXMEX-style folder (base.fvecs, query.fvecs, groundtruth.ivecs), e.g. sift5k.
 * Returns null when the folder is absent, so callers can skip with a message.
 */
export async function loadVecsFolder(folder, name) {
  const files = ['base.fvecs', 'query.fvecs', 'groundtruth.ivecs'].map((f) => join(folder, f));
  if (!files.every((f) => existsSync(f))) return null;
  const [base, queries, truth] = await Promise.all([
    readFvecs(files[0]),
    readFvecs(files[1]),
    readIvecs(files[2]),
  ]);
  if (base.dimensions !== queries.dimensions) {
    throw new Error(`${folder}: base has d=${base.dimensions}, queries d=${queries.dimensions}`);
  }
  if (truth.count !== queries.count) {
    throw new Error(`${folder}: ${truth.count} ground-truth rows for ${queries.count} queries`);
  }
  return {
    name,
    recipe: `${name} (files in ${folder})`,
    dimensions: base.dimensions,
    count: base.count,
    base: base.data,
    queryCount: queries.count,
    queries: queries.data,
    groundTruth: { k: truth.dimensions, ids: truth.data },
  };
}
