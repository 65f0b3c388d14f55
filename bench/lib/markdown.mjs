// The README's performance section, generated from a results JSON: machine, parameters, one
// table per dataset, skipped engines with their reasons, and the WASM figures.
import { datasetTitle, formatKiB, formatNumber, formatRate } from './format.mjs';
import { aimLines, detailTable, ratioTable } from './ratio-rows.mjs';
import { summaryHeaders, summaryRows } from './summary-rows.mjs';
import { wasmComparison } from './wasm-compare.mjs';

const cell = (value) => String(value).replaceAll('|', '\\|');
const tableRow = (cells) => `| ${cells.map(cell).join(' | ')} |`;

function markdownTable(headers, rows) {
  const align = headers.map((_, i) => (i === 0 ? '---' : '---:'));
  return [tableRow(headers), tableRow(align), ...rows.map(tableRow)].join('\n');
}

function datasetSection(dataset, output, labels) {
  if (dataset.skipped) return `#### ${dataset.id}\nSkipped: ${dataset.skipped}\n`;
  const rows = summaryRows(dataset, labels);
  const ran = rows.filter((r) => r.cells);
  const queries = Math.max(
    ...dataset.engines.filter((r) => r.queriesUsed).map((r) => r.queriesUsed),
  );
  const notes = rows.filter((r) => r.note).map((r) => `- ${r.label}: ${r.note}`);
  // Wrong answers or a reopen that rebuilt: the figures above need this next to them.
  const warnings = dataset.engines.flatMap((r) =>
    (r.summary?.problems ?? []).map((p) => `- ${labels[r.engine]}: **warning** ${p}`),
  );
  const limited = dataset.engines
    .filter((r) => r.queriesUsed && r.queriesUsed < queries)
    .map(
      (r) =>
        `- ${labels[r.engine]}: ${formatNumber(r.queriesUsed)} of the queries (linear scan; per-query cost is flat)`,
    );
  const footnote = [
    ...(ran.some((r) => !r.reached)
      ? [
          `- (in parentheses): recall ${output.settings.recallTarget} not reached at any efSearch; figures at the highest recall measured.`,
        ]
      : []),
    ...(ran.some((r) => r.cells[8].endsWith('†'))
      ? ['- † RSS after building (no reopen possible in Node).']
      : []),
  ];
  const repeats = Math.max(
    ...dataset.engines.filter((r) => r.summary).map((r) => r.summary.repeats),
  );
  const runs = repeats === 1 ? 'one run' : `median of ${repeats} runs`;
  const detail = detailTable(dataset, output.engines);
  const detailPart = detail.rows.length
    ? [
        `8 queries in flight (same efSearch as the single-client column), \`getItem\` and bytes per item (raw vector: ${dataset.dimensions * 4} bytes):`,
        '',
        markdownTable(detail.headers, detail.rows),
        '',
        ...detail.notes.map((n) => `- ${n}`),
        '',
      ]
    : [];
  return [
    `#### ${datasetTitle(dataset)} — ${formatNumber(dataset.count)} vectors, ${formatNumber(queries)} queries, ${runs}`,
    '',
    markdownTable(
      summaryHeaders(output.settings.recallTarget),
      ran.map((r) => r.cells),
    ),
    '',
    ...notes,
    ...warnings,
    ...limited,
    ...footnote,
    '',
    ...detailPart,
  ].join('\n');
}

/** The ratio table and the aims of issue 8, first in the section: what the run concludes. */
function ratioSection(output) {
  const table = ratioTable(output);
  if (!table) return '';
  return [
    "#### Quiver against its peers (ratios of figures from this run; the aims are issue 8's)",
    '',
    markdownTable(table.headers, table.rows),
    '',
    ...aimLines(output).map((line) => `- ${line}`),
    '',
  ].join('\n');
}

const ratio = (r) => (r ? `${r.toFixed(2)}×` : '—');

