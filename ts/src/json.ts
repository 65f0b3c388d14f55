// Metadata and filters cross into the core as JSON text. JSON.stringify alone would silently
// turn a Date into a string, a Map into {}, NaN into null and drop functions, so the value is
// checked first and every such case is rejected with the path of the offending value. This is the
// only validation done in TypeScript: it concerns JS types that have no JSON form; everything
// about the JSON itself (size, filter operators, depth) is the core's job.

import { invalidArgument } from './errors.js';

const ALLOWED =
  'only strings, finite numbers, booleans, null, arrays and plain objects can be stored';

/**
 * Serializes a plain object to JSON text, or throws an INVALID_ARGUMENT QuiverError naming the
 * path of the first value that JSON cannot represent faithfully. `undefined` object properties are
 * dropped and `undefined` array slots become null, as with JSON.stringify.
 *
 * @param value the object (metadata or filter)
 * @param path how to name `value` in messages, e.g. `'metadata'` or `'items[3].metadata'`
 */
export function toJsonObject(value: unknown, path: string): string {
  if (!isPlainObject(value)) {
    throw invalidArgument(`${path} must be a plain object (got ${describe(value)})`);
  }
  check(value, path, []);
  return JSON.stringify(value);
}

function check(value: unknown, path: string, ancestors: object[]): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return;
    case 'number':
      if (!Number.isFinite(value)) {
        throw invalidArgument(
          `${path} is ${String(value)}: JSON has no NaN or Infinity; store a finite number, ` +
            `null, or a string instead`,
        );
      }
      return;
    case 'bigint':
      throw invalidArgument(
        `${path} is a BigInt: JSON has no BigInt; convert it with Number(x) or String(x)`,
      );
    case 'function':
      throw invalidArgument(`${path} is a function: ${ALLOWED}`);
    case 'symbol':
      throw invalidArgument(`${path} is a symbol: ${ALLOWED}`);
  }
  if (value === null) return;
  const obj = value as object;
  const cycleAt = ancestors.indexOf(obj);
  if (cycleAt !== -1) {
    throw invalidArgument(
      `${path} is a circular reference (the value refers back to one of its parents): ` +
        `remove the cycle`,
    );
  }
  ancestors.push(obj);
  if (Array.isArray(obj)) {
    // Index loop, not forEach: holes must be visited too (they serialize as null).
    for (let i = 0; i < obj.length; i++) check(obj[i], `${path}[${i}]`, ancestors);
  } else if (isPlainObject(obj)) {
    const symbols = Object.getOwnPropertySymbols(obj).filter((s) =>
      Object.prototype.propertyIsEnumerable.call(obj, s),
    );
    if (symbols.length > 0) {
      throw invalidArgument(
        `${path} has a symbol key (${String(symbols[0])}): JSON would drop it; use a string key`,
      );
    }
    for (const key of Object.keys(obj)) {
      check((obj as Record<string, unknown>)[key], childPath(path, key), ancestors);
    }
  } else {
    throw invalidArgument(`${path} is ${describe(obj)}: ${ALLOWED}${hint(obj)}`);
  }
  ancestors.pop();
}

/** True for `{...}` literals and `Object.create(null)`; false for Date, Map, class instances. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function childPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  if (typeof value !== 'object') return `a ${typeof value}`;
  const ctor = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)
    ?.constructor?.name;
  return typeof ctor === 'string' && ctor !== '' ? `a ${ctor}` : 'a non-plain object';
}

function hint(value: object): string {
  if (value instanceof Date) return ' (convert it with date.toISOString() or date.getTime())';
  if (value instanceof Map) return ' (convert it with Object.fromEntries(map))';
  if (value instanceof Set) return ' (convert it with Array.from(set))';
  if (ArrayBuffer.isView(value)) return ' (convert it with Array.from(array))';
  return ' (copy the fields you need into a plain object)';
}
