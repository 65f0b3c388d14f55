// The messages between a page (worker-backend.ts) and the quiverdb worker (worker.ts), derived
// from the Backend contract (backend.ts): a call names a method and carries exactly that
// method's parameters, and its reply is what the method resolves to. A new Backend or
// BackendIndex method therefore needs no code here, and a wrong argument is a compile error.
// Both sides are this package's own code, so the protocol is internal and may change between
// versions.

import type { Backend, BackendIndex } from '../backend.js';
import { QuiverError } from '../errors.js';
import type { BrowserBackendOptions } from './in-thread.js';

/**
 * The names of T's methods: the ones a message can carry (over a message every answer is
 * asynchronous, also that of a method that may answer at once, like BackendIndex.query).
 */
export type AsyncMethodName<T> = {
  [K in keyof T]-?: T[K] extends (...args: never[]) => unknown ? K : never;
}[keyof T] &
  string;

/** The parameters of method K of T. */
export type ArgsOf<T, K extends keyof T> = T[K] extends (...args: infer A) => unknown ? A : never;

/** What method K of T resolves to. */
export type ResultOf<T, K extends keyof T> = T[K] extends (...args: never[]) => infer R ? Awaited<R> : never;

/** Backend-level calls (exists, create, destroy, open); `open` answers with a handle number. */
export type BackendOp = AsyncMethodName<Backend>;

/** Calls on an open index, named after BackendIndex's methods. */
export type IndexOp = AsyncMethodName<BackendIndex>;

/** Always the first message to a new worker: how it loads the module. */
export interface InitMessage {
  kind: 'init';
  options: Omit<BrowserBackendOptions, 'wasmUrl'> & { wasmUrl?: string };
}

/**
 * The call of backend method K, e.g. `{ kind: 'backend', op: 'exists', args: [folder] }`. With
 * a generic K it stays one message whose `args` match its `op` (TypeScript correlates them).
 */
export type BackendCall<K extends BackendOp = BackendOp> = {
  [P in K]: { kind: 'backend'; op: P; args: ArgsOf<Backend, P> };
}[K];

/** The call of index method K, e.g. `{ kind: 'index', handle, op: 'get', args: [id] }`. */
export type IndexCall<K extends IndexOp = IndexOp> = {
  [P in K]: {
    kind: 'index';
    /** What `open` answered. */
    handle: number;
    op: P;
    args: ArgsOf<BackendIndex, P>;
  };
}[K];

export type Call = BackendCall | IndexCall;

/** A call, numbered so that its reply can be matched to it. */
export type Request = InitMessage | (Call & { id: number });

/** A failure as it crosses the boundary: Error objects lose their `.code` when cloned. */
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
}

export type Response =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: SerializedError };

export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    const code = (err as Error & { code?: unknown }).code;
    return { name: err.name, message: err.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(err) };
}

/**
 * Names that are never methods of a contract object, whatever a lookup on it asks: `then` (a
 * Promise resolving to the object probes it), `toJSON`, `constructor` and everything inherited
 * from Object.prototype (`toString`, `hasOwnProperty`, `__proto__`...).
 */
export function isContractMethodName(name: string | symbol): name is string {
  return (
    typeof name === 'string' && name !== 'then' && name !== 'toJSON' && !(name in Object.prototype)
  );
}

/**
 * An object of type T whose Promise-returning methods all go through `send`: methods in `local`
 * are answered here, every other method name is forwarded as is. No method list to keep up to
 * date: what T declares is what can be called, checked by the compiler at each call site.
 */
export function forwarder<T extends object, Local extends keyof T>(
  local: Pick<T, Local>,
  send: <K extends Exclude<AsyncMethodName<T>, Local>>(
    op: K,
    args: ArgsOf<T, K>,
  ) => Promise<ResultOf<T, K>>,
): T {
  const forwarded = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  return new Proxy(local, {
    get(target, name, receiver) {
      if (name in target || !isContractMethodName(name)) return Reflect.get(target, name, receiver);
      let method = forwarded.get(name);
      if (!method) {
        const op = name as Exclude<AsyncMethodName<T>, Local>;
        method = (...args: unknown[]) => send(op, args as ArgsOf<T, typeof op>);
        forwarded.set(name, method);
      }
      return method;
    },
  }) as T;
}

/**
 * Calls method `op` of `target` with the arguments a message carried (typed by its sender; here
 * they are whatever arrived). Rejects, rather than calling anything else, when `op` is not a
 * method of the target (a message from an older or newer page than this worker).
 */
export function invoke<T extends object>(
  target: T,
  op: AsyncMethodName<T>,
  args: unknown[],
): Promise<unknown> {
  const method = isContractMethodName(op) ? (target as Record<string, unknown>)[op] : undefined;
  if (typeof method !== 'function') {
    return Promise.reject(new QuiverError('INTERNAL', `quiverdb worker: unknown call ${op}`));
  }
  return (method as (...a: unknown[]) => Promise<unknown>).apply(target, args);
}

/**
 * The ArrayBuffers behind every typed array, DataView and ArrayBuffer in a reply (searched
 * through arrays and plain objects), to be transferred instead of copied. A reply is the caller's
 * to keep: the wasm backend copies results out of the module's memory, so nothing in the worker
 * still uses these buffers. SharedArrayBuffers cannot be transferred and are left out; a buffer
 * the browser refuses to detach (a WebAssembly.Memory's) makes the sender fall back to a copy.
 */
export function transferables(value: unknown): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const seen = new Set<object>();
  const visit = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (v instanceof ArrayBuffer) out.add(v);
    else if (ArrayBuffer.isView(v)) {
      if (v.buffer instanceof ArrayBuffer) out.add(v.buffer);
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (Object.getPrototypeOf(v) === Object.prototype) Object.values(v).forEach(visit);
  };
  visit(value);
  return [...out];
}

/**
 * `value` with every typed array that views part of a larger buffer replaced by a copy of its own
 * range (searched through arrays and plain objects; a container is copied only when something
 * inside it was). The structured clone copies a view's whole buffer: a query vector taken with
 * `subarray()` from an app's matrix of embeddings would otherwise send the whole matrix to the
 * worker at every call. Views on a SharedArrayBuffer are left alone (they are shared, not copied:
 * insertItems' abort flag is one), and so are DataViews (the contract passes none).
 */
export function compactViews<T>(value: T): T {
  // What each object became, so that a view met twice is copied once (and a cycle ends).
  const done = new Map<object, unknown>();
  const visit = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (done.has(v)) return done.get(v);
    done.set(v, v);
    if (ArrayBuffer.isView(v)) {
      const whole = v.byteLength === v.buffer.byteLength;
      if (whole || !(v.buffer instanceof ArrayBuffer) || v instanceof DataView) return v;
      const copy = (v as unknown as { slice(): ArrayBufferView }).slice();
      done.set(v, copy);
      return copy;
    }
    if (Array.isArray(v)) {
      let copy: unknown[] | undefined;
      v.forEach((e, i) => {
        const c = visit(e);
        if (c !== e) (copy ??= v.slice())[i] = c;
      });
      return copy ?? v;
    }
    if (Object.getPrototypeOf(v) !== Object.prototype) return v;
    let copy: Record<string, unknown> | undefined;
    for (const [k, e] of Object.entries(v)) {
      const c = visit(e);
      if (c !== e) (copy ??= { ...(v as Record<string, unknown>) })[k] = c;
    }
    return copy ?? v;
  };
  return visit(value) as T;
}