function wasmSection(output, labels) {
  const { size, rows, recallTarget } = wasmComparison(output);
  const sizeRow = (name, s) =>
    s ? [name, formatKiB(s.raw), formatKiB(s.gzip), formatKiB(s.brotli)] : null;
  const sizes = [
    sizeRow('`dist/wasm/quiver.wasm`', size.quiverWasm),
    sizeRow('`dist/wasm/quiver.mjs` (JS glue)', size.quiverGlue),
    sizeRow('hnswlib-wasm bundle (JS, WASM inlined)', size.hnswlibWasmBundle),
  ].filter(Boolean);
  const qps = (f) =>
    f?.qps
      ? `${formatRate(f.qps)} (ef ${f.efSearch})`
      : f
        ? `— (best ${f.bestRecall.toFixed(3)})`
        : '—';
  const perf = rows.map((r) => [
    r.dataset,
    formatRate(r.quiverdb?.insertRate),
    formatRate(r['quiverdb-wasm']?.insertRate),
    formatRate(r['hnswlib-wasm']?.insertRate),
    qps(r.quiverdb),
    qps(r['quiverdb-wasm']),
    qps(r['hnswlib-wasm']),
    ratio(r.wasmVsNative.qps),
    ratio(r.wasmVsHnswlibWasm.qps),
  ]);
  return [
    '#### WASM build',
    '',
    markdownTable(['file', 'raw', 'gzip -9', 'brotli -q 11'], sizes),
    '',
    markdownTable(
      [
        'dataset',
        `${labels.quiverdb} insert/s`,
        `${labels['quiverdb-wasm']} insert/s`,
        'hnswlib-wasm insert/s',
        `native QPS @ ${recallTarget}`,
        `WASM QPS @ ${recallTarget}`,
        `hnswlib-wasm QPS @ ${recallTarget}`,
        'WASM / native QPS',
        'WASM / hnswlib-wasm QPS',
      ],
      perf,
    ),
    '',
    'Insert rate here is the insert calls alone (hnswlib-wasm keeps nothing on disk in Node).',
    '',
  ].join('\n');
}

const lookupsText = ({ extras }) =>
  extras
    ? `${formatNumber(extras.lookupCalls)} (${extras.lookupSeconds} s at most per mode)`
    : '10,000 (3 s at most per mode)';

export function readmeSection(output, jsonName) {
  const labels = Object.fromEntries(output.engines.map((e) => [e.id, e.label]));
  const { machine, settings } = output;
  // Both Quiver builds are the same package: name it once.
  const versions = [
    ...new Set(
      output.engines.map((e) =>
        e.id.startsWith('quiverdb')
          ? `quiverdb ${e.version} (this repository)`
          : `${e.label} ${e.version ?? '?'}`,
      ),
    ),
  ].join(', ');
  const loads = output.datasets.flatMap((d) =>
    d.loadAverage ? [d.loadAverage.start, d.loadAverage.end] : [],
  );
  const loadNote = loads.length
    ? ` 1-minute load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} during the run` +
      ` on ${machine.cores} cores${Math.max(...loads) > machine.cores * 0.75 ? ' (other processes were running: figures are noisy)' : ''}.`
    : '';
  return [
    `Generated from \`bench/results/${jsonName}\` by the benchmark suite (\`npm run bench -- --readme\`); do not edit by hand.`,
    '',
    `**Machine**: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGB} GiB RAM, ${machine.os}, ` +
      `Node ${machine.node}; run ${output.date.slice(0, 16).replace('T', ' ')} UTC, ` +
      `${(output.durationSeconds / 60).toFixed(0)} min.${loadNote}`,
    '',
    `**Parameters**: every HNSW engine M=${settings.hnsw.M}, efConstruction=${settings.hnsw.efConstruction}; ` +
      `efSearch ${settings.efSearch.join(', ')}; top-${settings.k}; one query at a time (single client); ` +
      `medians of repeated runs, each a fresh build (count per dataset below); recall@${settings.k} ` +
      'against exact brute-force ground truth. ' +
      `Versions: ${versions}.`,
    '',
    '**Columns**: *ingest/s* — items per second from the first insert until the index is persisted ' +
      'and closed; *QPS @ recall≥' +
      settings.recallTarget +
      '* — single-client queries per second at the ' +
      'smallest efSearch whose mean recall@10 reaches the target (*efSearch*, *p50*/*p99* latency ' +
      'there; "exact" for linear scans; sift5k\'s 100 queries run 10 rounds per point); *reopen* — a fresh process opening the index and answering ' +
      'one query; *RSS* — memory the opened index adds to that process; *disk* — bytes on disk after ' +
      'close. Charts (recall vs QPS per dataset, ingest rate) are written next to the JSON.',
    '',
    '*8 in flight* — the same queries at the same efSearch with 8 calls outstanding at once (a ' +
      'new one issued as soon as one settles): what a server answering concurrent requests gets; ' +
      'synchronous APIs run them one after another (their single-client rate), USearch answers 8 ' +
      `per multi-threaded batch call. *getItem* — ${lookupsText(settings)} random existing ids, one ` +
      'call at a time (p50/p99 nearest rank, ops/s) and with 8 in flight. *B/item* — RSS the ' +
      'opened index adds and bytes on disk, divided by the item count.',
    '',
    ratioSection(output),
    ...output.datasets.map((d) => datasetSection(d, output, labels)),
    wasmSection(output, labels),
  ].join('\n');
}
