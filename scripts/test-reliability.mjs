#!/usr/bin/env node
// `npm run test:reliability`: the reliability suite (test/reliability) on its own — kill -9 loop,
// corruption sweep, bad inputs, several processes on one index, concurrent closes. The quick mode
// is what `npm test` runs (a few minutes); `--long` runs the campaigns for hours (≥ 1,000 kills,
// thousands of damaged copies, many rounds). `--seed=N` replays a run (each test prints its seed).
// Builds what the children import first (addon, WASM, dist/), like `npm test`.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const long = args.includes('--long');
const seed = args.find((a) => a.startsWith('--seed='))?.slice('--seed='.length);
const rest = args.filter((a) => a !== '--long' && !a.startsWith('--seed='));

const env = { ...process.env };
if (long) env.QUIVER_RELIABILITY = 'long';
if (seed !== undefined) env.QUIVER_RELIABILITY_SEED = seed;

function run(cmd, cmdArgs) {
  console.log(`\n$ ${cmd} ${cmdArgs.join(' ')}`);
  execFileSync(cmd, cmdArgs, { stdio: 'inherit', cwd: root, env });
}

try {
  run(process.execPath, ['scripts/build-native.mjs']);
  run(process.execPath, ['scripts/build-wasm.mjs']);
  run(process.execPath, ['scripts/build-ts.mjs']);
  // Vitest's own filter: only the files under test/reliability (plus any extra arguments).
  run(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'test/reliability', ...rest]);
} catch (err) {
  console.error(`\nquiver: reliability tests failed (${err.message.split('\n')[0]})`);
  process.exit(1);
}
