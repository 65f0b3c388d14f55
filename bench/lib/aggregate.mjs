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
// The phase that searched: serve for engines that reopen, else build.
const servingOf = (run) => run.serve ?? run.build;

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
 * Medians of the in-flight runs per efSearch, over the repeats that measured that point (each
 * repeat measures the points around its own recall target, see in-flight.mjs).
 */
function inFlightMedians(runs) {
  const efs = [
    ...new Set(runs.flatMap((r) => (servingOf(r).inFlight ?? []).map((p) => p.efSearch))),
  ];
  return efs.map((efSearch) => {
    const measured = runs
      .map((r) => (servingOf(r).inFlight ?? []).find((p) => p.efSearch === efSearch))
      .filter(Boolean);
    const at = (pick) => medianOf(measured, pick);
    return {
      efSearch,
      repeats: measured.length,
      mode: measured[0].mode,
      recall: at((p) => p.recall),
      qps: at((p) => p.qps),
      p50Ms: at((p) => p.p50Ms),
      p99Ms: at((p) => p.p99Ms),
    };
  });
}

/** Medians of the getItem figures (one at a time, and in flight), or null when not measured. */
function lookupMedians(runs) {
  const measured = runs.map((r) => servingOf(r).lookups).filter(Boolean);
  if (!measured.length) return null;
  const of = (mode) => ({
    calls: medianOf(measured, (l) => l[mode].calls),
    opsPerSecond: medianOf(measured, (l) => l[mode].opsPerSecond),
    p50Us: medianOf(measured, (l) => l[mode].p50Us),
    p99Us: medianOf(measured, (l) => l[mode].p99Us),
  });
  return { mode: measured[0].mode, sequential: of('sequential'), inFlight: of('inFlight') };
}

/**
 * Memory and disk per stored item, next to the raw vector (dimensions × 4 bytes): RSS the
 * opened index adds (after the build for engines that cannot reopen) and bytes on disk.
 */
function perItem(summary, count, dimensions) {
  const rssMiB = summary.openRssMiB ?? summary.buildRssMiB;
  return {
    rawBytes: dimensions * 4,
    rssBytes: rssMiB === null ? null : (rssMiB * 2 ** 20) / count,
    rssAfterBuild: summary.openRssMiB === null,
    diskBytes: summary.diskBytes === null ? null : summary.diskBytes / count,
  };
}

/**
 * The cheapest point that reaches the recall target: the first efSearch (ascending) whose
 * median recall is at least `target`. Brute-force engines have one point. Null when none does.
 */
export function operatingPoint(sweep, target) {
  return sweep.find((p) => p.recall >= target) ?? null;
}

/** Median figures of one engine on one dataset. */
export function summarize(runs, count, recallTarget, dimensions) {
  const sweep = sweepMedians(runs);
  const ingest = medianOf(runs, (r) => ingestSeconds(r.build));
  const atTarget = operatingPoint(sweep, recallTarget);
  const inFlight = inFlightMedians(runs);
  const summary = {
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
    atTarget,
    inFlight,
    // 8 in flight at the single-client operating point (same efSearch), when measured there.
    inFlightAtTarget: atTarget
      ? (inFlight.find((p) => p.efSearch === atTarget.efSearch) ?? null)
      : null,
    lookups: lookupMedians(runs),
    problems: [
      ...new Set(runs.flatMap((r) => [...r.build.problems, ...(r.serve?.problems ?? [])])),
    ],
  };
  summary.perItem = perItem(summary, count, dimensions);
  return summary;
}
