// The backends the contract suite runs against, and how a LocalIndex is built on one of them.
// Every contract test runs on each of them: the native addon and the same core compiled to WASM.

import type { Backend } from '../../ts/src/backend.js';
import { nodeBackend } from '../../ts/src/backends/node.js';
import { wasmNodeBackend } from '../../ts/src/backends/wasm-node.js';
import { LocalIndex } from '../../ts/src/local-index.js';

export const backends: Backend[] = [nodeBackend, wasmNodeBackend];

/** Metadata type of the tests: any JSON object (Vectra's default type is flat). */
export type AnyMetadata = Record<string, any>;

/** A LocalIndex on `folder` using `backend` (injected, like better-sqlite3's `nativeBinding`). */
export function createLocalIndex(backend: Backend, folder: string): LocalIndex<AnyMetadata> {
  return new LocalIndex<AnyMetadata>(folder, undefined, { backend });
}
