// Loads the Node build of the WASM core (dist/wasm/quiver-node.cjs). CommonJS in both builds, for
// the same reason as load-addon.cts: `require` and `__dirname` work from dist/esm, dist/cjs and
// ts/src alike. The wasm bytes are handed over directly because Node's fetch() cannot load a path.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Folder holding the WASM builds inside the package. */
export function wasmDir(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'quiverdb') {
          return join(dir, 'dist', 'wasm');
        }
      } catch {
        // not our manifest
      }
    }
    if (dirname(dir) === dir) return join(__dirname, '..', '..', 'wasm');
  }
}

/** Instantiates the module; throws a plain Error naming the missing file when it is not built. */
export async function loadWasmNode(): Promise<unknown> {
  const dir = wasmDir();
  const js = join(dir, 'quiver-node.cjs');
  const wasm = join(dir, 'quiver-node.wasm');
  if (!existsSync(js) || !existsSync(wasm)) {
    throw new Error(`quiverdb: WASM build not found in ${dir}; run \`npm run build:wasm\``);
  }
  const factory = require(js) as (options: object) => Promise<unknown>;
  return factory({ wasmBinary: readFileSync(wasm) });
}
