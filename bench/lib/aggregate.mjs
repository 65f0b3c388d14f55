// Medians across repeats, and the figures the reports are built from. A run is what
// suite.mjs records per repeat: { build, serve } (serve is null for engines that cannot reopen).
import { median } from './stats.mjs';

const medianOf = (runs, pick) => {
  const values = runs.map(pick).filter((v) => typeof v === 'number' && Number.isFinite(v));
  return values.length ? median(values) : null;
};

// "Ingest" is everything from the first insert until the index is on disk and closed: the
// insert calls, the engine's explicit save (if it needs one) and close (Quiver writes its graph
// file there). For engines that keep nothing on disk it is the insert alone.
const ingestSeconds = (build) => build.insertSeconds + build.persistSeconds + build.closeSeconds;

const searchOf = (run) => run.serve?.search ?? run.build.search;

/** Per-efSearch medians of recall, QPS and latency across runs (same ef order in every run). */
function sweepMedians(runs) {
  const first = searchOf(runs[0]);
  return first.map((point, i) => {
    const at = (pick) => medianOf(runs, (run) => pick(searchOf(run)[i]));
    return {
      efSearch: point.efSearch,
      queries: point.queries,
      recall: at((p) => p.recall),
      qps: at((p) => p.qps),
      p50Ms: at((p) => p.p50Ms),
      p99Ms: at((p) => p.p99Ms),
    };
  });
}

/**
 * The cheapest point that reaches the recall target: the first efSearch (ascending) whose
 * median recall is at least `target`. Brute-force engines have one point. Null when none does.
 */
export function operatingPoint(sweep, target) {
  return sweep.find((p) => p.recall >= target) ?? null;
}

/** Median figures of one engine on one dataset. */
export function summarize(runs, count, recallTarget) {
  const sweep = sweepMedians(runs);
  const ingest = medianOf(runs, (r) => ingestSeconds(r.build));
  return {
    repeats: runs.length,
    ingestSeconds: ingest,
    ingestRate: ingest ? count / ingest : null,
    insertSeconds: medianOf(runs, (r) => r.build.insertSeconds),
    persistSeconds: medianOf(runs, (r) => r.build.persistSeconds),
    closeSeconds: medianOf(runs, (r) => r.build.closeSeconds),
    buildRssMiB: medianOf(runs, (r) => r.build.buildRssMiB),
    diskBytes: medianOf(runs, (r) => r.build.diskBytes),
    importMs: medianOf(runs, (r) => r.serve?.importMs ?? r.build.importMs),
    openMs: medianOf(runs, (r) => r.serve?.openMs),
    openRssMiB: medianOf(runs, (r) => r.serve?.openRssMiB),
    sweep,
    bestRecall: Math.max(...sweep.map((p) => p.recall)),
    atTarget: operatingPoint(sweep, recallTarget),
    problems: [
      ...new Set(runs.flatMap((r) => [...r.build.problems, ...(r.serve?.problems ?? [])])),
    ],
  };
}
