// The peer benchmark suite: every engine (lib/engines/) on every dataset (lib/plan.mjs), each
// phase in its own child process, repeated, medians reported. Writes
// bench/results/<timestamp>.json, SVG charts next to it, a terminal table, and with --readme
// the README's performance section. Entry points: run.mjs (npm run bench), report.mjs.
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarize } from './lib/aggregate.mjs';
import { ENGINES } from './lib/engines/index.mjs';
import { busyWarning, machineInfo } from './lib/machine.mjs';
import { writeOutputs } from './lib/outputs.mjs';
import {
  BATCH_SIZE,
  DATASETS,
  EF_SEARCH,
  EXTRAS,
  GENERATED_QUERIES,
  HNSW,
  ISSUE8,
  K,
  QUICK_EXTRAS,
  RECALL_TARGET,
  REPEATS_POLICY,
  queryLimit,
  repeatsFor,
  skipReason,
} from './lib/plan.mjs';
import { prepareDataset } from './lib/prepare.mjs';
import { progressBar } from './lib/progress.mjs';
import { runPhase } from './lib/runner.mjs';
import { parseCount, parseFlags } from './lib/args.mjs';
import { formatNumber } from './lib/table.mjs';
import { engineVersions } from './lib/versions.mjs';
import { wasmSizes } from './lib/wasm-size.mjs';

const log = (message) => console.log(message);
const QUICK_QUERIES = 500; // --quick: half the generated queries, to stay under five minutes
const quickIds = DATASETS.filter((d) => d.quick).map((d) => d.id);
const DEFAULT_TIMEOUT_MIN = 45;

function listFlag(value, known, name) {
  if (!value) return null;
  const ids = String(value).split(',');
  const unknown = ids.filter((id) => !known.includes(id));
  if (unknown.length)
    throw new Error(`--${name}: unknown ${unknown.join(', ')} (known: ${known.join(', ')})`);
  return ids;
}

/** One repeat of one engine on one dataset: build in one process, serve in a fresh one. */
async function runOnce(engine, info, settings, { timeoutMs, label }) {
  const folder = await mkdtemp(join(tmpdir(), `quiver-bench-${engine.id}-`));
  const task = { engineId: engine.id, dataset: info, settings: { ...settings, folder } };
  const bar = progressBar(label, info.count);
  try {
    const build = await runPhase(
      { ...task, phase: 'build' },
      {
        timeoutMs,
        onProgress: (done) => bar.update(done),
      },
    );
    bar.stop();
    if (!build.ok) return { error: `build: ${build.error}` };
    if (!engine.open) return { build: build.result, serve: null };
    const serve = await runPhase({ ...task, phase: 'serve' }, { timeoutMs });
    if (!serve.ok) return { error: `serve: ${serve.error}` };
    return { build: build.result, serve: serve.result };
  } finally {
    bar.stop();
    await rm(folder, { recursive: true, force: true });
  }
}

function describeSummary(summary) {
  const at = summary.atTarget;
  const target = at
    ? `${formatNumber(at.qps)} QPS at recall ${at.recall.toFixed(3)}${at.efSearch ? ` (ef ${at.efSearch})` : ''}`
    : `best recall ${summary.bestRecall.toFixed(3)}`;
  const parallel = summary.inFlightAtTarget
    ? `, 8 in flight ${formatNumber(summary.inFlightAtTarget.qps)} QPS`
    : '';
  const lookup = summary.lookups
    ? `, getItem p99 ${summary.lookups.sequential.p99Us.toFixed(1)} µs`
    : '';
  return `ingest ${formatNumber(summary.ingestRate)}/s, ${target}${parallel}${lookup}`;
}

async function runEngine(engine, entry, info, options) {
  const reason = skipReason(engine, entry, options);
  if (reason) {
    log(`  ${engine.id}: skipped — ${reason}`);
    return { engine: engine.id, skipped: reason };
  }
  const limit = Math.min(queryLimit(engine, info), options.queryCap ?? Infinity);
  const settings = {
    dimensions: info.dimensions,
    metric: info.metric,
    count: info.count,
    hnsw: HNSW,
    batchSize: BATCH_SIZE,
    k: K,
    efSearch: EF_SEARCH,
    recallTarget: RECALL_TARGET,
    queryLimit: limit,
    extras: options.quick ? QUICK_EXTRAS : EXTRAS,
  };
  const repeats = repeatsFor(info, options.repeats);
  const runs = [];
  for (let r = 1; r <= repeats; r++) {
    const label = `${engine.id} ${entry.id} ${r}/${repeats}`;
    const run = await runOnce(engine, info, settings, { timeoutMs: options.timeoutMs, label });
    if (run.error) {
      log(`  ${engine.id}: FAILED (run ${r}) — ${run.error.split('\n')[0]}`);
      return { engine: engine.id, failed: run.error, runs };
    }
    runs.push(run);
  }
  const summary = summarize(runs, info.count, RECALL_TARGET, info.dimensions);
  const limited = limit < info.queryCount ? ` [${limit} of ${info.queryCount} queries]` : '';
  log(`  ${engine.id}: ${describeSummary(summary)}${limited}`);
  for (const problem of summary.problems) log(`    WARNING ${problem}`);
  return { engine: engine.id, queriesUsed: limit, summary, runs };
}

