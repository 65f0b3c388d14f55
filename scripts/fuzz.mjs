#!/usr/bin/env node
// Builds the libFuzzer targets (test/fuzz/fuzz_*.cpp, CMake option QUIVER_FUZZ, build/fuzz) and
// runs each for a bounded time under ASan + UBSan, starting from the corpus kept in
// test/fuzz/corpus/<target>. Fails when any target finds a crash, a sanitizer report, a leak, a
// timeout or an out-of-memory, and prints where the input was saved and how to replay it.
//
//   node scripts/fuzz.mjs                  every target, 16 s each (what `npm test` runs)
//   node scripts/fuzz.mjs --long           every target for an hour each (or --seconds=N)
//   node scripts/fuzz.mjs --target=filter  one target (filter | config | graph_file | row_decoder)
//   node scripts/fuzz.mjs --no-build       run what build/fuzz already holds
//   node scripts/fuzz.mjs --write-seeds    regenerate the generated seeds in test/fuzz/corpus
//
// New inputs that reach new code go to build/fuzz/corpus/<target> (not committed); crashing
// inputs to build/fuzz/artifacts. Replay one with: build/fuzz/fuzz_<target> <file>
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import { hasNinja } from './has-ninja.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = join(root, 'build', 'fuzz');
const corpusRoot = join(root, 'test', 'fuzz', 'corpus');

// Per target: the largest input worth trying (libFuzzer's -max_len) and an optional dictionary.
const TARGETS = {
  filter: { maxLen: 4096, dict: 'filter.dict' },
  config: { maxLen: 1024, dict: 'config.dict' },
  graph_file: { maxLen: 8192 },
  row_decoder: { maxLen: 2048 },
};
const GENERATED_SEEDS = ['graph_file', 'row_decoder'];

const args = process.argv.slice(2);
const option = (name) => {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : undefined;
};
const known = ['--long', '--no-build', '--write-seeds'];
for (const a of args) {
  if (!known.includes(a) && !/^--(target|seconds)=/.test(a)) {
    console.error(`fuzz: unknown argument ${a}\nusage: node scripts/fuzz.mjs [--target=NAME] [--seconds=N | --long] [--no-build] [--write-seeds]`);
    process.exit(2);
  }
}
const only = option('target');
if (only && !TARGETS[only]) {
  console.error(`fuzz: unknown target "${only}"; targets: ${Object.keys(TARGETS).join(', ')}`);
  process.exit(2);
}
const targets = only ? [only] : Object.keys(TARGETS);
const seconds = Number(option('seconds') ?? (args.includes('--long') ? 3600 : 16));
if (!Number.isInteger(seconds) || seconds < 1) {
  console.error('fuzz: --seconds must be a positive integer');
  process.exit(2);
}

function run(cmd, cmdArgs, opts = {}) {
  console.log(`$ ${cmd} ${cmdArgs.join(' ')}`);
  execFileSync(cmd, cmdArgs, { stdio: 'inherit', cwd: root, ...opts });
}

function findClang() {
  for (const [cc, cxx] of [['clang-14', 'clang++-14'], ['clang', 'clang++']]) {
    if (spawnSync(cxx, ['--version'], { stdio: 'ignore' }).status === 0) return [cc, cxx];
  }
  console.error('fuzz: clang is required for libFuzzer: apt-get install clang-14 libclang-rt-14-dev libfuzzer-14-dev');
  process.exit(1);
}

function build() {
  run(process.execPath, [join(root, 'scripts', 'fetch-deps.mjs')]);
  const [cc, cxx] = findClang();
  // Reuse the SQLite object of the main build when there is one (same sources and defines;
  // it is not instrumented in the fuzz build either), so sqlite3.c is not compiled again.
  const sqlite = join(root, 'build', 'libquiver_sqlite.a');
  run('cmake', ['-S', '.', '-B', buildDir, ...(hasNinja() ? ['-G', 'Ninja'] : []),
    '-DCMAKE_BUILD_TYPE=RelWithDebInfo', `-DCMAKE_C_COMPILER=${cc}`, `-DCMAKE_CXX_COMPILER=${cxx}`,
    '-DQUIVER_FUZZ=ON', `-DQUIVER_PREBUILT_SQLITE=${existsSync(sqlite) ? sqlite : ''}`]);
  run('cmake', ['--build', buildDir, '--parallel', String(availableParallelism()),
    '--target', ...targets.map((t) => `fuzz_${t}`)]);
}

function writeSeeds() {
  for (const t of GENERATED_SEEDS.filter((name) => targets.includes(name))) {
    const dir = join(corpusRoot, t);
    for (const f of readdirSync(dir)) if (f.startsWith('seed-')) rmSync(join(dir, f));
    run(join(buildDir, `fuzz_${t}`), [], { env: { ...process.env, QUIVER_FUZZ_WRITE_SEEDS: dir } });
  }
}

