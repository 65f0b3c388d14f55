// Number formatting shared by the terminal table, the markdown table and the charts.
import { formatNumber } from './table.mjs';

export { formatNumber };

/** 1234 -> "1,234"; 12.3 -> "12.3"; 0.456 -> "0.456": about three significant digits. */
export function formatRate(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (value >= 100) return formatNumber(value);
  if (value >= 10) return formatNumber(value, 1);
  return formatNumber(value, 2);
}

export const formatMs = (ms) =>
  ms === null || ms === undefined ? '—' : ms < 10 ? ms.toFixed(2) : formatNumber(ms);

export const formatMiB = (mib) =>
  mib === null || mib === undefined ? '—' : mib < 10 ? mib.toFixed(1) : formatNumber(mib);

export const formatBytesMiB = (bytes) =>
  bytes === null || bytes === undefined ? '—' : formatMiB(bytes / 2 ** 20);

/** 10000 -> "10k", 1000000 -> "1M", 5000 -> "5k". */
export function shortCount(count) {
  if (count >= 1e6 && count % 1e6 === 0) return `${count / 1e6}M`;
  if (count >= 1e3 && count % 1e3 === 0) return `${count / 1e3}k`;
  return formatNumber(count);
}

/** "clustered 100k × 384 (cosine)" */
export function datasetTitle(dataset) {
  const kind =
    dataset.kind === 'sift' ? 'sift5k (SIFT)' : `${dataset.kind} ${shortCount(dataset.count)}`;
  return `${kind} × ${dataset.dimensions}, ${dataset.metric}`;
}

/** Download sizes: 1430421 -> "1,397 KiB". */
export const formatKiB = (bytes) => `${formatNumber(bytes / 1024)} KiB`;
