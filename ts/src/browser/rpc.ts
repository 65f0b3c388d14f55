// The messages between a page (worker-backend.ts) and the quiverdb worker (worker.ts). Both sides
// are this package's own code, so the protocol is internal and may change between versions.

import type { BackendIndex } from '../backend.js';
import type { BrowserBackendOptions } from './in-thread.js';

/** Backend-level calls; `open` answers with a handle number. */
export type BackendOp = 'exists' | 'create' | 'destroy' | 'open';

/** Calls on an open index, named after BackendIndex's methods. */
export type IndexOp = keyof BackendIndex;

/** Always the first message to a new worker: how it loads the module. */
export interface InitMessage {
  kind: 'init';
  options: Omit<BrowserBackendOptions, 'wasmUrl'> & { wasmUrl?: string };
}

export interface BackendCall {
  kind: 'backend';
  op: BackendOp;
  args: unknown[];
}

export interface IndexCall {
  kind: 'index';
  /** The number `open` answered. */
  handle: number;
  op: IndexOp;
  args: unknown[];
}

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
  { id: number; ok: true; value: unknown } | { id: number; ok: false; error: SerializedError };

export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    const code = (err as Error & { code?: unknown }).code;
    return { name: err.name, message: err.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(err) };
}

/**
 * The buffers of the Float32Arrays in a result (items and hits carry one vector each) that can
 * be transferred instead of copied: each was freshly sliced out of wasm memory for this reply.
 */
export function transferables(value: unknown): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const add = (v: unknown): void => {
    const vector = (v as { vector?: unknown } | null)?.vector;
    if (vector instanceof Float32Array && vector.byteLength === vector.buffer.byteLength) {
      out.add(vector.buffer as ArrayBuffer);
    }
  };
  if (Array.isArray(value)) value.forEach(add);
  else add(value);
  return [...out];
}
