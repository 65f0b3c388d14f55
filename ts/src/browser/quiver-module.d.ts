// The Emscripten module built by scripts/build-wasm.mjs into dist/wasm/quiver.mjs. Code in
// ts/src/browser/ imports it as '../../wasm/quiver.mjs', a path that exists only relative to the
// compiled file (dist/esm/browser/ -> dist/wasm/); this pattern declaration gives TypeScript its
// type without a path mapping that bundlers would not know about.
declare module '*/wasm/quiver.mjs' {
  /** Emscripten's MODULARIZE factory (EXPORT_NAME=createQuiverModule). */
  const createQuiverModule: (options?: Record<string, unknown>) => Promise<unknown>;
  export default createQuiverModule;
}