export async function runSuite(options) {
  const startedAt = new Date();
  const machine = machineInfo();
  const notes = [busyWarning()].filter(Boolean);
  log(
    `Quiver peer benchmark — ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGB} GiB, node ${machine.node}`,
  );
  log(
    `HNSW M=${HNSW.M} efConstruction=${HNSW.efConstruction}; efSearch ${EF_SEARCH.join('/')}; ` +
      `top-${K}, one query at a time; medians of repeats${options.quick ? ' (--quick)' : ''}`,
  );
  for (const note of notes) log(`WARNING ${note}`);

  const engines = ENGINES.filter((e) => !options.engines || options.engines.includes(e.id));
  const entries = DATASETS.filter((d) =>
    options.datasets ? options.datasets.includes(d.id) : !options.quick || d.quick,
  );
  if (options.issue8) {
    log(
      `--issue8: ${engines.map((e) => e.id).join(', ')} on ${entries.map((d) => d.id).join(', ')}`,
    );
  }
  const datasets = [];
  for (const entry of entries) {
    log(`\n${entry.id}`);
    const info = await prepareDataset(entry, { log: (m) => log(`  ${m}`) });
    if (info.skipped) {
      log(`  skipped — ${info.skipped}`);
      datasets.push({ id: entry.id, skipped: info.skipped });
      continue;
    }
    const { files, meta, ...description } = info;
    // Other processes on the machine skew figures; the 1-minute load average says how much.
    const loadAverage = { start: loadavg()[0] };
    const results = [];
    for (const engine of engines) results.push(await runEngine(engine, entry, info, options));
    loadAverage.end = loadavg()[0];
    datasets.push({ ...description, loadAverage, engines: results });
  }

  const finishedAt = new Date();
  const output = {
    suite: 'quiverdb-bench',
    date: startedAt.toISOString(),
    durationSeconds: (finishedAt - startedAt) / 1000,
    machine,
    notes,
    settings: {
      hnsw: HNSW,
      efSearch: EF_SEARCH,
      k: K,
      batchSize: BATCH_SIZE,
      recallTarget: RECALL_TARGET,
      extras: options.quick ? QUICK_EXTRAS : EXTRAS,
      generatedQueries: options.queryCap
        ? Math.min(options.queryCap, GENERATED_QUERIES)
        : GENERATED_QUERIES,
      quick: Boolean(options.quick),
      issue8: Boolean(options.issue8),
      repeats: options.repeats ?? REPEATS_POLICY,
    },
    engines: engines.map(({ id, label, kind, threads, persists, concurrency }) => ({
      id,
      label,
      kind,
      threads,
      persists,
      concurrency,
      version: engineVersions()[id],
    })),
    wasmSize: wasmSizes(),
    datasets,
  };
  await writeOutputs(output, { readme: options.readme, log });
  log(`\ntotal ${(output.durationSeconds / 60).toFixed(1)} min`);
  return output;
}

export async function cli(argv) {
  try {
    const known = [
      'quick',
      'issue8',
      'repeats',
      'engines',
      'datasets',
      'queries',
      'readme',
      'timeout',
    ];
    const flags = parseFlags(argv, known);
    const repeats = flags.repeats ? Number(flags.repeats) : undefined;
    if (repeats !== undefined && !(Number.isInteger(repeats) && repeats > 0)) {
      throw new Error('--repeats needs a positive integer');
    }
    const issue8 = Boolean(flags.issue8);
    // --issue8 picks engines and datasets; --engines / --datasets still narrow them explicitly.
    const datasets =
      listFlag(
        flags.datasets,
        DATASETS.map((d) => d.id),
        'datasets',
      ) ?? (issue8 ? ISSUE8.datasets.filter((id) => !flags.quick || quickIds.includes(id)) : null);
    const caps = [
      flags.quick ? QUICK_QUERIES : null,
      flags.queries ? parseCount(flags.queries, 'queries') : null,
    ];
    const queryCap = caps.some(Boolean) ? Math.min(...caps.filter(Boolean)) : undefined;
    await runSuite({
      quick: Boolean(flags.quick),
      issue8,
      runAtOneMillion: issue8 ? ISSUE8.runAtOneMillion : [],
      repeats: repeats ?? (flags.quick ? 3 : undefined),
      queryCap,
      engines:
        listFlag(
          flags.engines,
          ENGINES.map((e) => e.id),
          'engines',
        ) ?? (issue8 ? ISSUE8.engines : null),
      datasets,
      readme: Boolean(flags.readme),
      timeoutMs: (Number(flags.timeout) || DEFAULT_TIMEOUT_MIN) * 60_000,
    });
  } catch (error) {
    console.error(`bench: ${error.stack ?? error.message}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await cli(process.argv.slice(2));
