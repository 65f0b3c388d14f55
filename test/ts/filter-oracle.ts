// An independent TypeScript statement of Quiver's filter semantics (MongoDB rules as the core's
// query/filter.cpp implements them), used as the oracle of the filter property test. Written
// from the rules, not from the C++: a path fans out through arrays (a numeric segment also picks
// an array position; only one level of arrays is looked through), an operator holds when it holds
// for some value the path reaches, $eq/$in/comparisons also look at the elements of an array
// value, {f: null} and $in [null] match an absent field, comparisons order numbers only.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const ABSENT = Symbol('absent');
type Reached = Json | typeof ABSENT;

const isObject = (v: unknown): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function arrayIndex(segment: string): number | undefined {
  return /^(0|[1-9][0-9]{0,17})$/.test(segment) ? Number(segment) : undefined;
}

/** Every value `path` reaches in `root` (ABSENT where a branch leads nowhere). */
export function reached(root: Json, path: string[]): Reached[] {
  if (!isObject(root)) return [ABSENT];
  const out: Reached[] = [];
  const walk = (value: Json, at: number): void => {
    let current: Json = value;
    for (let i = at; i < path.length; i++) {
      if (isObject(current)) {
        if (!Object.prototype.hasOwnProperty.call(current, path[i])) {
          out.push(ABSENT);
          return;
        }
        current = current[path[i]];
      } else if (Array.isArray(current)) {
        let any = false;
        const index = arrayIndex(path[i]);
        if (index !== undefined && index < current.length) {
          any = true;
          walk(current[index], i + 1);
        }
        for (const element of current) {
          if (!isObject(element)) continue;
          any = true;
          walk(element, i);
        }
        if (!any) out.push(ABSENT);
        return;
      } else {
        out.push(ABSENT);
        return;
      }
    }
    out.push(current);
  };
  walk(root, 0);
  return out;
}

export function deepEqual(a: Json, b: Json): boolean {
  if (typeof a === 'number' || typeof b === 'number') return a === b;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const y = b as Json[];
    return a.length === y.length && a.every((x, i) => deepEqual(x, y[i]));
  }
  const x = a as Record<string, Json>;
  const y = b as Record<string, Json>;
  const keys = Object.keys(x);
  return (
    keys.length === Object.keys(y).length &&
    keys.every((k) => Object.prototype.hasOwnProperty.call(y, k) && deepEqual(x[k], y[k]))
  );
}

function selfOrElement(v: Json, test: (x: Json) => boolean): boolean {
  return test(v) || (Array.isArray(v) && v.some(test));
}

function holdsFor(op: string, operand: Json, v: Reached): boolean {
  switch (op) {
    case '$eq':
      return v === ABSENT ? operand === null : selfOrElement(v, (x) => deepEqual(x, operand));
    case '$in': {
      const list = operand as Json[];
      return v === ABSENT ? list.includes(null) : selfOrElement(v, (x) => list.some((o) => deepEqual(x, o)));
    }
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte':
      if (v === ABSENT || typeof operand !== 'number') return false;
      return selfOrElement(v, (x) => {
        if (typeof x !== 'number') return false;
        if (op === '$gt') return x > operand;
        if (op === '$gte') return x >= operand;
        if (op === '$lt') return x < operand;
        return x <= operand;
      });
    default:
      throw new Error(`holdsFor: ${op}`);
  }
}

function fieldMatches(doc: Json, field: string, condition: Json): boolean {
  const values = reached(doc, field.split('.'));
  const any = (op: string, operand: Json) => values.some((v) => holdsFor(op, operand, v));
  const ops =
    isObject(condition) && Object.keys(condition).length > 0 && Object.keys(condition).every((k) => k.startsWith('$'))
      ? condition
      : { $eq: condition };
  const all = (set: Record<string, Json>): boolean =>
    Object.entries(set).every(([op, operand]) => {
      switch (op) {
        case '$eq':
        case '$in':
        case '$gt':
        case '$gte':
        case '$lt':
        case '$lte':
          return any(op, operand);
        case '$ne':
          return !any('$eq', operand);
        case '$nin':
          return !any('$in', operand);
        case '$exists':
          return values.some((v) => v !== ABSENT) === operand;
        case '$not':
          return !all(operand as Record<string, Json>);
        default:
          throw new Error(`oracle: unknown operator ${op}`);
      }
    });
  return all(ops);
}

/** Whether `doc` (an item's metadata) matches `filter`. */
export function oracleMatches(doc: Json, filter: Record<string, Json>): boolean {
  return Object.entries(filter).every(([key, value]) => {
    if (key === '$and') return (value as Record<string, Json>[]).every((f) => oracleMatches(doc, f));
    if (key === '$or') return (value as Record<string, Json>[]).some((f) => oracleMatches(doc, f));
    if (key === '$nor') return !(value as Record<string, Json>[]).some((f) => oracleMatches(doc, f));
    return fieldMatches(doc, key, value);
  });
}

export type { Json };
