// Loads the browser build of the core (dist/wasm/quiver.mjs + quiver.wasm). The two
// `'../../wasm/...'` literals below are relative to the compiled file, dist/esm/browser/, and are
// written the way bundlers recognise: Vite (dev and build; webpack 5 uses the same convention)
// follows the dynamic import and emits `new URL('...', import.meta.url)` as an asset with its
// final URL. Served unbundled, the same paths resolve inside the package.

import type { WasmModule } from '../backends/wasm.js';
import { QuiverError } from '../errors.js';

/** Where the browser build finds its `.wasm` file. Everything is optional. */
export interface BrowserModuleOptions {
  /**
   * URL of `quiver.wasm`, for apps that serve it from elsewhere (e.g. a CDN). Default: the copy
   * inside the package, next to `quiver.mjs`, which bundlers emit as an asset.
   */
  wasmUrl?: string | URL;
  /** The bytes of `quiver.wasm`, for apps that fetch or cache them themselves. */
  wasmBinary?: ArrayBuffer | Uint8Array;
}

/** Instantiates the module; rejects with a QuiverError INTERNAL naming what failed. */
export async function loadBrowserModule(options: BrowserModuleOptions = {}): Promise<WasmModule> {
  const wasmUrl = String(options.wasmUrl ?? new URL('../../wasm/quiver.wasm', import.meta.url));
  try {
    // Dynamic: a page that only uses the worker backend does not download the glue code.
    const { default: createQuiverModule } = await import('../../wasm/quiver.mjs');
    const module = await createQuiverModule({
      locateFile: (file: string) => (file.endsWith('.wasm') ? wasmUrl : file),
      ...(options.wasmBinary ? { wasmBinary: options.wasmBinary } : {}),
    });
    return module as WasmModule;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new QuiverError(
      'INTERNAL',
      `quiverdb: cannot load the WebAssembly core from ${wasmUrl}: ${reason}`,
    );
  }
}
