// `npm run bench -- --reopen [--n=1m] [--runs=5] [--folder=PATH] [--json=PATH]`: issue 8's reopen
// aim ("reopening 1,000,000 x 128 items to the first answered query < 1 s") alone, with only the
// repo's own build (no peers). Each run is a fresh Node process that imports quiverdb, opens the
// index and answers one query; it reports the wall time from `new LocalIndex` to the answer, the
// CPU time (user + system, all threads) the process spent on it, and what the open did with the
// graph file (loaded or rebuilt: a rebuild is not the reopen being measured). The machine's load
// average is printed with every run: on a shared machine wall time follows the load, CPU time
// much less.
//
// The index (clustered n x 128, cosine, as bench/lib/datasets.mjs makes it, ids "0".."n-1") is
// built once and kept under bench/.cache/reopen/<dataset>/ (1,000,000 items take ~20-40 min to
// build on 2 cores). --folder=PATH reopens an existing Quiver index folder instead.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseCount, parseFlags } from './lib/args.mjs';
import { clusteredSpec, generateClustered, row } from './lib/datasets.mjs';
import { CACHE_DIR } from './lib/ground-truth.mjs';
import { machineInfo } from './lib/machine.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const entry = pathToFileURL(join(here, '..', 'dist', 'esm', 'index.js')).href;
const DIMENSIONS = 128;
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

// The measured process: open, one query, report. Nothing is written (no change: close saves nothing).
async function child(folder) {
  const importStart = performance.now();
  const { LocalIndex, nodeBackend } = await import(entry);
  const importMs = performance.now() - importStart;
  const query = Float32Array.from({ length: DIMENSIONS }, (_, i) => Math.sin(i + 1));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const index = new LocalIndex(folder, undefined, { backend: nodeBackend });
  const hits = await index.query(query, { topK: 10 });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const open = JSON.parse(await index.verify()).open;
  await index.close();
  process.stdout.write(
    JSON.stringify({
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      userMs: cpu.user / 1000,
      systemMs: cpu.system / 1000,
      importMs,
      hits: hits.length,
      open,
    }),
  );
}

async function buildIndex(folder, n) {
  const { LocalIndex, nodeBackend } = await import(entry);
  console.log(`building clustered ${n} x ${DIMENSIONS} (cosine) in ${folder}: done once, then reused`);
  const data = generateClustered({ count: n, queryCount: 1, dimensions: DIMENSIONS });
  await rm(folder, { recursive: true, force: true });
  await mkdir(dirname(folder), { recursive: true });
  const building = `${folder}.building`;
  await rm(building, { recursive: true, force: true });
  const index = new LocalIndex(building, undefined, { backend: nodeBackend });
  await index.createIndex({ version: 1, dimensions: DIMENSIONS, metric: 'cosine' });
  const start = performance.now();
  const batch = 10_000;
  for (let at = 0; at < n; at += batch) {
    const items = [];
    for (let i = at; i < Math.min(n, at + batch); i++) {
      items.push({ id: String(i), vector: row(data.base, DIMENSIONS, i), metadata: { n: i, group: i % 10 } });
    }
    await index.insertItems(items);
    if ((at / batch) % 10 === 0) {
      console.log(`  ${at + items.length} items, ${((performance.now() - start) / 1000).toFixed(0)} s`);
    }
  }
  await index.close(); // writes the graph file
  const { rename } = await import('node:fs/promises');
  await rename(building, folder);
  console.log(`built in ${((performance.now() - start) / 1000).toFixed(0)} s`);
}

export async function runReopen(argv) {
  const flags = parseFlags(argv, ['reopen', 'n', 'runs', 'folder', 'json', 'child']);
  if (flags.child) return child(flags.child);
  const n = flags.n ? parseCount(flags.n, 'n') : 1_000_000;
  const runs = flags.runs ? parseCount(flags.runs, 'runs') : 5;
  let folder = flags.folder;
  if (!folder) {
    const { name } = clusteredSpec({ count: n, queryCount: 1, dimensions: DIMENSIONS });
    folder = join(CACHE_DIR, 'reopen', name, 'index');
    if (!existsSync(join(folder, 'quiver.db'))) await buildIndex(folder, n);
  }
  console.log(`reopen bench: ${folder}, ${runs} fresh processes, each: new LocalIndex -> first query`);
  console.log(`machine: ${JSON.stringify(machineInfo())}`);
  console.log('(run 1 may read the files from disk; later runs find them in the page cache)');
  const results = [];
  for (let i = 0; i < runs; i++) {
    const before = load();
    const out = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--reopen', `--child=${folder}`], {
      encoding: 'utf8',
    });
    if (out.status !== 0) throw new Error(`reopen child failed (${out.status}): ${out.stderr}`);
    const r = { ...JSON.parse(out.stdout), loadBefore: before, loadAfter: load() };
    results.push(r);
    console.log(
      `run ${i + 1}: open -> first query ${r.wallMs.toFixed(0)} ms wall, ${r.cpuMs.toFixed(0)} ms CPU ` +
        `(user ${r.userMs.toFixed(0)}, system ${r.systemMs.toFixed(0)}); import ${r.importMs.toFixed(0)} ms; ` +
        `load ${before} -> ${r.loadAfter}; ${r.open}`,
    );
    if (!r.open.startsWith('graph file loaded')) console.log('  WARNING: the open did not load the graph file');
  }
  const warm = results.length > 1 ? results.slice(1) : results;
  const summary = {
    medianWallMs: median(warm.map((r) => r.wallMs)),
    medianCpuMs: median(warm.map((r) => r.cpuMs)),
  };
  console.log(
    `median of the warm runs: ${summary.medianWallMs.toFixed(0)} ms wall, ${summary.medianCpuMs.toFixed(0)} ms CPU ` +
      `(aim: < 1000 ms wall; on a shared machine compare CPU time too)`,
  );
  if (flags.json) {
    await writeFile(flags.json, JSON.stringify({ folder, n, machine: machineInfo(), results, summary }, null, 2));
  }
}

// Run directly (the measured child, or by hand): node bench/reopen.mjs --reopen ...
if (process.argv[1] === fileURLToPath(import.meta.url)) await runReopen(process.argv.slice(2));
