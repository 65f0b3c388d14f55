// The bench folder is its own npm package, so the peers never become dependencies of quiverdb.
// On first use (or after package-lock.json changed) this runs the `setup` script of
// bench/package.json: `npm install --ignore-scripts` (exact versions from package-lock.json),
// then a rebuild of only the two addons that compile from source. --ignore-scripts matters:
// quiverdb is linked from the repo root (file:..), and its install/prepare scripts would
// otherwise rebuild the repo's addon and dist/ from the bench's install. Not `npm ci`: the
// registry mirror this lock was made with has LanceDB's linux-x64 binaries only, so the lock
// lacks its other platforms' entries and `npm ci` refuses it; `npm install` honours it as is.
// --no-save: npm would otherwise rewrite the lock's copy of the root package.json's fields
// whenever they change, leaving a fresh clone's tree modified by merely running the bench.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH = fileURLToPath(new URL('..', import.meta.url));
const STAMP = join(BENCH, 'node_modules', '.bench-setup');
const REPO = join(BENCH, '..');

const lockHash = () =>
  createHash('sha256')
    .update(readFileSync(join(BENCH, 'package-lock.json')))
    .digest('hex');

function installed() {
  return existsSync(STAMP) && readFileSync(STAMP, 'utf8') === lockHash();
}

export function ensureInstalled({ log = console.error } = {}) {
  if (!installed()) {
    log('bench: installing the benchmark package (bench/node_modules; once, ~2 min: compiles');
    log('       hnswlib-node and better-sqlite3 from source)...');
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const result = spawnSync(npm, ['run', 'setup'], { cwd: BENCH, stdio: 'inherit' });
    if (result.status !== 0) throw new Error('installing bench/ failed (see npm output above)');
    writeFileSync(STAMP, lockHash());
  }
  checkQuiverBuilt();
}

/** quiverdb must resolve to this repository, with the addon, dist/ and the WASM build present. */
function checkQuiverBuilt() {
  const linked = realpathSync(join(BENCH, 'node_modules', 'quiverdb'));
  if (linked !== realpathSync(REPO)) {
    throw new Error(`bench/node_modules/quiverdb points to ${linked}, not this repository`);
  }
  const needed = [
    'dist/esm/index.js',
    'dist/esm/wasm.js',
    'build/Release/quiver_node.node',
    'dist/wasm/quiver-node.wasm',
  ];
  const missing = needed.filter((file) => !existsSync(join(REPO, file)));
  if (missing.length) {
    throw new Error(
      `quiverdb is not built (missing ${missing.join(', ')}): run npm run build at the repo root`,
    );
  }
}
