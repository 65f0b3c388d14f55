// A metadata filter as JSON text for the core. JSON has no `undefined`, and JSON.stringify drops
// a property whose value is undefined, which would turn `{ userId: undefined }` into `{}`: a
// filter that matches every item. Vectra's rule is the opposite (a field condition that is
// undefined or null matches nothing), and it is the safe one, so such a condition is sent as
// `{"$in": []}`, the core's "matches nothing". (A null condition is sent as null: the core's
// MongoDB rule, null matches items where the field is null or absent, is kept.)

import { toJsonObject } from './json.js';

const LOGICAL = new Set(['$and', '$or', '$nor']);
const MATCHES_NOTHING = Object.freeze({ $in: Object.freeze([]) });

/**
 * Serializes a filter, or throws an INVALID_ARGUMENT QuiverError naming the first value JSON
 * cannot represent (the same check as metadata). A field condition whose value is `undefined`, at
 * the top level or in an `$and` / `$or` / `$nor` branch, becomes a condition nothing satisfies.
 */
export function toFilterJson(filter: unknown, path: string): string {
  const checked = toJsonObject(filter, path); // validates; undefined properties dropped
  // The filter documents: the root, then each branch of a logical operator as it is reached
  // (JSON.stringify calls the replacer on a property before it serializes the value).
  const documents = new Set<unknown>([filter]);
  const replacer = function (this: unknown, key: string, value: unknown): unknown {
    if (!documents.has(this)) return value;
    if (LOGICAL.has(key)) {
      if (Array.isArray(value)) for (const branch of value) documents.add(branch);
      return value;
    }
    return value === undefined && !key.startsWith('$') ? MATCHES_NOTHING : value;
  };
  try {
    return JSON.stringify(filter, replacer);
  } catch (err) {
    // Nested too deep for JSON.stringify: the core rejects such a filter by its depth (LIMIT)
    // whatever its undefined conditions, so the checked text serves.
    if (err instanceof RangeError) return checked;
    throw err;
  }
}
