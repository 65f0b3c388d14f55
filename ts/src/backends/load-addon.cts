// Loads the compiled addon. This file is CommonJS in both builds (`.cts` always emits `.cjs`):
// ESM has no `require` for `.node` files and TypeScript cannot emit `import.meta` into the CJS
// build, while `__dirname` + `require` work the same from dist/esm, dist/cjs and ts/src.
//
// Which file: node-gyp-build's lookup, in its order — an addon compiled from source in
// `build/Release` (a developer's checkout, or an install that had to compile), then the prebuilt
// binary shipped in the package under `prebuilds/<platform>-<arch>/` (N-API, so one file serves
// every Node version; tagged glibc or musl).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The part of node-gyp-build used here: resolve the addon file without loading it. */
interface NodeGypBuild {
  path(dir: string): string;
}

/** Why the addon could not be loaded: `missing` (no build for this platform) or `failed`. */
export type AddonLoadFailure = { kind: 'missing' | 'failed'; path: string; cause?: unknown };

/** Finds and requires the addon of this package, or describes why it cannot. */
export function loadAddon(): { addon: unknown } | { failure: AddonLoadFailure } {
  const root = packageRoot(__dirname) ?? join(__dirname, '..', '..', '..');
  let path: string;
  try {
    path = (require('node-gyp-build') as NodeGypBuild).path(root);
  } catch (cause) {
    return { failure: { kind: 'missing', path: addonLocations(root), cause } };
  }
  try {
    return { addon: require(path) as unknown };
  } catch (cause) {
    return { failure: { kind: 'failed', path, cause } };
  }
}

/** Where the addon is looked for, for messages. */
function addonLocations(root: string): string {
  const tuple = `${process.platform}-${process.arch}`;
  return `${join(root, 'build', 'Release')} or ${join(root, 'prebuilds', tuple)}`;
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
