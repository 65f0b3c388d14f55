// The issue-8 tables as display strings, shared by the terminal report and the README:
//   ratioTable  one row per measure, one column per dataset: Quiver / peer ratios at recall
//               0.95 (single client, 8 in flight, WASM), getItem, reopen, bytes per item
//   detailTable per dataset, one row per engine: 8 in flight, getItem, RSS and disk per item
//   aimLines    each aim of the issue with met / not met
import { judgeAims } from './aims.mjs';
import { formatNumber, formatRate } from './format.mjs';
import { ratioRows } from './ratios.mjs';

const times = (r) => (r ? `${r.toFixed(2)}×` : '—');
const us = (v) => (v === null || v === undefined ? '—' : formatRate(v));
const bytes = (v) => (v === null || v === undefined ? '—' : formatNumber(v));
const ms = (v) => (v === null || v === undefined ? '—' : formatRate(v));

const MEASURES = [
  ['QPS @ R, 1 client: Quiver / hnswlib-node', (r) => times(r.single.vsHnswlibNode), '≥ 1.2×'],
  ['QPS @ R, 1 client: Quiver / USearch', (r) => times(r.single.vsUsearch), '≥ 1.0×'],
  ['QPS @ R, 8 in flight: Quiver / hnswlib-node', (r) => times(r.inFlight.vsHnswlibNode), '≥ 1.8×'],
  ['QPS @ R, 8 in flight: Quiver / USearch', (r) => times(r.inFlight.vsUsearch), ''],
  ['QPS @ R, Quiver: 8 in flight / 1 client', (r) => times(r.inFlight.overSingle), ''],
  ['QPS @ R, 1 client: Quiver WASM / hnswlib-wasm', (r) => times(r.wasm.vsHnswlibWasm), '≥ 2×'],
  [
    'getItem µs, Quiver, 1 client: p50 / p99',
    (r) =>
      r.getItem ? `${us(r.getItem.sequential.p50Us)} / ${us(r.getItem.sequential.p99Us)}` : '—',
    'p99 < 60',
  ],
  [
    'getItem ops/s, Quiver: 1 client / 8 in flight',
    (r) =>
      r.getItem
        ? `${formatRate(r.getItem.sequential.opsPerSecond)} / ${formatRate(r.getItem.inFlight.opsPerSecond)}`
        : '—',
    '',
  ],
  [
    'reopen ms: Quiver (hnswlib-node, USearch)',
    (r) =>
      r.reopenMs.quiver === null
        ? '—'
        : `${ms(r.reopenMs.quiver)} (${ms(r.reopenMs.hnswlibNode)}, ${ms(r.reopenMs.usearch)})`,
    '< 1,000 at 1M',
  ],
  [
    'bytes per item, Quiver: RSS / disk (raw vector)',
    (r) =>
      r.perItem
        ? `${bytes(r.perItem.rssBytes)} / ${bytes(r.perItem.diskBytes)} (${bytes(r.perItem.rawBytes)})`
        : '—',
    '',
  ],
];

/** { headers, rows } of the ratio table, or null when the run has no dataset. */
export function ratioTable(output) {
  const rows = ratioRows(output);
  if (!rows.length) return null;
  const target = output.settings.recallTarget;
  return {
    headers: ['measure', ...rows.map((r) => r.id), 'aim'],
    rows: MEASURES.map(([label, cell, aim]) => [
      label.replace('@ R', `@ ${target}`),
      ...rows.map(cell),
      aim,
    ]),
  };
}

/** Each aim with its verdict, as one line of text. */
export function aimLines(output) {
  return judgeAims(ratioRows(output), output.machine).map(
    ({ aim, status, detail }) => `${status.toUpperCase()}: ${aim.text} (${detail})`,
  );
}

export const DETAIL_HEADERS = [
  'engine',
  'QPS 1 client',
  'QPS 8 in flight',
  'in flight as',
  'getItem p50 µs',
  'getItem p99 µs',
  'getItem ops/s',
  'getItem ops/s 8 in flight',
  'RSS B/item',
  'disk B/item',
];

const MODE_LABEL = { async: 'async', sync: 'sync (1 at a time)', batch: 'batch of 8' };

/** Per-engine rows for one dataset (engines that ran), plus the "how" note of each mode. */
export function detailTable(dataset, engines) {
  const ran = dataset.engines.filter((r) => r.summary);
  const rows = ran.map((result) => {
    const s = result.summary;
    const engine = engines.find((e) => e.id === result.engine);
    const lookups = s.lookups;
    const rss = s.perItem?.rssBytes;
    return [
      engine?.label ?? result.engine,
      formatRate(s.atTarget?.qps),
      formatRate(s.inFlightAtTarget?.qps),
      s.inFlightAtTarget ? MODE_LABEL[s.inFlightAtTarget.mode] : '—',
      us(lookups?.sequential.p50Us),
      us(lookups?.sequential.p99Us),
      formatRate(lookups?.sequential.opsPerSecond),
      formatRate(lookups?.inFlight.opsPerSecond),
      rss === null || rss === undefined
        ? '—'
        : `${bytes(rss)}${s.perItem.rssAfterBuild ? ' †' : ''}`,
      bytes(s.perItem?.diskBytes),
    ];
  });
  const described = ran.map((r) => engines.find((e) => e.id === r.engine)).filter(Boolean);
  const notes = described
    .filter((e) => e.concurrency)
    .map((e) => `${e.label}: ${e.concurrency.how}`);
  const scans = described.filter((e) => e.kind === 'brute').map((e) => e.label);
  if (scans.length) {
    notes.push(
      `${scans.join(', ')}: exact scans, no 8-in-flight search run (a linear scan's cost does not ` +
        'depend on how calls are issued); getItem as above',
    );
  }
  return { headers: DETAIL_HEADERS, rows, notes };
}
