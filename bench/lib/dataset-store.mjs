// Datasets as files: the suite writes every dataset once (base, queries, exact ground truth) as
// raw little-endian arrays under bench/.cache/data/, and each engine's child process maps the
// same files back into typed arrays. Raw arrays, not .fvecs: a 1,000,000 x 128 base loads in a
// few hundred milliseconds instead of several seconds of per-element parsing.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CACHE_DIR } from './ground-truth.mjs';

const DATA_DIR = join(CACHE_DIR, 'data');

/** A stable file stem for a dataset: its name plus a hash of the exact recipe. */
function stem(recipe, name) {
  const hash = createHash('sha256').update(recipe).digest('hex').slice(0, 12);
  return join(DATA_DIR, `${name}-${hash}`);
}

async function writeAtomically(path, data) {
  await writeFile(`${path}.tmp`, data);
  await rename(`${path}.tmp`, path);
}

const bytesOf = (array) => Buffer.from(array.buffer, array.byteOffset, array.byteLength);

/** Typed-array view over a file's bytes (copied only if the buffer is misaligned). */
async function readTyped(path, ArrayType) {
  const buffer = await readFile(path);
  if (buffer.byteOffset % ArrayType.BYTES_PER_ELEMENT === 0) {
    return new ArrayType(
      buffer.buffer,
      buffer.byteOffset,
      buffer.byteLength / ArrayType.BYTES_PER_ELEMENT,
    );
  }
  return new ArrayType(new Uint8Array(buffer).buffer);
}

/** The description file of a stored dataset, or null when it is not stored yet. */
export async function storedDataset(recipe, name) {
  const meta = `${stem(recipe, name)}.json`;
  if (!existsSync(meta)) return null;
  const info = JSON.parse(await readFile(meta, 'utf8'));
  return info.recipe === recipe ? { ...info, meta } : null;
}

/**
 * Writes a dataset and its ground truth ({ k, ids: Int32Array }) and returns the description
 * a child process needs to load it: { meta, name, recipe, metric, dimensions, count, ... }.
 */
export async function storeDataset(dataset, metric, truth, extra = {}) {
  await mkdir(DATA_DIR, { recursive: true });
  const base = stem(dataset.recipe, dataset.name);
  const info = {
    name: dataset.name,
    recipe: dataset.recipe,
    metric,
    dimensions: dataset.dimensions,
    count: dataset.count,
    queryCount: dataset.queryCount,
    truthK: truth.k,
    files: { base: `${base}.base.f32`, queries: `${base}.queries.f32`, truth: `${base}.truth.i32` },
    ...extra,
  };
  await writeAtomically(info.files.base, bytesOf(dataset.base));
  await writeAtomically(info.files.queries, bytesOf(dataset.queries));
  await writeAtomically(info.files.truth, bytesOf(truth.ids));
  // The description goes last: its presence means the three data files are complete.
  await writeAtomically(`${base}.json`, JSON.stringify(info, null, 2));
  return { ...info, meta: `${base}.json` };
}

/**
 * Loads a stored dataset in a child process. `parts` picks what to read, so a process that only
 * reopens an index does not pay for (or count in its memory) the base vectors.
 */
export async function loadStoredDataset(info, parts = { base: true, queries: true, truth: true }) {
  const dataset = { ...info, base: null, queries: null, truth: null };
  if (parts.base) dataset.base = await readTyped(info.files.base, Float32Array);
  if (parts.queries) dataset.queries = await readTyped(info.files.queries, Float32Array);
  if (parts.truth)
    dataset.truth = { k: info.truthK, ids: await readTyped(info.files.truth, Int32Array) };
  return dataset;
}