// libFuzzer's final stats (-print_final_stats=1) and the first report line of a finding.
function parseOutput(text) {
  const stat = (name) => Number((text.match(new RegExp(`stat::${name}:\\s+(\\d+)`)) ?? [])[1] ?? NaN);
  // An uncaught exception ends in "deadly signal"; its what() says more.
  const uncaught = text.match(/terminate called after throwing an instance of '([^']+)'\n\s*what\(\):\s*(.*)$/m);
  const finding =
    (uncaught ? `uncaught ${uncaught[1]}: ${uncaught[2]}` : undefined) ??
    text.match(/^SUMMARY: .*$/m)?.[0] ??
    text.match(/^quiver fuzz: .*$/m)?.[0] ??
    text.match(/ERROR: libFuzzer: .*$/m)?.[0];
  const artifact = text.match(/Test unit written to (\S+)/)?.[1];
  return {
    execs: stat('number_of_executed_units'),
    perSec: stat('average_exec_per_sec'),
    newUnits: stat('new_units_added'),
    rss: stat('peak_rss_mb'),
    finding,
    artifact,
  };
}

function fuzz(target) {
  const { maxLen, dict } = TARGETS[target];
  const work = join(buildDir, 'corpus', target);
  const artifacts = join(buildDir, 'artifacts');
  // Index folders the targets write per input: in memory when possible (SQLite and the graph
  // save fsync; on a disk that alone would cut row_decoder's speed to a third).
  const scratch = existsSync('/dev/shm')
    ? join('/dev/shm', `quiver-fuzz-${target}-${process.pid}`)
    : join(buildDir, 'tmp', target);
  for (const d of [work, artifacts, scratch]) mkdirSync(d, { recursive: true });
  const seeds = join(corpusRoot, target);
  const flags = [
    `-max_total_time=${seconds}`,
    '-rss_limit_mb=2048', // also the largest single allocation allowed (-malloc_limit_mb)
    '-timeout=10', // seconds per input
    `-max_len=${maxLen}`,
    '-print_final_stats=1',
    `-artifact_prefix=${artifacts}/${target}-`,
    ...(dict ? [`-dict=${join(root, 'test', 'fuzz', dict)}`] : []),
    work, // first corpus folder: where new inputs go
    seeds,
  ];
  const binary = join(buildDir, `fuzz_${target}`);
  console.log(`\n$ ${relative(root, binary)} ${flags.map((f) => f.replace(`${root}/`, '')).join(' ')}`);
  const started = Date.now();
  const result = spawnSync(binary, flags, {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: {
      ...process.env,
      QUIVER_FUZZ_TMP: scratch,
      ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0',
      UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
    },
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  rmSync(scratch, { recursive: true, force: true });
  const parsed = parseOutput(output);
  const ok = result.status === 0 && !parsed.finding;
  if (!ok) {
    // The sanitizer report, without libFuzzer's per-input progress lines.
    const report = output.split('\n').filter((l) => !/^#\d+\s+(NEW|REDUCE|pulse|INITED|RELOAD)/.test(l));
    console.log(report.slice(-80).join('\n'));
  }
  const seedFiles = readdirSync(seeds);
  return {
    target,
    ok,
    seconds: (Date.now() - started) / 1000,
    seedCount: seedFiles.length,
    seedBytes: seedFiles.reduce((n, f) => n + statSync(join(seeds, f)).size, 0),
    ...parsed,
    status: result.status ?? result.signal,
  };
}

const t0 = Date.now();
if (!args.includes('--no-build')) build();
const builtAt = Date.now();
if (args.includes('--write-seeds')) {
  writeSeeds();
  process.exit(0);
}
const results = targets.map(fuzz);

console.log(`\nfuzz summary (${seconds} s per target; build ${((builtAt - t0) / 1000).toFixed(0)} s, ` +
  `total ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
console.log('target        result  seeds (bytes)   executions   exec/s  new units  peak RSS');
for (const r of results) {
  console.log(
    `${r.target.padEnd(13)} ${(r.ok ? 'ok' : 'FAIL').padEnd(7)} ${`${r.seedCount} (${r.seedBytes})`.padEnd(15)} ` +
    `${String(r.execs).padStart(10)} ${String(r.perSec).padStart(8)} ${String(r.newUnits).padStart(10)} ` +
    `${String(r.rss).padStart(6)} MB`,
  );
}
const failed = results.filter((r) => !r.ok);
for (const r of failed) {
  console.log(`\n${r.target}: ${r.finding ?? `exit status ${r.status}`}`);
  if (r.artifact) {
    console.log(`  input saved to ${relative(root, r.artifact)}`);
    // libFuzzer names the file after the input's SHA-1: say so when it is a kept corpus input.
    const sha1 = r.artifact.match(/-([0-9a-f]{40})$/)?.[1];
    const dir = join(corpusRoot, r.target);
    const kept = readdirSync(dir).find(
      (f) => createHash('sha1').update(readFileSync(join(dir, f))).digest('hex') === sha1);
    if (kept) console.log(`  it is test/fuzz/corpus/${r.target}/${kept}, an input kept in the corpus`);
    console.log(`  replay: build/fuzz/fuzz_${r.target} ${relative(root, r.artifact)}`);
  }
}
if (failed.length > 0) {
  console.error(`\nfuzz: ${failed.length} of ${results.length} targets found a problem`);
  process.exit(1);
}
console.log('\nfuzz: no crashes');
