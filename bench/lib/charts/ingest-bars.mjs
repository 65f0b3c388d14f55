// Ingest rate (items per second from the first insert until the index is on disk and closed)
// as horizontal bars on a log scale, grouped by dataset. Rates span three orders of magnitude
// across engines, so a linear axis would flatten every bar but one.
import { datasetTitle, formatNumber } from '../format.mjs';
import { styleOf } from './palette.mjs';
import { compactNumber, decadeBounds, log10Scale, logTicks } from './scale.mjs';
import { el, line, svgDocument, text } from './svg.mjs';

const W = 780;
const LEFT = 150; // engine labels
const RIGHT = 700;
const TOP = 70;
const BAR = 14;
const GAP = 5;
const GROUP_GAP = 26;

export function ingestChart(output, labels) {
  const groups = output.datasets
    .filter((d) => d.engines)
    .map((d) => ({ dataset: d, bars: d.engines.filter((r) => r.summary?.ingestRate) }))
    .filter((g) => g.bars.length);
  if (!groups.length) return null;
  const rates = groups.flatMap((g) => g.bars.map((r) => r.summary.ingestRate));
  const [low, high] = decadeBounds(Math.min(...rates), Math.max(...rates));
  const x = log10Scale(low, high, LEFT, RIGHT);

  const body = [];
  let y = TOP;
  for (const { dataset, bars } of groups) {
    body.push(text(8, y + 12, datasetTitle(dataset), { 'font-weight': 600, fill: '#222' }));
    y += 20;
    for (const result of bars) {
      const rate = result.summary.ingestRate;
      const { color } = styleOf(result.engine);
      body.push(
        text(LEFT - 8, y + BAR - 3, labels[result.engine] ?? result.engine, {
          'text-anchor': 'end',
          fill: '#333',
        }),
      );
      body.push(
        el('rect', { x: LEFT, y, width: Math.max(1, x(rate) - LEFT), height: BAR, fill: color }),
      );
      body.push(
        text(x(rate) + 4, y + BAR - 3, formatNumber(rate), { fill: '#333', 'font-size': 11 }),
      );
      y += BAR + GAP;
    }
    y += GROUP_GAP - GAP;
  }
  const bottom = y - GROUP_GAP + 10;
  const grid = logTicks(low, high).flatMap(({ value, major }) => [
    line(x(value), TOP - 6, x(value), bottom, { stroke: major ? '#d0d0d0' : '#ececec' }),
    text(x(value), TOP - 10, compactNumber(value), {
      'text-anchor': 'middle',
      fill: '#555',
      'font-size': 11,
    }),
  ]);
  const { machine } = output;
  const height = bottom + 36;
  return svgDocument(
    W,
    height,
    text(8, 22, 'Ingest rate — items per second, log scale (longer is better)', {
      'font-size': 16,
      'font-weight': 600,
      fill: '#111',
    }),
    text(
      8,
      40,
      'From the first insert until the index is persisted and closed (engines that keep nothing on disk: inserts only); medians of repeats',
      { fill: '#555', 'font-size': 11 },
    ),
    ...grid,
    ...body,
    text(
      8,
      height - 12,
      `${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${output.date.slice(0, 10)}`,
      { fill: '#777', 'font-size': 10 },
    ),
  );
}
