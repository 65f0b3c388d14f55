// `npm run bench` (repo root) or `npm --prefix bench run bench`: the peer benchmark suite.
// Installs the bench package on first use, then runs suite.mjs. Only Node built-ins are
// imported statically: bench/node_modules may not exist yet.
// Flags: --quick, --issue8, --repeats=N, --engines=a,b, --datasets=a,b, --queries=N, --readme,
// --timeout=MIN (see bench/README.md); --filtered [--datasets= --n= --queries= --ef= --cases= --json=] runs
// filtered.mjs instead; --quantization runs quantization.mjs instead (its own flags follow);
// --ingest [--n= --dims= --queries= --shards= --skip-peers] runs ingest.mjs (--during [--batch= --deleted]: only its
// queries-during-an-ingest section).
// --stream [--n= --queries= --json= --quantization=] runs stream.mjs; --metrics [--n= --ef= --queries= --rounds=
// --block= --warmup= --folder= --json=] runs metrics.mjs.
// --reopen [--n= --runs= --folder= --json=] runs reopen.mjs (open -> first query, fresh processes).
// --paired [--dataset=clustered|sift5k --n= --dims= --ef= --pairs= --slice-ms= --in-flight= --no-vectors --wasm] runs paired.mjs (Quiver and
// hnswlib-node alternated in one process: a single-client ratio that machine drift skews far less).
// --paired --ingest [--n= --dims= --threads= --batch=] runs paired-ingest.mjs (durable ingest against
// hnswlib-node's addPoint, alternated batch by batch).
// --paired --breakdown [--n= --dims= --ef= --rounds=] runs call-breakdown.mjs (a small query's time
// layer by layer: hnswlib-node, Quiver's backend call, LocalIndex.query).
import { ensureInstalled } from './lib/setup.mjs';

// --filtered: the filtered-search benchmark (filtered.mjs); it needs only the repo's own build.
if (process.argv.includes('--filtered')) {
  const { runFiltered } = await import('./filtered.mjs');
  await runFiltered(process.argv.slice(2));
  process.exit(0);
}

// --stream: queryStream, query cache and metrics (stream.mjs); only the repo's own build.
if (process.argv.includes('--stream')) {
  const { runStream } = await import('./stream.mjs');
  await runStream(process.argv.slice(2));
  process.exit(0);
}

// --metrics: getPerformanceMetrics() against a stopwatch, and recording's cost (metrics.mjs).
if (process.argv.includes('--metrics')) {
  const { runMetrics } = await import('./metrics.mjs');
  await runMetrics(process.argv.slice(2));
  process.exit(0);
}

// --reopen: open -> first query in fresh processes (reopen.mjs); only the repo's own build.
if (process.argv.includes('--reopen')) {
  const { runReopen } = await import('./reopen.mjs');
  await runReopen(process.argv.slice(2));
  process.exit(0);
}

try {
  ensureInstalled();
} catch (error) {
  console.error(`bench: ${error.message}`);
  process.exit(1);
}
if (process.argv.includes('--paired') && process.argv.includes('--ingest')) {
  // Durable ingest against hnswlib-node's addPoint, alternated batch by batch (paired-ingest.mjs).
  const { runPairedIngest } = await import('./paired-ingest.mjs');
  await runPairedIngest(process.argv.slice(2));
} else if (process.argv.includes('--paired') && process.argv.includes('--breakdown')) {
  // A small query's time layer by layer, interleaved in one process (call-breakdown.mjs).
  const { runBreakdown } = await import('./call-breakdown.mjs');
  await runBreakdown(process.argv.slice(2));
} else if (process.argv.includes('--paired')) {
  // Quiver's query() and hnswlib-node's searchKnn alternated in one process (paired.mjs).
  const { runPaired } = await import('./paired.mjs');
  await runPaired(process.argv.slice(2));
} else if (process.argv.includes('--quantization')) {
  // f16/i8 against USearch f16/i8 (bench/quantization.mjs; its own flags follow).
  process.argv = process.argv.filter((a) => a !== '--quantization');
  await import('./quantization.mjs');
} else {
  const { cli } = await import(process.argv.includes('--ingest') ? './ingest.mjs' : './suite.mjs');
  await cli(process.argv.slice(2));
}
