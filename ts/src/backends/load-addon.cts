// Loads the compiled addon. This file is CommonJS in both builds (`.cts` always emits `.cjs`):
// ESM has no `require` for `.node` files and TypeScript cannot emit `import.meta` into the CJS
// build, while `__dirname` + `require` work the same from dist/esm, dist/cjs and ts/src.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const ADDON = join('build', 'Release', 'quiver_node.node');

/** Why the addon could not be loaded: `missing` (never built) or `failed` (built but broken). */
export type AddonLoadFailure = { kind: 'missing' | 'failed'; path: string; cause?: unknown };

/**
 * Requires `<package root>/build/Release/quiver_node.node`, or returns a description of the
 * failure. The package root is the nearest ancestor folder whose package.json names quiverdb.
 */
export function loadAddon(): { addon: unknown } | { failure: AddonLoadFailure } {
  const root = packageRoot(__dirname);
  const path = join(root ?? join(__dirname, '..', '..', '..'), ADDON);
  if (!existsSync(path)) return { failure: { kind: 'missing', path } };
  try {
    return { addon: require(path) as unknown };
  } catch (cause) {
    return { failure: { kind: 'failed', path, cause } };
  }
}

function packageRoot(from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown };
        if (name === 'quiverdb') return dir;
      } catch {
        // Not valid JSON: not our manifest; keep going up.
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}
