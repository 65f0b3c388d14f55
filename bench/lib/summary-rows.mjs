// One row per engine and dataset, as display strings: the shape shared by the terminal table
// and the README's markdown table.
import { formatBytesMiB, formatMiB, formatMs, formatRate } from './format.mjs';

export const SUMMARY_HEADERS = [
  'engine',
  'ingest/s',
  'QPS @ R≥target',
  'efSearch',
  'p50 ms',
  'p99 ms',
  'best recall',
  'reopen ms',
  'RSS MiB',
  'disk MiB',
];

/** Headers with the recall target filled in, e.g. "QPS @ recall≥0.95". */
export function summaryHeaders(target) {
  return SUMMARY_HEADERS.map((h) => h.replace('R≥target', `recall≥${target}`));
}

/** The highest-recall point of a sweep (the fastest of equals). */
function bestPoint(sweep) {
  return sweep.reduce((best, p) =>
    p.recall > best.recall || (p.recall === best.recall && p.qps > best.qps) ? p : best,
  );
}

/** Rows for one dataset; skipped and failed engines get a row that says so. */
export function summaryRows(dataset, labels) {
  return dataset.engines.map((result) => {
    const label = labels[result.engine] ?? result.engine;
    if (result.skipped) return { label, note: `skipped — ${result.skipped}` };
    if (result.failed) return { label, note: `failed — ${result.failed.split('\n')[0]}` };
    const s = result.summary;
    // Below the target everywhere (uniform data at 100,000+): the highest-recall point instead,
    // in parentheses, so the row still says what the engine does at its best.
    const reached = Boolean(s.atTarget);
    const at = s.atTarget ?? bestPoint(s.sweep);
    const mark = (value) => (reached ? value : `(${value})`);
    return {
      label,
      reached,
      cells: [
        label,
        formatRate(s.ingestRate),
        mark(formatRate(at.qps)),
        mark(at.efSearch ?? 'exact'),
        mark(formatMs(at.p50Ms)),
        mark(formatMs(at.p99Ms)),
        s.bestRecall.toFixed(3),
        formatMs(s.openMs),
        // † marks RSS measured after the build: engines that cannot reopen have no other figure.
        s.openRssMiB === null ? `${formatMiB(s.buildRssMiB)} †` : formatMiB(s.openRssMiB),
        formatBytesMiB(s.diskBytes),
      ],
    };
  });
}
