// insertItems' and upsertItems' batching loop (LocalIndex): items as objects or in the packed form,
// batches of `batchSize` committed one transaction each, progress after each, and an AbortSignal
// that rolls back the batch in progress. Validation of items, vectors and `threads` is the
// core's; this layer only slices, converts metadata to JSON text and orders the calls.

import type { BackendIndex, BackendItemInput } from './backend.js';
import { QuiverAbortError, QuiverError, invalidArgument } from './errors.js';
import { checkId, withTypedVectors } from './items.js';
import { isPlainObject, toJsonObject } from './json.js';

export interface IngestOptions {
  /** The LocalIndex method, for messages. */
  method: 'insertItems' | 'upsertItems';
  batchSize: number;
  onProgress: ((done: number, total: number) => void) | undefined;
  signal: AbortSignal | undefined;
  /** Write options JSON text for the core ({threads}), or undefined. */
  writeOptions: string | undefined;
}

/** One batch as the backend takes it. */
type Batch = (index: BackendIndex, options: string | undefined, abort: Int32Array) => Promise<string[]>;

/** The packed form, checked and split into batches (vectors as sub-arrays: no copies). */
export function packedBatches(input: unknown, batchSize: number, upsert = false): { total: number; batches: Batch[] } {
  const { ids, vectors, metadata } = input as { ids?: unknown; vectors?: unknown; metadata?: unknown };
  if (!Array.isArray(ids)) throw invalidArgument('packed items: ids must be an array of strings');
  if (!(vectors instanceof Float32Array)) {
    throw invalidArgument('packed items: vectors must be a Float32Array of ids.length x dimensions floats');
  }
  if (metadata !== undefined && metadata !== null && !Array.isArray(metadata)) {
    throw invalidArgument('packed items: metadata must be an array with one object (or undefined) per id');
  }
  const checked = ids.map((id, i) => checkId(id, `ids[${i}]`));
  const json = metadata
    ? (metadata as unknown[]).map((m, i) =>
        m === undefined || m === null ? '{}' : toJsonObject(m, `metadata[${i}]`))
    : null;
  const n = checked.length;
  const dims = n === 0 ? 0 : vectors.length / n;
  // Not whole, or metadata of another length: one call, so that the core reports it.
  if (!Number.isInteger(dims) || (json && json.length !== n) || n === 0) {
    return {
      total: n,
      batches: [(index, options, abort) => index.writePacked(upsert, checked, vectors, json, options, abort)],
    };
  }
  const batches: Batch[] = [];
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    batches.push((index, options, abort) =>
      index.writePacked(
        upsert,
        checked.slice(start, end),
        vectors.subarray(start * dims, end * dims),
        json ? json.slice(start, end) : null,
        options,
        abort,
      ),
    );
  }
  return { total: n, batches };
}

/** Items as objects, split into batches. */
export function itemBatches(
  inputs: BackendItemInput[],
  batchSize: number,
  upsert = false,
): { total: number; batches: Batch[] } {
  const batches: Batch[] = [];
  for (let start = 0; start < inputs.length; start += batchSize) {
    const slice = inputs.slice(start, start + batchSize);
    batches.push((index, options, abort) =>
      upsert ? index.upsert(withTypedVectors(slice), options, abort) : index.insert(withTypedVectors(slice), options, abort),
    );
  }
  return { total: inputs.length, batches };
}

export function isPackedInput(items: unknown): boolean {
  return isPlainObject(items) && 'vectors' in (items as object);
}

function aborted(method: string, committed: number, total: number): QuiverAbortError {
  return new QuiverAbortError(
    `${method} was aborted by its signal: the batch in progress was rolled back; ` +
      `${committed} of ${total} items were committed by earlier batches and stay`,
    committed,
  );
}

/** Runs the batches in order; resolves to every id, or rejects (abort: QuiverAbortError). */
export async function runBatches(
  index: BackendIndex,
  plan: { total: number; batches: Batch[] },
  options: IngestOptions,
): Promise<string[]> {
  const { method, signal, onProgress, writeOptions } = options;
  const ids: string[] = [];
  // Shared with the core where it can be (Node): it reads element 0 while it writes a batch.
  const flag = new Int32Array(
    typeof SharedArrayBuffer === 'function' ? new SharedArrayBuffer(4) : new ArrayBuffer(4),
  );
  const onAbort = () => Atomics.store(flag, 0, 1);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (const batch of plan.batches) {
      if (signal?.aborted) throw aborted(method, ids.length, plan.total);
      let written: string[];
      try {
        written = await batch(index, writeOptions, flag);
      } catch (err) {
        if (err instanceof Error && (err as QuiverError).code === 'ABORTED') throw aborted(method, ids.length, plan.total);
        throw err;
      }
      // A loop, not push(...ids): a large batch would overflow the argument limit.
      for (const id of written) ids.push(id);
      onProgress?.(ids.length, plan.total);
    }
    return ids;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
