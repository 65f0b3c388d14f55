// The first benchmark: insert rate, and recall@10 / single-client QPS across efSearch, on sift5k
// (real SIFT data, l2) and on generated clustered vectors (cosine). See bench/README.md.
// Usage: node bench/first.mjs [--quick] [--n=<count>]   (npm run bench runs it too)
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseCount, parseFlags } from './lib/args.mjs';
import { generateClustered, loadVecsFolder, row } from './lib/datasets.mjs';
import { createQuiverEngine, loadQuiver } from './lib/engines/quiverdb.mjs';
import { bruteForce, compareGroundTruth, groundTruth } from './lib/ground-truth.mjs';
import { busyWarning, machineInfo } from './lib/machine.mjs';
import { measureInsert, measureSearch, warmUp } from './lib/measure.mjs';
import { progressBar } from './lib/progress.mjs';
import { checkHits } from './lib/sanity.mjs';
import { formatNumber, formatTable } from './lib/table.mjs';

const SIFT_DIR = fileURLToPath(new URL('../../shared/data/sift5k/', import.meta.url));
const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));
const HNSW = { M: 16, efConstruction: 200, efSearch: 64 };
const EF_SEARCH = [16, 32, 64, 128, 256];
const K = 10;
const TRUTH_K = 100; // cached at 100 so later runs can report recall@100 without recomputing
const BATCH_SIZE = 5000;
const GENERATED_QUERIES = 1000;

const log = (message) => console.log(message);

async function siftCase() {
  const dataset = await loadVecsFolder(SIFT_DIR, 'sift5k');
  if (!dataset) {
    log(`sift5k: skipped, ${SIFT_DIR} not found (see bench/README.md)`);
    return null;
  }
  // Trust, but verify: the published ground truth must agree with our brute force.
  const k = Math.min(TRUTH_K, dataset.groundTruth.k);
  const computed = await bruteForce(dataset, 'l2', k);
  const check = compareGroundTruth(dataset, 'l2', dataset.groundTruth, computed, k);
  const verified = check.mismatched.length === 0;
  log(
    `sift5k: groundtruth.ivecs vs brute force (top-${k}): ${check.identical}/${check.queries} ` +
      `identical, ${check.tiesOnly} differ only in ties, ${check.mismatched.length} disagree`,
  );
  return {
    dataset,
    metric: 'l2',
    truth: verified ? dataset.groundTruth : computed,
    truthSource: verified ? 'groundtruth.ivecs (verified by brute force)' : 'brute force',
    truthCheck: check,
  };
}

async function clusteredCase(count) {
  const dataset = generateClustered({ count, queryCount: GENERATED_QUERIES });
  log(`${dataset.name}: ${dataset.recipe}`);
  const truth = await groundTruth(dataset, 'cosine', TRUTH_K, { log });
  const source = truth.cached
    ? 'brute force (cached)'
    : `brute force (${truth.seconds.toFixed(1)} s)`;
  return { dataset, metric: 'cosine', truth, truthSource: source };
}

async function runCase({ dataset, metric, truth, truthSource, truthCheck }) {
  const engine = await createQuiverEngine();
  try {
    await engine.create(dataset.dimensions, metric, HNSW);
    const bar = progressBar(`insert ${dataset.name}`, dataset.count);
    const insert = await measureInsert(engine, dataset, {
      batchSize: BATCH_SIZE,
      onProgress: (done) => bar.update(done),
    });
    bar.stop();
    log(
      `${dataset.name}: inserted ${dataset.count} in ${insert.seconds.toFixed(2)} s ` +
        `(${formatNumber(insert.itemsPerSecond)} items/s)`,
    );

    // The result shape is checked once, on the first query, before anything is timed.
    const probe = row(dataset.queries, dataset.dimensions, 0);
    const stored = await engine.count();
    const warnings = checkHits(await engine.query(probe, K, 256), dataset, metric, 0);
    if (stored !== dataset.count)
      warnings.push(`index holds ${stored} items, not ${dataset.count}`);
    for (const w of warnings) log(`  WARNING ${w}`);

    await warmUp(engine, dataset, { k: K, efSearch: HNSW.efSearch });
    const search = [];
    for (const efSearch of EF_SEARCH) {
      const sweep = progressBar(`${dataset.name} efSearch=${efSearch}`, dataset.queryCount);
      search.push(
        await measureSearch(engine, dataset, truth, { k: K, efSearch, onProgress: sweep.update }),
      );
      sweep.stop();
    }
    const reopenMs = await engine.reopen(probe);
    return {
      name: dataset.name,
      recipe: dataset.recipe,
      metric,
      count: dataset.count,
      dimensions: dataset.dimensions,
      queryCount: dataset.queryCount,
      groundTruth: { source: truthSource, k: truth.k, check: truthCheck },
      insert,
      search,
      reopenMs,
      warnings,
    };
  } finally {
    await engine.close();
  }
}

function report(results) {
  const rows = [];
  for (const r of results) {
    for (const s of r.search) {
      rows.push([
        r.name,
        r.metric,
        formatNumber(r.count),
        formatNumber(r.insert.itemsPerSecond),
        s.efSearch,
        s.recall.toFixed(4),
        formatNumber(s.qps),
        s.p50Ms.toFixed(3),
        s.p99Ms.toFixed(3),
      ]);
    }
  }
  const headers = [
    'dataset',
    'metric',
    'items',
    'insert/s',
    'efSearch',
    `recall@${K}`,
    'QPS',
    'p50 ms',
    'p99 ms',
  ];
  return formatTable(headers, rows);
}

export async function runFirst({ quick = false, n } = {}) {
  await loadQuiver(); // fail before spending time on data if the package is not built
  const startedAt = new Date();
  const machine = machineInfo();
  const count = n ?? (quick ? 10_000 : 100_000);
  const { cpu, cores, memoryGB, node } = machine;
  log(`Quiver first benchmark — ${cpu}, ${cores} cores, ${memoryGB} GB, node ${node}`);
  log(
    `HNSW M=${HNSW.M} efConstruction=${HNSW.efConstruction}; insertItems batchSize=${BATCH_SIZE}; ` +
      `queries one at a time, top-${K}\n`,
  );
  // Checked before starting: once running, the benchmark's own threads add to the load average.
  const busy = busyWarning();

  const cases = [await siftCase(), await clusteredCase(count)].filter(Boolean);
  const results = [];
  for (const c of cases) results.push(await runCase(c));

  log(`\n${report(results)}\n`);
  for (const r of results) log(`${r.name}: reopen + first query ${r.reopenMs.toFixed(1)} ms`);
  const notes = busy ? [busy] : [];
  for (const note of notes) log(`WARNING ${note}`);

  const file = `${RESULTS_DIR}first-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`;
  const settings = { hnsw: HNSW, efSearch: EF_SEARCH, k: K, batchSize: BATCH_SIZE, quick, count };
  const output = { benchmark: 'first', date: startedAt.toISOString(), machine, settings, notes };
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(file, JSON.stringify({ ...output, results }, null, 2));
  log(`results written to ${file}`);
  return results;
}

/** Command-line entry, shared by `node bench/first.mjs` and `npm run bench` (bench/run.mjs). */
export async function cli(argv) {
  try {
    const flags = parseFlags(argv, ['quick', 'n']);
    await runFirst({ quick: Boolean(flags.quick), n: flags.n && parseCount(flags.n, 'n') });
  } catch (error) {
    console.error(`bench: ${error.message}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await cli(process.argv.slice(2));
