// Conversions between Vectra-shaped items and the backend's wire shapes. No validation beyond JS
// types the core cannot see (ids must be strings, metadata must be JSON); vectors are handed over
// as given so that a Float32Array reaches the core without a copy.

import type { BackendItemInput, VectorLike } from './backend.js';
import { invalidArgument } from './errors.js';
import { toJsonObject } from './json.js';
import type { IndexItem, IndexItemInput, Vector } from './types.js';

/** Converts one input item; `path` names it in error messages (`'item'`, `'items[3]'`). */
export function toBackendInput(item: unknown, path: string): BackendItemInput {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    throw invalidArgument(`${path} must be an object like { id?, vector, metadata? }`);
  }
  const { id, vector, metadata } = item as IndexItemInput<unknown>;
  const input: BackendItemInput = {
    metadata:
      metadata === undefined || metadata === null
        ? '{}'
        : toJsonObject(metadata, `${path}.metadata`),
  };
  if (id !== undefined && id !== null) input.id = checkId(id, `${path}.id`);
  // Anything else than a vector is left for the core to reject ("Vector is required", ...).
  if (vector !== undefined && vector !== null) input.vector = vector as VectorLike;
  return input;
}

/**
 * A number[] as a Float64Array holding the same values (the core still rounds each to float32
 * by its own rule): the addon reads a typed array in one step but an array element by element,
 * three or four N-API calls per number, ~30 µs for 128 dimensions, more than a small search
 * (measured on Node 20: a 10k query from 88 to 56 µs). Anything else, and an array holding
 * something other than a number, is passed as given, for the core to accept or reject with its
 * own message. A query's vector is converted when the call is made; items' vectors when their
 * batch is sent (so a large insertItems never holds a second copy of every vector).
 */
export function toBackendVector(vector: VectorLike): VectorLike;
export function toBackendVector(vector: VectorLike | undefined): VectorLike | undefined;
export function toBackendVector(vector: VectorLike | undefined): VectorLike | undefined {
  if (!Array.isArray(vector)) return vector;
  const out = new Float64Array(vector.length);
  for (let i = 0; i < vector.length; i++) {
    const x: unknown = vector[i];
    if (typeof x !== 'number') return vector;
    out[i] = x;
  }
  return out;
}

/** Checks that an id given by the user is a string (the core validates its content). */
export function checkId(id: unknown, path: string): string {
  if (typeof id !== 'string') {
    throw invalidArgument(
      `${path} must be a string (got ${id === null ? 'null' : typeof id}); ` +
        `convert it with String(id)`,
    );
  }
  return id;
}

/** The item that insertItem/upsertItem resolve to, built from the caller's input. */
export function insertedItem<T>(input: IndexItemInput<T>, id: string): IndexItem<T> {
  const vector = input.vector as Vector;
  return {
    id,
    metadata: input.metadata ?? ({} as T),
    vector: Array.isArray(vector) ? vector : Array.from(vector),
    norm: norm(vector),
  };
}

/** Euclidean norm, accumulated in double precision. */
export function norm(vector: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i] * vector[i];
  return Math.sqrt(sum);
}

/** The items of one backend call with their number[] vectors converted (toBackendVector). */
export function withTypedVectors(inputs: BackendItemInput[]): BackendItemInput[] {
  return inputs.map((input) =>
    Array.isArray(input.vector) ? { ...input, vector: toBackendVector(input.vector) } : input,
  );
}
