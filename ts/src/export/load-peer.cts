// Loads an optional peer package of the export (LanceDB, Apache Arrow, parquet-wasm) with
// `require`, from quiverdb's own location first, then from the current directory (a global `quiver`
// CLI used in a project that installed them). CommonJS in both builds, like load-addon.cts, for
// `__dirname`; all three packages ship CommonJS entry points.

import { createRequire } from 'node:module';
import { join } from 'node:path';

/** The resolved file of `name`; `near` (a file path) is searched first when given. */
export function resolvePeer(name: string, near?: string): string {
  const bases = [near, join(__dirname, 'index.js'), join(process.cwd(), 'package.json')];
  let lastError: unknown;
  for (const base of bases) {
    if (base === undefined) continue;
    try {
      return createRequire(base).resolve(name);
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

/** Requires a file found by resolvePeer. */
export function requirePeer(path: string): unknown {
  return require(path) as unknown;
}
