// Size of Quiver's WASM build as a browser downloads it: the raw .wasm, gzip -9 and brotli
// (what a server or CDN would send), plus its JS glue. hnswlib-wasm's bundle (its WASM is
// inlined as base64 in one JS chunk) is measured the same way for comparison.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const MODULES = fileURLToPath(new URL('../node_modules/', import.meta.url));

function sizes(path) {
  if (!path || !existsSync(path)) return null;
  const bytes = readFileSync(path);
  const brotliOptions = { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } };
  return {
    file: path,
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, brotliOptions).length,
  };
}

// The chunk that hnswlib-wasm's entry imports dynamically (its name carries a content hash).
function hnswlibWasmChunk() {
  const dist = join(MODULES, 'hnswlib-wasm', 'dist');
  const entry = join(dist, 'hnswlib.js');
  if (!existsSync(entry)) return null;
  const chunk = /import\("\.\/(hnswlib-[0-9a-f]+\.js)"\)/.exec(readFileSync(entry, 'utf8'))?.[1];
  return chunk ? join(dist, chunk) : null;
}

export function wasmSizes() {
  // Through the installed package: bench/node_modules/quiverdb links to the repository root.
  const dist = join(realpathSync(join(MODULES, 'quiverdb')), 'dist', 'wasm');
  return {
    quiverWasm: sizes(join(dist, 'quiver.wasm')),
    quiverGlue: sizes(join(dist, 'quiver.mjs')),
    quiverNodeWasm: sizes(join(dist, 'quiver-node.wasm')),
    hnswlibWasmBundle: sizes(hnswlibWasmChunk()),
  };
}
