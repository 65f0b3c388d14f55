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
 * Neither the check nor the serialization recurses per nesting level: a value nested 100,000 deep
 * is turned into text like any other (the core then rejects it with LIMIT, its depth rule), instead
 * of overflowing the JS stack with a RangeError.
 *
 * @param value the object (metadata or filter)
 * @param path how to name `value` in messages, e.g. `'metadata'` or `'items[3].metadata'`
 */
export function toJsonObject(value: unknown, path: string): string {
  if (!isPlainObject(value)) {
    throw invalidArgument(`${path} must be a plain object (got ${describe(value)})`);
  }
  check(value, path);
  try {
    return JSON.stringify(value);
  } catch (err) {
    // V8's JSON.stringify recurses and throws RangeError past a few thousand levels.
    if (err instanceof RangeError) return stringifyWithoutRecursion(value);
    throw err;
  }
}

/** A container being walked: an array (keys null) or a plain object, and the next child. */
interface Frame {
  node: object;
  path: string;
  keys: string[] | null;
  next: number;
}

/** Walks `root` depth-first with an explicit stack; throws on the first value JSON cannot carry. */
function check(root: object, rootPath: string): void {
  const onPath = new Set<object>(); // the containers from the root to the current one
  const stack: Frame[] = [];
  const visit = (value: unknown, path: string): void => {
    switch (typeof value) {
      case 'string':
      case 'boolean':
      case 'undefined':
        return;
      case 'number':
        if (!Number.isFinite(value)) {
          throw invalidArgument(
            `${path} is ${String(value)}: JSON has no NaN or Infinity; use a finite number ` +
              `(or, in metadata, null or a string)`,
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
    const node = value as object;
    if (onPath.has(node)) {
      throw invalidArgument(
        `${path} is a circular reference (the value refers back to one of its parents): ` +
          `remove the cycle`,
      );
    }
    let keys: string[] | null = null;
    if (!Array.isArray(node)) {
      if (!isPlainObject(node)) throw invalidArgument(`${path} is ${describe(node)}: ${ALLOWED}${hint(node)}`);
      const symbols = Object.getOwnPropertySymbols(node).filter((s) =>
        Object.prototype.propertyIsEnumerable.call(node, s),
      );
      if (symbols.length > 0) {
        throw invalidArgument(
          `${path} has a symbol key (${String(symbols[0])}): JSON would drop it; use a string key`,
        );
      }
      keys = Object.keys(node);
    }
    onPath.add(node);
    stack.push({ node, path, keys, next: 0 });
  };

  visit(root, rootPath);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    const size = frame.keys ? frame.keys.length : (frame.node as unknown[]).length;
    if (frame.next >= size) {
      onPath.delete(frame.node);
      stack.pop();
      continue;
    }
    const i = frame.next++;
    if (frame.keys) {
      const key = frame.keys[i];
      visit((frame.node as Record<string, unknown>)[key], childPath(frame.path, key));
    } else {
      // Index loop: holes are visited too (they serialize as null).
      visit((frame.node as unknown[])[i], `${frame.path}[${i}]`);
    }
  }
}

/**
 * JSON.stringify's output for a value that check() accepted, built with an explicit stack. Only
 * used when JSON.stringify itself runs out of stack (exported for its test).
 */
export function stringifyWithoutRecursion(root: object): string {
  const out: string[] = [];
  const stack: { node: object; keys: string[] | null; next: number; wrote: boolean }[] = [];
  const open = (node: object): void => {
    const keys = Array.isArray(node) ? null : Object.keys(node);
    out.push(keys ? '{' : '[');
    stack.push({ node, keys, next: 0, wrote: false });
  };
  open(root);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    const size = frame.keys ? frame.keys.length : (frame.node as unknown[]).length;
    if (frame.next >= size) {
      out.push(frame.keys ? '}' : ']');
      stack.pop();
      continue;
    }
    const i = frame.next++;
    let value: unknown;
    if (frame.keys) {
      value = (frame.node as Record<string, unknown>)[frame.keys[i]];
      if (value === undefined) continue; // dropped, as by JSON.stringify
      out.push(`${frame.wrote ? ',' : ''}${JSON.stringify(frame.keys[i])}:`);
    } else {
      value = (frame.node as unknown[])[i];
      if (frame.wrote) out.push(',');
    }
    frame.wrote = true;
    if (typeof value === 'object' && value !== null) open(value);
    else out.push(value === undefined ? 'null' : JSON.stringify(value));
  }
  return out.join('');
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
