// The terminal summary of a run: the same rows as the README tables, plain text.
import { datasetTitle, formatKiB, formatNumber, formatRate } from './format.mjs';
import { aimLines, detailTable, ratioTable } from './ratio-rows.mjs';
import { summaryHeaders, summaryRows } from './summary-rows.mjs';
import { formatTable } from './table.mjs';
import { wasmComparison } from './wasm-compare.mjs';

const indent = (text) => text.replace(/^/gm, '  ');

export function textReport(output) {
  const labels = Object.fromEntries(output.engines.map((e) => [e.id, e.label]));
  const lines = [];
  for (const dataset of output.datasets) {
    if (dataset.skipped) {
      lines.push(`${dataset.id}: skipped — ${dataset.skipped}`, '');
      continue;
    }
    const rows = summaryRows(dataset, labels);
    lines.push(`${datasetTitle(dataset)} (${formatNumber(dataset.count)} vectors)`);
    const ran = rows.filter((r) => r.cells);
    if (ran.length)
      lines.push(
        formatTable(
          summaryHeaders(output.settings.recallTarget),
          ran.map((r) => r.cells),
        ),
      );
    for (const r of rows.filter((row) => row.note)) lines.push(`  ${r.label}: ${r.note}`);
    for (const r of dataset.engines) {
      for (const p of r.summary?.problems ?? []) lines.push(`  ${labels[r.engine]}: WARNING ${p}`);
    }
    const detail = detailTable(dataset, output.engines);
    if (detail.rows.length) {
      lines.push(
        '',
        `  8 in flight (at the same efSearch), getItem, bytes per item (raw vector ${dataset.dimensions * 4} B):`,
      );
      lines.push(indent(formatTable(detail.headers, detail.rows)));
      for (const note of detail.notes) lines.push(`    ${note}`);
    }
    lines.push('');
  }
  const ratios = ratioTable(output);
  if (ratios) {
    lines.push(
      'Quiver against its peers (ratios of figures from this run) and the aims of issue 8',
    );
    lines.push(formatTable(ratios.headers, ratios.rows), '');
    for (const line of aimLines(output)) lines.push(`  ${line}`);
    lines.push('');
  }
  const { size, rows } = wasmComparison(output);
  if (size.quiverWasm) {
    lines.push(
      `WASM: quiver.wasm ${formatKiB(size.quiverWasm.raw)} raw, ` +
        `${formatKiB(size.quiverWasm.gzip)} gzip -9, ${formatKiB(size.quiverWasm.brotli)} brotli`,
    );
  }
  for (const r of rows) {
    const at = (f) =>
      f?.qps ? `${formatRate(f.qps)} QPS (ef ${f.efSearch})` : f ? 'target not reached' : 'not run';
    const x = (v) => (v ? `${v.toFixed(2)}×` : '—');
    lines.push(
      `  ${r.dataset}: native ${at(r.quiverdb)}, WASM ${at(r['quiverdb-wasm'])}, hnswlib-wasm ${at(r['hnswlib-wasm'])}; ` +
        `WASM/native QPS ${x(r.wasmVsNative.qps)}, insert ${x(r.wasmVsNative.insert)}; ` +
        `WASM/hnswlib-wasm QPS ${x(r.wasmVsHnswlibWasm.qps)}, insert ${x(r.wasmVsHnswlibWasm.insert)}`,
    );
  }
  return lines.join('\n');
}
