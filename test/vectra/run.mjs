#!/usr/bin/env node
// Runs Vectra 0.15.0's own mocha specs against Quiver: the yardstick for "drop-in replacement".
//
// The spec files come from Vectra's npm tarball (scripts/fetch-deps.mjs --test, pinned by sha256)
// and are copied to build/vectra-spec/<backend>/lib/ with one change: `require("./LocalIndex")`
// points at Quiver's CommonJS entry ("quiverdb" for the native addon, "quiverdb/wasm" for the
// WASM core), and `require("./ItemSelector")` at test/vectra/item-selector.cjs, which answers
// Vectra's filter/score helpers through that same entry. Nothing else in them is edited.
//
// Tests that only inspect Vectra's internals (its index.json, stubs of fs calls Quiver never
// makes, its injected BM25 engine) are listed with a reason in test/vectra/internal-only.json;
// exactly those are skipped. The run fails if any other test fails, or if the list names a test
// the spec no longer has.
//
//   node test/vectra/run.mjs                 both backends, excluded list applied
//   node test/vectra/run.mjs --backend=wasm  one backend
//   node test/vectra/run.mjs --all           every test, no exclusions (to measure)
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const flag = (name) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const runAll = args.includes('--all');

const ENTRIES = {
  native: join(root, 'dist', 'cjs', 'index.js'),
  wasm: join(root, 'dist', 'cjs', 'wasm.js'),
};
/**
 * Spec file → the Vectra module it requires, and what that require is pointed at instead.
 * LocalIndex.spec.js gets Quiver's entry itself. ItemSelector.spec.js calls Vectra's static
 * filter/score helpers, which Quiver has no counterpart of (its filter and scoring run in the
 * core): test/vectra/item-selector.cjs answers each helper through the Quiver LocalIndex call a
 * user would make (listItemsByMetadata, queryItems scores, item norms) on the same build.
 */
const SPECS = {
  'LocalIndex.spec.js': { module: './LocalIndex', target: (entry) => entry },
  'ItemSelector.spec.js': { module: './ItemSelector', target: () => join(root, 'test', 'vectra', 'item-selector.cjs') },
};

const backend = flag('backend');
if (!backend || backend === 'all') {
  // One child process per backend: each loads its own copy of the core and of the specs.
  execFileSync(process.execPath, [join(root, 'scripts', 'fetch-deps.mjs'), '--test'], { stdio: 'inherit' });
  let failed = false;
  for (const name of Object.keys(ENTRIES)) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), `--backend=${name}`, ...args],
      { stdio: 'inherit' });
    if (r.status !== 0) failed = true;
  }
  process.exit(failed ? 1 : 0);
}
if (!(backend in ENTRIES)) {
  console.error(`unknown backend "${backend}" (native | wasm | all)`);
  process.exit(2);
}

const source = join(root, 'third_party', 'vectra', 'lib');
const work = join(root, 'build', 'vectra-spec', backend);
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
cpSync(source, join(work, 'lib'), { recursive: true });
// Vectra's lib/ is CommonJS; our package.json says "type": "module".
writeFileSync(join(work, 'package.json'), '{ "type": "commonjs" }\n');

const files = [];
process.env.QUIVER_VECTRA_ENTRY = ENTRIES[backend]; // read by test/vectra/item-selector.cjs
for (const [spec, { module, target }] of Object.entries(SPECS)) {
  const path = join(work, 'lib', spec);
  const text = readFileSync(path, 'utf8');
  const needle = `require("${module}")`;
  if (!text.includes(needle)) throw new Error(`${spec}: ${needle} not found; did the spec change?`);
  writeFileSync(path, text.replaceAll(needle, `require(${JSON.stringify(target(ENTRIES[backend]))})`));
  files.push(path);
}

// spec file → full test title → reason: `tests` (internal-only) and `differences` (behaviour
// Quiver deliberately does not copy, documented in the README).
const skipList = JSON.parse(readFileSync(join(root, 'test', 'vectra', 'internal-only.json'), 'utf8'));
const excluded = {};
for (const group of [skipList.tests, skipList.differences ?? {}]) {
  for (const [spec, tests] of Object.entries(group)) excluded[spec] = { ...excluded[spec], ...tests };
}
const countOf = (group) => Object.values(group ?? {}).reduce((n, t) => n + Object.keys(t).length, 0);

const Mocha = require('mocha');
const mocha = new Mocha({ timeout: 30_000, reporter: 'spec' });
for (const f of files) mocha.addFile(f);
await mocha.loadFilesAsync();

// Every excluded title must still exist in the spec it is listed under.
const titles = new Map(); // full title -> spec file
(function walk(suite) {
  for (const t of suite.tests) titles.set(t.fullTitle(), t.file.split('/').pop());
  for (const s of suite.suites) walk(s);
})(mocha.suite);
const stale = [];
const skip = new Set();
for (const [spec, tests] of Object.entries(excluded)) {
  for (const title of Object.keys(tests)) {
    if (titles.get(title) !== spec) stale.push(`${spec}: "${title}"`);
    skip.add(title);
  }
}
if (stale.length > 0) {
  console.error(`test/vectra/internal-only.json names tests the spec does not have:\n  ${stale.join('\n  ')}`);
  process.exit(1);
}

if (!runAll && skip.size > 0) {
  const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  mocha.grep(new RegExp(`^(?:${[...skip].map(escape).join('|')})$`)).invert();
}

console.log(`\nVectra 0.15.0 specs against Quiver (${backend}): ${titles.size} distinct test titles; ` +
  (runAll ? 'nothing skipped' : `skipped: ${countOf(skipList.tests)} internal-only, ` +
    `${countOf(skipList.differences)} documented differences`));
const failures = await new Promise((resolve) => mocha.run(resolve));
if (existsSync(join(work, 'lib', 'test_index'))) rmSync(join(work, 'lib', 'test_index'), { recursive: true, force: true });
process.exit(failures > 0 ? 1 : 0);
