// The backends the contract suite runs against, and how a LocalIndex is built on one of them.
// Every contract test runs on each of them: the native addon and the same core compiled to WASM.

import 'fake-indexeddb/auto';

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import type { Backend } from '../../ts/src/backend.js';
import { nodeBackend } from '../../ts/src/backends/node.js';
import { wasmNodeBackend } from '../../ts/src/backends/wasm-node.js';
import { LocalIndex } from '../../ts/src/local-index.js';
import { withDefaultQuantization } from '../default-quantization.js';

// The browser build (web module + IDBFS storage glue from dist/, built by `npm test` before
// Vitest) over fake-indexeddb: the contract then also covers the browser's storage path. The
// real thing (Chromium's IndexedDB, workers, reloads, two tabs) is tested in test/browser.
const { createBrowserBackend } = (await import(
  '../../dist/esm/browser/in-thread.js'
)) as typeof import('../../ts/src/browser/in-thread.js');
const browserIdbBackend: Backend = {
  ...createBrowserBackend({
    wasmBinary: readFileSync(fileURLToPath(new URL('../../dist/wasm/quiver.wasm', import.meta.url))),
  }),
  name: 'browser (IDBFS over fake-indexeddb)',
};

// QUIVER_TEST_QUANTIZATION=f16|i8 and QUIVER_TEST_SHARDS=N run the suite on quantized / sharded
// graphs (test/default-quantization.ts).
export const backends: Backend[] = [nodeBackend, wasmNodeBackend, browserIdbBackend].map(withDefaultQuantization);

/** Whether the backend keeps an index as a real folder on disk (the browser's is IndexedDB). */
export function storesInFolders(backend: Backend): boolean {
  return !backend.name.startsWith('browser');
}

/** Metadata type of the tests: any JSON object (Vectra's default type is flat). */
export type AnyMetadata = Record<string, any>;

/** A LocalIndex on `folder` using `backend` (injected, like better-sqlite3's `nativeBinding`). */
export function createLocalIndex(backend: Backend, folder: string): LocalIndex<AnyMetadata> {
  return new LocalIndex<AnyMetadata>(folder, undefined, { backend });
}
